"""Writes: partner apps and their secrets, and the intents' life cycle (contract §4)."""
from __future__ import annotations

from datetime import timedelta
import logging
import secrets as random_secrets

from django.conf import settings
from django.db import IntegrityError, transaction

from core import secretbox
from core.codes import PartnerCode
from core.exceptions import ServiceError
from core.listcounts import list_changed
from core.partner_auth import credentials_cache
from core.timeutil import utc_now
from procurement.errors import IntentReason
from procurement.models import (
    ACTIVE_STATUSES, STATUS_MOVES, Intent, IntentStatus, PartnerApp, generate_app_id, parse_ip_whitelist, url_digest,
)
from procurement.selectors import intent_get, intents_list_scope

logger = logging.getLogger("procurement")


def new_secret() -> str:
    """A fresh app secret: 256 random bits, hex."""
    return random_secrets.token_hex(32)


# --- partner apps --------------------------------------------------------------------------------

@transaction.atomic
def partner_app_create(*, name: str, app_id: str | None = None, ip_whitelist: str = "",
                       qps_limit: int | None = None, is_active: bool = True,
                       actor: str | None = None) -> tuple[PartnerApp, str]:
    """
    Create an app; returns it with its secret in clear, which is shown once and never again.
    `actor` names who did it in the structured log (`admin:<username>`, `manage.py:<os user>`).
    """
    secret = new_secret()
    app = PartnerApp(
        app_id=app_id or generate_app_id(),
        name=name,
        secret_encrypted=secretbox.encrypt(secret),
        ip_whitelist="\n".join(parse_ip_whitelist(ip_whitelist)),
        qps_limit=qps_limit or settings.PARTNER_DEFAULT_QPS,
        is_active=is_active,
    )
    app.full_clean(exclude=["secret_encrypted"])
    app.save()
    logger.info("partner_app.create", extra={"app_id": app.app_id, "actor": actor})
    return app, secret


# What an operator may change on an existing app (the app id is what partners sign with: fixed).
PARTNER_APP_EDITABLE = ("name", "ip_whitelist", "qps_limit", "is_active")


@transaction.atomic
def partner_app_update(*, app: PartnerApp, changes: dict, actor: str | None = None) -> PartnerApp:
    """
    Change an app's name, whitelist, QPS limit or active flag (the keys of `changes`,
    among PARTNER_APP_EDITABLE), under the rules of `partner_app_create` (model
    validation; raises django ValidationError). The credentials cache forgets the
    app when the transaction commits: this process at once, others within
    PARTNER_CREDENTIALS_CACHE_SECONDS. `actor` is logged as for `partner_app_create`.
    """
    unknown = set(changes) - set(PARTNER_APP_EDITABLE)
    if unknown:
        raise ValueError(f"not editable on a partner app: {sorted(unknown)}")
    app = PartnerApp.objects.select_for_update().get(pk=app.pk)
    changed = {field: value for field, value in changes.items() if getattr(app, field) != value}
    if "ip_whitelist" in changed:
        changed["ip_whitelist"] = "\n".join(parse_ip_whitelist(changed["ip_whitelist"]))
    if not changed:
        return app
    for field, value in changed.items():
        setattr(app, field, value)
    app.full_clean(exclude=["secret_encrypted"])
    app.save(update_fields=[*changed, "updated_at"])
    transaction.on_commit(credentials_cache.clear)
    logger.info("partner_app.update", extra={"app_id": app.app_id, "actor": actor, "fields": sorted(changed)})
    return app


@transaction.atomic
def partner_app_delete(*, app: PartnerApp, actor: str | None = None) -> None:
    """
    Delete an app that has no intents (its intents protect it: django's ProtectedError).
    Its credentials leave the cache when the transaction commits, as in `partner_app_update`.
    """
    app_id = app.app_id
    PartnerApp.objects.filter(pk=app.pk).delete()
    transaction.on_commit(credentials_cache.clear)
    logger.info("partner_app.delete", extra={"app_id": app_id, "actor": actor})


def partner_app_rotate_secret(*, app: PartnerApp, grace: timedelta | None = None, actor: str | None = None) -> str:
    """
    Give the app a new secret; the old one keeps verifying for `grace`
    (settings.PARTNER_SECRET_ROTATION_GRACE_HOURS by default; zero revokes it at once).
    Returns the new secret in clear, to be shown once. Other processes see the
    change within PARTNER_CREDENTIALS_CACHE_SECONDS, this one at once. `actor` is
    logged as for `partner_app_create`.
    """
    if grace is None:
        grace = timedelta(hours=settings.PARTNER_SECRET_ROTATION_GRACE_HOURS)
    secret = new_secret()
    with transaction.atomic():
        app = PartnerApp.objects.select_for_update().get(pk=app.pk)
        if grace > timedelta(0):
            app.previous_secret_encrypted = app.secret_encrypted
            app.previous_secret_expires_at = utc_now() + grace
        else:
            app.previous_secret_encrypted = ""
            app.previous_secret_expires_at = None
        app.secret_encrypted = secretbox.encrypt(secret)
        app.save(update_fields=["secret_encrypted", "previous_secret_encrypted", "previous_secret_expires_at",
                                "updated_at"])
    credentials_cache.clear()
    logger.info("partner_app.rotate_secret",
                extra={"app_id": app.app_id, "actor": actor, "grace_s": int(grace.total_seconds())})
    return secret


def partner_app_revoke_previous_secret(*, app: PartnerApp, actor: str | None = None) -> None:
    """Stop the rotated-out secret from verifying now; `actor` is logged as for `partner_app_create`."""
    PartnerApp.objects.filter(pk=app.pk).update(previous_secret_encrypted="", previous_secret_expires_at=None)
    credentials_cache.clear()
    logger.info("partner_app.revoke_previous_secret", extra={"app_id": app.app_id, "actor": actor})


