"""
Writes of the accounts app: registration, login, profile updates, status changes.

Services raise `core.exceptions.ServiceError` with the accounts code (the HTTP
status) and 002's message; the accounts style renders it.
"""
from __future__ import annotations

from dataclasses import dataclass
import logging

from django.conf import settings
from django.db import DatabaseError, IntegrityError, InterfaceError, OperationalError, transaction
from django.db.models import F
from django.utils import timezone

from accounts.errors import Msg
from accounts.models import StatusChangeBatch, User
from accounts.selectors import user_find_for_login
from accounts.constants import BATCH_MAX_USERS
from accounts.tokens import token_issue
from core.exceptions import ServiceError
from core.ratelimit import Gate, RateLimitResult, get_limiter, parse_rate

logger = logging.getLogger("accounts")

LOGIN_FAILURE_POLICY = "accounts_login_failures"


def _bad_request(message: str) -> ServiceError:
    return ServiceError(str(message), code=400, status=400)


# --- Registration ---------------------------------------------------------------

def _taken(*, username: str | None, email: str | None, phone: str | None, exclude_pk=None) -> str | None:
    """Which of the unique values another user already holds: 'username', 'email', 'phone' or None."""
    for field, value in (("username", username), ("email", email), ("phone", phone)):
        if value:
            queryset = User.objects.filter(**{field: value})
            if exclude_pk is not None:
                queryset = queryset.exclude(pk=exclude_pk)
            if queryset.exists():
                return field
    return None


_REGISTER_TAKEN = {"username": Msg.USERNAME_TAKEN, "email": Msg.EMAIL_TAKEN, "phone": Msg.PHONE_TAKEN}


@dataclass(frozen=True)
class AuthResult:
    user: User
    token: str


def user_register(*, username: str, password: str, nickname: str | None = None,
                  email: str | None = None, phone: str | None = None) -> AuthResult:
    """Create an active user of type `user` and issue a token; 400 when a unique value is taken."""
    taken = _taken(username=username, email=email, phone=phone)
    if taken:
        raise _bad_request(_REGISTER_TAKEN[taken])
    try:
        with transaction.atomic():
            user = User.objects.create_user(
                username, password, nickname=nickname or username, email=email or None, phone=phone or None
            )
    except IntegrityError:
        # Another registration took a value between the check and the insert.
        taken = _taken(username=username, email=email, phone=phone)
        raise _bad_request(_REGISTER_TAKEN.get(taken, Msg.USERNAME_TAKEN))
    logger.info("accounts.registered", extra={"user_id": user.pk})
    return AuthResult(user=user, token=token_issue(user=user))


# --- Login ----------------------------------------------------------------------

# Failed logins are slowed per (account, client IP) and per client IP, so that a guesser is
# slowed wherever it guesses while the owner, from a client that has not been failing, always
# gets in with the right password: nobody can lock anybody else out. The per-account count
# (far higher) only applies to clients that have themselves failed for that account.
_LOGIN_LIMITS = {  # scope: (policy name, the setting with its rate)
    "client": (LOGIN_FAILURE_POLICY, "ACCOUNTS_LOGIN_FAILURE_LIMIT"),
    "ip": (f"{LOGIN_FAILURE_POLICY}_ip", "ACCOUNTS_LOGIN_IP_FAILURE_LIMIT"),
    "account": (f"{LOGIN_FAILURE_POLICY}_account", "ACCOUNTS_LOGIN_ACCOUNT_FAILURE_LIMIT"),
}


def _login_gate(scope: str, ident: str) -> Gate | None:
    """The failure count of one scope ('client', 'ip', 'account'), or None when that limit is off."""
    policy, setting = _LOGIN_LIMITS[scope]
    rate = settings.RATE_LIMITS.get(policy) or getattr(settings, setting, "")
    if not rate:
        return None
    limit, window = parse_rate(rate)
    return Gate(f"{policy}:{ident}", limit, window, policy)


def _login_locked(result: RateLimitResult) -> ServiceError:
    return ServiceError(str(Msg.LOGIN_LOCKED), code=429, status=429, headers={"Retry-After": str(result.retry_after)})


def _peek(gate: Gate) -> RateLimitResult:
    """The gate's count, looked at without counting."""
    return get_limiter().peek(gate.key, gate.limit, gate.window, policy=gate.policy)


def _first_closed(gates: list[Gate]) -> RateLimitResult | None:
    """The first gate whose count is full, else None."""
    for gate in gates:
        result = _peek(gate)
        if not result.allowed:
            return result
    return None


