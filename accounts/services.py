"""
Writes of the accounts app: registration, login, profile updates, status changes.

Services raise `core.exceptions.ServiceError` with the accounts code (the HTTP
status) and 002's message; the accounts style renders it.
"""
from __future__ import annotations

from dataclasses import dataclass
import datetime
import logging
import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.db import DatabaseError, IntegrityError, InterfaceError, OperationalError, transaction
from django.db.models import F, Q
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


class UserFieldError(ServiceError):
    """A 400 of the user rules that names the field it is about (`field`), for forms to show it there."""

    def __init__(self, message: str, *, field: str | None):
        super().__init__(str(message), code=400, status=400)
        self.field = field


def _bad_request(message: str, field: str | None = None) -> ServiceError:
    return UserFieldError(message, field=field)


# --- The user rules -------------------------------------------------------------
# One rule set for every write of a user (API registration and profile, Django admin's
# forms): the serializers and the admin forms call these, and the services apply them
# again, so no path stores a value another path would refuse.

USERNAME_MAX = 150
PASSWORD_MIN, PASSWORD_MAX = 6, 128
PHONE_PATTERN = re.compile(r"\+?[0-9]{6,20}")
# A username can be neither an email nor a phone number: login takes all three in one field
# (accounts.selectors.user_find_for_login), so a username shaped like another user's phone or
# email would log its owner's identifier into the wrong account.
USERNAME_PATTERN = re.compile(r"[^\s@]+")


def username_problem(value: str) -> Msg | None:
    """Why `value` cannot be a username (Msg.USERNAME_INVALID), or None."""
    if not value or len(value) > USERNAME_MAX or not USERNAME_PATTERN.fullmatch(value) \
            or PHONE_PATTERN.fullmatch(value):
        return Msg.USERNAME_INVALID
    return None


def password_problem(value: str) -> Msg | None:
    """Why `value` cannot be a password (too short or too long), or None."""
    if len(value) < PASSWORD_MIN:
        return Msg.PASSWORD_TOO_SHORT
    if len(value) > PASSWORD_MAX:
        return Msg.PASSWORD_TOO_LONG
    return None


_avatar_url = URLValidator(schemes=["http", "https"])
BIRTHDAY_MIN = datetime.date(1900, 1, 1)


def avatar_problem(value: str) -> Msg | None:
    """Why `value` cannot be an avatar URL (an http or https URL, or empty), or None."""
    if not value:
        return None
    try:
        _avatar_url(value)
    except ValidationError:
        return Msg.AVATAR_INVALID
    return None


def birthday_problem(value: datetime.date | None) -> Msg | None:
    """Why `value` cannot be a birthday (before 1900 or in the future), or None."""
    if value is not None and not (BIRTHDAY_MIN <= value <= datetime.date.today()):
        return Msg.BIRTHDAY_INVALID
    return None


def email_normalize(value: str | None) -> str | None:
    """An email as stored: stripped and lower-cased (login by email ignores case); None when empty."""
    return (value.strip().lower() or None) if value else None


def phone_normalize(value: str | None) -> str | None:
    """A phone as stored (stripped), None when empty; 400 PHONE_INVALID when it is not a phone number."""
    value = (value or "").strip()
    if not value:
        return None
    if not PHONE_PATTERN.fullmatch(value):
        raise _bad_request(Msg.PHONE_INVALID, "phone")
    return value


def _checked_values(changes: dict) -> dict:
    """`changes` with username, email, phone, avatar and birthday checked and normalised (those present)."""
    changes = dict(changes)
    for field, problem_of in (("avatar_url", avatar_problem), ("birthday", birthday_problem)):
        problem = problem_of(changes[field]) if field in changes else None
        if problem:
            raise _bad_request(problem, field)
    if "username" in changes:
        problem = username_problem(changes["username"] or "")
        if problem:
            raise _bad_request(problem, "username")
    if "email" in changes:
        changes["email"] = email_normalize(changes["email"])
        if changes["email"]:
            try:
                validate_email(changes["email"])
            except ValidationError:
                raise _bad_request(Msg.EMAIL_INVALID, "email")
    if "phone" in changes:
        changes["phone"] = phone_normalize(changes["phone"])
    return changes


