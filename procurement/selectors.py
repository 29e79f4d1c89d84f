"""Reads: partner credentials for the verifier, intents for one app."""
from __future__ import annotations

from core import secretbox
from core.codes import PartnerCode
from core.exceptions import ServiceError
from core.partner_auth import PartnerCredentials, SigningSecret
from core.rowreader import RowReader
from procurement.models import Intent, PartnerApp

_CREDENTIAL_COLUMNS = (
    "id", "app_id", "name", "secret_encrypted", "previous_secret_encrypted", "previous_secret_expires_at",
    "ip_whitelist", "qps_limit", "is_active",
)


def partner_credentials_for(app_id: str) -> PartnerCredentials | None:
    """settings.PARTNER_CREDENTIALS_LOOKUP: the app's secrets (decrypted), whitelist, QPS and flag; one query."""
    app = PartnerApp.objects.only(*_CREDENTIAL_COLUMNS).filter(app_id=app_id).first()
    if app is None:
        return None
    found = [SigningSecret(secretbox.decrypt(app.secret_encrypted))]
    if app.previous_secret_encrypted and app.previous_secret_expires_at:
        found.append(SigningSecret(secretbox.decrypt(app.previous_secret_encrypted), app.previous_secret_expires_at))
    return PartnerCredentials(
        app_id=app.app_id,
        secrets=tuple(found),
        ip_whitelist=tuple(app.ip_whitelist_entries),
        qps_limit=app.qps_limit,
        is_active=app.is_active,
        app=app,
    )


def partner_app_secret(*, app_id: str) -> str:
    """The current secret in clear, for the operator's signing command only."""
    app = PartnerApp.objects.only("secret_encrypted").get(app_id=app_id)
    return secretbox.decrypt(app.secret_encrypted)


def intents_list_scope(*, app: PartnerApp) -> str:
    """The scope under which list totals of this app's intents are remembered (core.listcounts)."""
    return f"intents:{app.pk}"


def intents_for_app(*, app: PartnerApp):
    """Every intent of one app (tenancy: never another app's)."""
    return Intent.objects.filter(app=app)


_intent_of_app = RowReader(Intent, "app", "pk")


def intent_get(*, app: PartnerApp, intent_id: str, for_update: bool = False) -> Intent:
    """One intent of the app; another app's or a missing one is 404/40401 alike."""
    if for_update:
        intent = Intent.objects.filter(app=app, pk=intent_id).select_for_update().first()
    else:
        # The signed GET by id: a prepared read (core.rowreader), no ORM compilation.
        intent = _intent_of_app.get(app.pk, intent_id)
    if intent is None:
        raise ServiceError(PartnerCode.NOT_FOUND.message, code=PartnerCode.NOT_FOUND, status=404)
    return intent
