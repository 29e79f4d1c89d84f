"""
Admin forms whose writes are the services' (core.admin.ServiceModelForm): the same
rules as the partner API, refusals shown as form errors.

An intent's values are checked by the API's own input serializers
(procurement.serializers), fed the wire dict a partner would send, so the admin
refuses exactly what the API refuses (URL scheme, price > 0, quantity range,
lengths), with the same reasons; the status machine and the duplicate rule are
the services'.
"""
from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from core.admin import ServiceModelForm
from core.exceptions import ServiceError
from core.messages import in_chinese
from core.styles import flatten_validation_detail
from procurement import services
from procurement.models import Intent, PartnerApp, parse_ip_whitelist
from procurement.serializers import IntentCreateInput, IntentUpdateInput
from procurement.wire import INTENT_COLUMNS

_WIRE_NAMES = {column: wire for wire, column in INTENT_COLUMNS.items()}


def actor_of(request) -> str:
    """Who did it, as the structured log names an operator: admin:<username>."""
    return f"admin:{request.user.get_username()}"


class PartnerAppForm(ServiceModelForm):
    """Create (a new secret, shown once by the admin) or edit an app through the services."""

    class Meta:
        model = PartnerApp
        fields = ["app_id", "name", "ip_whitelist", "qps_limit", "is_active"]

    # The new app's secret in clear, for the admin's reveal page (add only).
    issued_secret: str | None = None

    def clean_ip_whitelist(self):
        try:
            return "\n".join(parse_ip_whitelist(self.cleaned_data["ip_whitelist"]))
        except ValidationError as exc:
            raise forms.ValidationError(exc.messages)

    def save_through_service(self, change: bool):
        actor = actor_of(self.request)
        data = self.cleaned_data
        if change:
            editable = [name for name in services.PARTNER_APP_EDITABLE if name in self.fields]
            return services.partner_app_update(app=self.original, actor=actor,
                                               changes={name: data[name] for name in editable})
        app, self.issued_secret = services.partner_app_create(
            name=data["name"], app_id=data["app_id"], ip_whitelist=data["ip_whitelist"],
            qps_limit=data["qps_limit"], is_active=data["is_active"], actor=actor,
        )
        return app


class IntentAdminForm(ServiceModelForm):
    """
    Add (the operator picks the app; the intent starts SUBMITTED) or edit an intent
    through `intent_create` / `intent_update`. The app never changes after creation.
    """

    class Meta:
        model = Intent
        fields = ["app", "user_id", "platform", "product_url", "title", "price", "quantity", "remark", "status"]

    def clean(self):
        cleaned = super().clean()
        adding = self.original is None
        columns = [name for name in self.fields if name in _WIRE_NAMES and name not in self._errors]
        if not adding:
            columns = [name for name in columns if name in self.changed_data]
        wire = {_WIRE_NAMES[name]: self._wire_value(name, cleaned.get(name)) for name in columns if name in cleaned}
        if adding:
            wire = {name: value for name, value in wire.items() if value is not None}
        payload = (IntentCreateInput if adding else IntentUpdateInput)(data=wire)
        if payload.is_valid():
            self.service_changes = payload.to_columns()
        else:
            # In the API's words (core.messages), as a partner would read them in a 400's data.reason.
            for error in flatten_validation_detail(payload.errors):
                error = in_chinese(error)
                column = INTENT_COLUMNS.get(error.field)
                self.add_error(column if column in self.fields else None, error.reason)
        return cleaned

    @staticmethod
    def _wire_value(column, value):
        # A price travels as the decimal string the API takes ("199.90"), not as a Python Decimal.
        if column == "price" and value is not None:
            return str(value)
        if column in ("title", "remark") and value == "":
            return None
        return value

    def service_error_field(self, exc: ServiceError) -> str | None:
        column = INTENT_COLUMNS.get((exc.data or {}).get("field", ""))
        return column if column in self.fields else None

    def save_through_service(self, change: bool):
        try:
            if change:
                return services.intent_update(app=self.original.app, intent_id=self.original.pk,
                                              changes=self.service_changes)
            return services.intent_create(app=self.cleaned_data["app"], **self.service_changes)
        except ServiceError as exc:
            raise ServiceError(explain(exc), code=exc.code, status=exc.status_code, data=exc.data) from exc


def explain(exc: ServiceError) -> str:
    """
    A refusal as an operator reads it: the API's message with its reason and the
    intent it names (40901: 资源已存在:该用户对该商品已有进行中的采购意向(intent_…)).
    """
    data = exc.data or {}
    text = str(exc.message)
    if data.get("reason"):
        text = f"{text}:{data['reason']}"
    if data.get("id"):
        text = f"{text}({data['id']})"
    return text