def _taken(*, username: str | None, email: str | None, phone: str | None, exclude_pk=None) -> str | None:
    """
    Which of the unique values another user already holds: 'username', 'email', 'phone' or None.
    A username is also taken when it is another user's phone or email, and a phone or email
    when it is another user's username (rows written before these rules may hold such values):
    login would otherwise resolve that identifier to one of the two accounts. One query per
    value, each branch a unique-index lookup.
    """
    checks = (
        ("username", username, Q(username=username) | Q(phone=username) | Q(email=username)),
        ("email", email, Q(email=email) | Q(username=email)),
        ("phone", phone, Q(phone=phone) | Q(username=phone)),
    )
    for field, value, query in checks:
        if value:
            queryset = User.objects.filter(query)
            if exclude_pk is not None:
                queryset = queryset.exclude(pk=exclude_pk)
            if queryset.exists():
                return field
    return None


# --- Registration and creation --------------------------------------------------

_REGISTER_TAKEN = {"username": Msg.USERNAME_TAKEN, "email": Msg.EMAIL_TAKEN, "phone": Msg.PHONE_TAKEN}


@dataclass(frozen=True)
class AuthResult:
    user: User
    token: str


def user_create(*, username: str, password: str, nickname: str | None = None, email: str | None = None,
                phone: str | None = None, actor: User | None = None) -> User:
    """
    Create an active user of type `user` under the user rules (username, password,
    email and phone formats; unique values, checked again if a concurrent write takes
    one between the check and the insert): 400 with 002's message otherwise. The one
    creation path of registration and Django admin's add form; `actor` only names
    who is logged.
    """
    checked = _checked_values({"username": username, "email": email, "phone": phone})
    problem = password_problem(password)
    if problem:
        raise _bad_request(problem, "password")
    email, phone = checked["email"], checked["phone"]
    taken = _taken(username=username, email=email, phone=phone)
    if taken:
        raise _bad_request(_REGISTER_TAKEN[taken], taken)
    try:
        with transaction.atomic():
            user = User.objects.create_user(username, password, nickname=nickname or username, email=email,
                                            phone=phone)
    except IntegrityError:
        # Another write took a value between the check and the insert.
        taken = _taken(username=username, email=email, phone=phone) or "username"
        raise _bad_request(_REGISTER_TAKEN[taken], taken)
    logger.info("accounts.created", extra={"user_id": user.pk, "actor": actor.pk if actor else None})
    return user


def user_register(*, username: str, password: str, nickname: str | None = None,
                  email: str | None = None, phone: str | None = None) -> AuthResult:
    """002 registration: `user_create`, then a token."""
    user = user_create(username=username, password=password, nickname=nickname, email=email, phone=phone)
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


# --- Profile and operator edits ---------------------------------------------------

_PROFILE_TAKEN = {"email": Msg.EMAIL_IN_USE, "phone": Msg.PHONE_IN_USE}
_UPDATE_TAKEN = {"username": Msg.USERNAME_TAKEN, **_PROFILE_TAKEN}
# The refusal of an edit the actor may not make (Django admin shows it on the form).
NOT_ALLOWED = "只有超级用户可以修改职员和超级用户账户、设置权限"

# What an operator may edit on an account (Django admin's change form). Status, password
# and token_version have their own services, which record and revoke as they must.
USER_EDITABLE_FIELDS = ("username", "nickname", "real_name", "email", "phone", "avatar_url", "gender", "birthday",
                        "user_type")
# Who gets or loses admin rights: only a superuser (user_can_change_privileged_accounts).
USER_PRIVILEGE_FIELDS = ("is_staff", "is_superuser", "groups", "user_permissions")
_M2M_FIELDS = ("groups", "user_permissions")


def _write(*, user_id: int, changes: dict, taken_messages: dict, guard=None, log_event: str) -> User:
    """
    Apply checked `changes` to the user under a row lock: 400 when a unique value is
    another user's (looked at before the write, and again when the write hits a
    unique index because a concurrent write took it meanwhile); 500 "更新用户信息失败"
    when the write fails for another reason than the database being down (503).
    `guard(user)` may refuse the locked row before anything is written.
    """
    changes = dict(changes)
    taken = _taken(username=changes.get("username"), email=changes.get("email"), phone=changes.get("phone"),
                   exclude_pk=user_id)
    if taken:
        raise _bad_request(taken_messages[taken], taken)
    m2m = {name: changes.pop(name) for name in _M2M_FIELDS if name in changes}
    try:
        with transaction.atomic():
            user = User.objects.select_for_update().filter(pk=user_id).first()
            if user is None:
                raise ServiceError(str(Msg.USER_NOT_FOUND), code=404, status=404)
            if guard is not None:
                guard(user)
            for field, value in changes.items():
                setattr(user, field, value)
            if changes:
                user.save(update_fields=[*changes, "updated_at"])
            for name, values in m2m.items():
                getattr(user, name).set(values)
    except IntegrityError:
        taken = _taken(username=changes.get("username"), email=changes.get("email"), phone=changes.get("phone"),
                       exclude_pk=user_id)
        if taken:  # another user took the value between the check and the write
            raise _bad_request(taken_messages[taken], taken)
        logger.exception(log_event, extra={"user_id": user_id})
        raise ServiceError(str(Msg.UPDATE_FAILED), code=500, status=500)
    except (OperationalError, InterfaceError):
        raise  # the database is down: core answers 503
    except DatabaseError:
        logger.exception(log_event, extra={"user_id": user_id})
        raise ServiceError(str(Msg.UPDATE_FAILED), code=500, status=500)
    return user