def _record_login_failure(gates: list[Gate], *, user_id: int | None, ip: str) -> None:
    """
    Count one failed attempt in every gate. The count and the decision are one
    atomic step per gate, so concurrent guesses cannot all slip past a look
    taken before any of them was recorded: once a count is full the failure
    answers 429 instead of its own error, and no answer tells whether a guess
    was wrong.
    """
    limiter = get_limiter()
    refused = [result for result in (limiter.hit(g.key, g.limit, g.window, policy=g.policy) for g in gates)
               if not result.allowed]
    if refused:
        slowest = max(refused, key=lambda result: result.reset_after)
        logger.warning("accounts.login_slowed", extra={"user_id": user_id, "client_ip": ip,
                                                      "policy": slowest.policy, "seconds": slowest.retry_after})
        raise _login_locked(slowest)


def user_authenticate(*, identifier: str, password: str, client_ip: str) -> User:
    """
    The user whose username, email or phone is `identifier`, if `password` is
    theirs, under the failed-login slowing (see _LOGIN_LIMITS): 404 unknown
    account, 401 wrong password, 429 while this client is slowed. The user may
    be inactive: the caller decides what that means. Every login path (the API,
    Django admin) goes through here, so the same rule holds on each.
    """
    user = user_find_for_login(identifier=identifier)
    ip_gate = _login_gate("ip", client_ip)
    client_gate = _login_gate("client", f"{user.pk}:{client_ip}") if user is not None else None
    own_gates = [gate for gate in (client_gate, ip_gate) if gate is not None]
    # A client already slowed waits before any password is hashed (a pre-filter: the
    # atomic decision is the failure's hit below and the second look after the hash).
    closed = _first_closed(own_gates)
    if closed is not None:
        raise _login_locked(closed)
    if user is None:
        _record_login_failure([ip_gate] if ip_gate else [], user_id=None, ip=client_ip)
        raise ServiceError(str(Msg.USER_NOT_FOUND), code=404, status=404)
    account_gate = _login_gate("account", str(user.pk))
    if not user.check_password(password):
        _record_login_failure([g for g in (*own_gates, account_gate) if g is not None], user_id=user.pk, ip=client_ip)
        raise ServiceError(str(Msg.WRONG_PASSWORD), code=401, status=401)
    # The right password, looked at again: failures recorded while it was hashed count too.
    # The account's own count only holds back a client that has itself failed for it.
    gates = list(own_gates)
    if account_gate is not None and client_gate is not None and _peek(client_gate).remaining < client_gate.limit:
        gates.append(account_gate)
    closed = _first_closed(gates)
    if closed is not None:
        raise _login_locked(closed)
    return user


def user_login(*, identifier: str, password: str, client_ip: str) -> AuthResult:
    """
    002 login: `user_authenticate`, then 403 for an inactive account (told only
    to someone who knows the password), else a token.
    """
    user = user_authenticate(identifier=identifier, password=password, client_ip=client_ip)
    if not user.is_active:
        raise ServiceError(str(Msg.ACCOUNT_DISABLED), code=403, status=403)
    user.last_login = timezone.now()
    User.objects.filter(pk=user.pk).update(last_login=user.last_login)
    return AuthResult(user=user, token=token_issue(user=user))


# --- Profile --------------------------------------------------------------------

_PROFILE_TAKEN = {"email": Msg.EMAIL_IN_USE, "phone": Msg.PHONE_IN_USE}


def user_update_profile(*, user_id: int, changes: dict) -> User:
    """
    Apply 002's profile fields (already validated, model field names) to the user.
    400 when the email or phone belongs to someone else; 500 "更新用户信息失败"
    when the write itself fails for another reason than the database being down.
    """
    taken = _taken(username=None, email=changes.get("email"), phone=changes.get("phone"), exclude_pk=user_id)
    if taken:
        raise _bad_request(_PROFILE_TAKEN[taken])
    try:
        with transaction.atomic():
            user = User.objects.select_for_update().get(pk=user_id)
            for field, value in changes.items():
                setattr(user, field, value)
            user.save(update_fields=[*changes, "updated_at"])
    except IntegrityError:
        taken = _taken(username=None, email=changes.get("email"), phone=changes.get("phone"), exclude_pk=user_id)
        if taken:  # another user took the value between the check and the write
            raise _bad_request(_PROFILE_TAKEN[taken])
        logger.exception("accounts.profile_update_failed", extra={"user_id": user_id})
        raise ServiceError(str(Msg.UPDATE_FAILED), code=500, status=500)
    except (OperationalError, InterfaceError):
        raise  # the database is down: core answers 503
    except DatabaseError:
        logger.exception("accounts.profile_update_failed", extra={"user_id": user_id})
        raise ServiceError(str(Msg.UPDATE_FAILED), code=500, status=500)
    return user


# --- Status changes -------------------------------------------------------------

# Django's own permission behind the admin's status actions (`permissions=["change"]`).
# The API asks for the same one, so no path to a status change is looser than the admin.
STATUS_CHANGE_PERMISSION = "accounts.change_user"