def partner_apps_reencrypt() -> int:
    """Re-encrypt every stored secret under the first SIGNING_ENCRYPTION_KEY (after adding a new key)."""
    count = 0
    with transaction.atomic():
        for app in PartnerApp.objects.select_for_update().only("id", "secret_encrypted", "previous_secret_encrypted"):
            app.secret_encrypted = secretbox.reencrypt(app.secret_encrypted)
            if app.previous_secret_encrypted:
                app.previous_secret_encrypted = secretbox.reencrypt(app.previous_secret_encrypted)
            app.save(update_fields=["secret_encrypted", "previous_secret_encrypted"])
            count += 1
    return count


# --- intents -------------------------------------------------------------------------------------

def _duplicate_error(existing_id: str) -> ServiceError:
    return ServiceError(
        PartnerCode.ALREADY_EXISTS.message, code=PartnerCode.ALREADY_EXISTS, status=409,
        data={"id": existing_id, "field": "productUrl", "reason": IntentReason.DUPLICATE.value},
    )


def _active_duplicate_id(*, app: PartnerApp, user_id: str, digest: str, exclude: str | None = None) -> str | None:
    queryset = Intent.objects.filter(app=app, user_id=user_id, product_url_digest=digest, status__in=ACTIVE_STATUSES)
    if exclude:
        queryset = queryset.exclude(pk=exclude)
    return queryset.values_list("id", flat=True).first()


def intent_create(*, app: PartnerApp, user_id: str, platform: str, product_url: str, title: str | None = None,
                  price=None, quantity: int = 1, remark: str | None = None) -> Intent:
    """
    Create a SUBMITTED intent. A second one for the same (app, userId, productUrl)
    while an earlier one is SUBMITTED or PROCESSING is 409/40901 naming it; the
    rule is a partial unique index, so it holds under concurrent creates too.
    """
    digest = url_digest(product_url)
    # The partial unique index is the check (no read first): one INSERT on the common path.
    intent = Intent(app=app, user_id=user_id, platform=platform, product_url=product_url,
                    product_url_digest=digest, title=title, price=price, quantity=quantity, remark=remark)
    try:
        if transaction.get_connection().in_atomic_block:
            # Inside a caller's transaction a failed INSERT must roll back to a savepoint only.
            with transaction.atomic():
                intent.save(force_insert=True)
        else:
            # Autocommit: the single INSERT is its own transaction (no BEGIN/COMMIT round trips).
            intent.save(force_insert=True)
    except IntegrityError:
        existing = _active_duplicate_id(app=app, user_id=user_id, digest=digest)
        if existing:
            raise _duplicate_error(existing)
        raise
    list_changed(intents_list_scope(app=app))
    logger.info("intents.create", extra={"app_id": app.app_id, "intent_id": intent.id})
    return intent


def _state_conflict(reason: str, current: str) -> ServiceError:
    allowed = sorted(STATUS_MOVES[IntentStatus(current)])
    return ServiceError(
        PartnerCode.STATE_CONFLICT.message, code=PartnerCode.STATE_CONFLICT, status=409,
        data={"field": "status", "reason": reason, "status": current, "allowedStatuses": allowed},
    )


def intent_update(*, app: PartnerApp, intent_id: str, changes: dict) -> Intent:
    """
    Change the given columns only (PUT and PATCH alike). Status moves follow
    STATUS_MOVES (else 409/40902); a final intent keeps every other field (409/40902).
    Giving a field its current value is not a change, so a retried request succeeds.
    """
    with transaction.atomic():
        intent = intent_get(app=app, intent_id=intent_id, for_update=True)
        current = intent.status
        changed = {column: value for column, value in changes.items() if getattr(intent, column) != value}
        target = changed.pop("status", None)
        if changed and intent.is_final:
            raise _state_conflict(IntentReason.FINAL_IS_READ_ONLY.format(current=current), current)
        if target is not None and target not in STATUS_MOVES[IntentStatus(current)]:
            raise _state_conflict(IntentReason.BAD_STATUS_MOVE.format(current=current, target=target), current)
        if not changed and target is None:
            return intent
        for column, value in changed.items():
            setattr(intent, column, value)
        if target is not None:
            intent.status = target
        intent.product_url_digest = url_digest(intent.product_url)
        if ("user_id" in changed or "product_url" in changed) and intent.status in ACTIVE_STATUSES:
            existing = _active_duplicate_id(app=app, user_id=intent.user_id, digest=intent.product_url_digest,
                                            exclude=intent.id)
            if existing:
                raise _duplicate_error(existing)
        try:
            with transaction.atomic():
                intent.save()
        except IntegrityError:
            existing = _active_duplicate_id(app=app, user_id=intent.user_id, digest=intent.product_url_digest,
                                            exclude=intent.id)
            if existing:
                raise _duplicate_error(existing)
            raise
        list_changed(intents_list_scope(app=app))
    logger.info("intents.update", extra={"app_id": app.app_id, "intent_id": intent.id,
                                         "status_from": current, "status_to": intent.status})
    return intent


def intent_delete(*, app: PartnerApp, intent_id: str) -> None:
    """Delete one of the app's intents (404/40401 when it is not the app's or does not exist)."""
    deleted, _ = Intent.objects.filter(app=app, pk=intent_id).delete()
    if not deleted:
        raise ServiceError(PartnerCode.NOT_FOUND.message, code=PartnerCode.NOT_FOUND, status=404)
    list_changed(intents_list_scope(app=app))
    logger.info("intents.delete", extra={"app_id": app.app_id, "intent_id": intent_id})