def user_update_profile(*, user_id: int, changes: dict) -> User:
    """
    Apply 002's profile fields (already validated, model field names) to the user.
    400 when the email or phone belongs to someone else; 500 "更新用户信息失败"
    when the write itself fails for another reason than the database being down.
    """
    return _write(user_id=user_id, changes=_checked_values(changes), taken_messages=_PROFILE_TAKEN,
                  log_event="accounts.profile_update_failed")


def _privilege_guard(*, actor: User | None, operator: bool):
    """
    The admin's rule for editing accounts: without superuser rights, staff and
    superuser accounts other than the actor's own are refused (403), so that no
    staff user takes over or locks out the accounts above them.
    """
    may_change_privileged = user_can_change_privileged_accounts(actor=actor, operator=operator)

    def guard(user: User) -> None:
        if may_change_privileged or (actor is not None and user.pk == actor.pk):
            return
        if user.is_staff or user.is_superuser:
            raise ServiceError(NOT_ALLOWED, code=403, status=403)

    return guard


def user_update(*, user_id: int, changes: dict, actor: User | None = None, operator: bool = False) -> User:
    """
    An operator's edit of an account (Django admin's change form), under the same
    rules as registration and the profile: username, email and phone formats and
    uniqueness (a username can be no one's phone or email). `changes` holds model
    field names from USER_EDITABLE_FIELDS and USER_PRIVILEGE_FIELDS (groups and
    user_permissions as iterables of their objects). Only a superuser (or
    `operator=True`, the shell) changes the rights fields or edits staff and
    superuser accounts other than their own: 403 otherwise.
    """
    if actor is None and not operator:
        raise ValueError("an account edit needs the acting user, or operator=True for a shell operator")
    unknown = set(changes) - {*USER_EDITABLE_FIELDS, *USER_PRIVILEGE_FIELDS}
    if unknown:
        raise ValueError(f"not editable here: {sorted(unknown)} (status and password have their own services)")
    if set(changes) & set(USER_PRIVILEGE_FIELDS) and not user_can_change_privileged_accounts(
            actor=actor, operator=operator):
        raise ServiceError(NOT_ALLOWED, code=403, status=403)
    changes = _checked_values(changes)
    if "user_type" in changes and changes["user_type"] not in User.UserType.values:
        raise _bad_request(Msg.USER_TYPE_INVALID, "user_type")
    user = _write(user_id=user_id, changes=changes, taken_messages=_UPDATE_TAKEN,
                  guard=_privilege_guard(actor=actor, operator=operator), log_event="accounts.user_update_failed")
    logger.info("accounts.user_updated", extra={"user_id": user_id, "actor": actor.pk if actor else None,
                                                "fields": sorted(changes)})
    return user


def user_set_password(*, user_id: int, password: str | None, actor: User | None = None,
                      operator: bool = False) -> User:
    """
    Set a user's password (`None`: disable password login) under the password rule
    (6 to 128 characters, 400 otherwise). token_version moves, so every token issued
    before dies at once, as after the API's own changes. The same privilege rule as
    `user_update`: only a superuser sets the password of another staff or superuser account.
    """
    if actor is None and not operator:
        raise ValueError("a password change needs the acting user, or operator=True for a shell operator")
    if password is not None:
        problem = password_problem(password)
        if problem:
            raise _bad_request(problem, "password")
    guard = _privilege_guard(actor=actor, operator=operator)
    with transaction.atomic():
        user = User.objects.select_for_update().filter(pk=user_id).first()
        if user is None:
            raise ServiceError(str(Msg.USER_NOT_FOUND), code=404, status=404)
        guard(user)
        if password is None:
            user.set_unusable_password()
            # Not a set_password(), so User.save's own bump does not see it: move it here.
            user.token_version += 1
            fields = ["password", "token_version", "updated_at"]
        else:
            user.set_password(password)  # User.save moves token_version with it
            fields = ["password", "updated_at"]
        user.save(update_fields=fields)
    logger.info("accounts.password_set", extra={"user_id": user_id, "actor": actor.pk if actor else None,
                                                "usable": password is not None})
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