def user_can_change_status(*, actor: User | None) -> bool:
    """
    Whether `actor` may change users' status at all: an active user with Django's
    change-user permission (superusers hold every permission). Which accounts they
    may change is decided per user by `user_batch_set_status`.
    """
    return actor is not None and actor.is_active and actor.has_perm(STATUS_CHANGE_PERMISSION)


def user_can_change_privileged_accounts(*, actor: User | None, operator: bool = False) -> bool:
    """
    Whether `actor` may change staff and superuser accounts (their status here, and
    their form and password in Django admin): only a superuser, or a shell operator.
    Without this rule any staff user could lock out or take over the superusers above them.
    """
    return operator or (actor is not None and actor.is_active and actor.is_superuser)


@dataclass(frozen=True)
class StatusChangeResult:
    status: str
    requested: int
    changed_ids: list[int]
    unchanged_ids: list[int]
    missing_ids: list[int]
    skipped_self: bool
    skipped_privileged_ids: list[int]
    dry_run: bool
    record: StatusChangeBatch | None

    @property
    def changed(self) -> int:
        return len(self.changed_ids)


def user_batch_set_status(*, user_ids: list[int], status: str, source: str, actor: User | None = None,
                          actor_label: str | None = None, dry_run: bool = False,
                          operator: bool = False) -> StatusChangeResult:
    """
    Set `status` on up to 1,000 users at once; the one service behind the API,
    the admin actions and the manage.py command, and the one place their rules live.

    Who may do what, as Django's admin has it:
    - a signed-in `actor` needs `accounts.change_user` (403 "需要管理员权限" otherwise);
    - only a superuser changes the status of a staff or superuser account: for any
      other actor those ids are left alone and reported in `skipped_privileged_ids`
      (a staff user could otherwise lock out the superusers above them);
    - `operator=True` is the shell (manage.py, run by someone who can already change
      the database directly): it acts with a superuser's authority, and `actor`, if
      given, only names who is recorded.
    One of the two is required, so that no caller gets authority by leaving `actor` out.

    The actor's own status is never changed. Deactivation also moves each user's
    token_version, so tokens issued before it stay dead if the user is reactivated.
    Unknown ids and users already in that status are reported, not errors. Each
    call (except a dry run) is recorded as a `StatusChangeBatch`.
    """
    if actor is None and not operator:
        raise ValueError("a status change needs the acting user, or operator=True for a shell operator")
    if not operator and not user_can_change_status(actor=actor):
        raise ServiceError(str(Msg.ADMIN_REQUIRED), code=403, status=403)
    if status not in User.Status.values:
        raise _bad_request(Msg.INVALID_STATUS)
    ids = list(dict.fromkeys(int(pk) for pk in user_ids))
    if not ids:
        raise _bad_request(Msg.SELECT_USERS)
    if len(ids) > BATCH_MAX_USERS:
        raise _bad_request(Msg.TOO_MANY_USERS)
    actor_pk = actor.pk if actor is not None else None
    may_change_privileged = user_can_change_privileged_accounts(actor=actor, operator=operator)
    with transaction.atomic():
        # The flags are read under the same row lock as the status: a user promoted to
        # staff by a concurrent transaction is judged by what is committed.
        rows = list(User.objects.select_for_update().filter(pk__in=ids).values_list(
            "pk", "status", "is_staff", "is_superuser"))
        current = {pk: row_status for pk, row_status, _, _ in rows}
        privileged_ids = {pk for pk, _, is_staff, is_superuser in rows if is_staff or is_superuser}
        skipped_self = actor_pk in current
        candidates = [pk for pk in ids if pk in current and pk != actor_pk]
        skipped_privileged = [] if may_change_privileged else [pk for pk in candidates if pk in privileged_ids]
        candidates = [pk for pk in candidates if pk not in skipped_privileged]
        changed = [pk for pk in candidates if current[pk] != status]
        unchanged = [pk for pk in candidates if current[pk] == status]
        missing = [pk for pk in ids if pk not in current]
        record = None
        if not dry_run:
            if changed:
                update = {"status": status, "updated_at": timezone.now()}
                if status == User.Status.INACTIVE:
                    update["token_version"] = F("token_version") + 1
                User.objects.filter(pk__in=changed).update(**update)
            record = StatusChangeBatch.objects.create(
                actor=actor, actor_label=actor_label or (actor.username if actor else source), source=source,
                status=status, requested_count=len(ids), changed_count=len(changed), changed_ids=changed,
                unchanged_ids=unchanged, missing_ids=missing, skipped_self=skipped_self,
                skipped_privileged_ids=skipped_privileged,
            )
    if not dry_run:
        logger.info(
            "accounts.batch_status",
            extra={"source": source, "actor": actor_pk, "operator": operator, "status": status,
                   "requested": len(ids), "changed": len(changed), "skipped_privileged": len(skipped_privileged),
                   "batch_id": record.pk},
        )
    return StatusChangeResult(status, len(ids), changed, unchanged, missing, skipped_self, skipped_privileged,
                              dry_run, record)
