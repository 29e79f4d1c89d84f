"""
Input validation for intents (camelCase on the wire) and the output shapes for the schema.

Inputs only validate and rename; the rules (duplicates, status moves) live in
services. Outputs are built by `procurement.wire` (no serializer per row); the
output serializers here describe those dicts in the OpenAPI schema.
"""
from decimal import Decimal

from django.core.validators import URLValidator
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.serializer_fields import StrictCharField, StrictChoiceField, StrictDecimalField, StrictIntegerField
from procurement.errors import IntentReason
from procurement.models import IntentStatus, Platform
from procurement.wire import INTENT_COLUMNS

# PostgreSQL's integer bound: larger quantities are refused as input, not as a database error.
MAX_QUANTITY = 2_147_483_647


def _price_positive(value):
    if value is not None and value <= Decimal("0"):
        raise serializers.ValidationError(IntentReason.PRICE_NOT_POSITIVE.value, code="min_value")


@extend_schema_field({
    "oneOf": [{"type": "number"}, {"type": "string", "pattern": r"^-?\d{0,10}(?:\.\d{0,2})?$"}],
    "nullable": True,
})
class PriceField(StrictDecimalField):
    """A price as a JSON number (199.9) or a decimal string ("199.90"); the schema says both (found by fuzzing)."""


class _IntentFields(serializers.Serializer):
    userId = StrictCharField(max_length=64)
    platform = StrictChoiceField(choices=Platform.choices)
    productUrl = StrictCharField(
        max_length=2048,
        validators=[
            URLValidator(schemes=["http", "https"], message=IntentReason.URL_SCHEME.value, code="invalid_url"),
        ],
    )
    title = StrictCharField(max_length=200, required=False, allow_null=True, allow_blank=True)
    price = PriceField(
        max_digits=12, decimal_places=2, required=False, allow_null=True, validators=[_price_positive],
        help_text='decimal > 0 with at most two places; a JSON number or a string ("199.00")',
    )
    quantity = StrictIntegerField(min_value=1, max_value=MAX_QUANTITY, required=False)
    remark = StrictCharField(max_length=500, required=False, allow_null=True, allow_blank=True)

    def to_columns(self) -> dict:
        """The validated data renamed to model columns."""
        return {INTENT_COLUMNS[name]: value for name, value in self.validated_data.items()}


class IntentCreateInput(_IntentFields):
    """POST /api/v1/intents: userId, platform, productUrl required; unknown keys are ignored."""

    quantity = StrictIntegerField(min_value=1, max_value=MAX_QUANTITY, required=False, default=1)
    # A new intent is always SUBMITTED: the value is ignored, but a value of another type than a
    # string is refused as it is in an update (40003), not silently taken.
    status = StrictCharField(required=False, allow_null=True, allow_blank=True, write_only=True,
                             help_text="ignored: a new intent is always SUBMITTED")

    def validate(self, attrs):
        attrs.pop("status", None)
        return attrs


class IntentUpdateInput(_IntentFields):
    """PUT/PATCH /api/v1/intents/{id}: any subset of the fields, status included."""

    status = StrictChoiceField(choices=IntentStatus.choices, required=False)

    def __init__(self, *args, **kwargs):
        kwargs["partial"] = True
        super().__init__(*args, **kwargs)


class IntentOutput(serializers.Serializer):
    """The intent as answered (schema only)."""

    id = serializers.CharField(help_text="intent_<24 hex>")
    userId = serializers.CharField()
    platform = serializers.ChoiceField(choices=Platform.choices)
    productUrl = serializers.CharField()
    title = serializers.CharField(allow_null=True)
    price = serializers.CharField(allow_null=True, help_text='two-place decimal string, e.g. "199.00"')
    quantity = serializers.IntegerField()
    remark = serializers.CharField(allow_null=True)
    status = serializers.ChoiceField(choices=IntentStatus.choices)
    createdAt = serializers.DateTimeField(help_text="ISO 8601 UTC, e.g. 2026-02-25T10:30:00.000Z")
    updatedAt = serializers.DateTimeField()


class SparseIntentOutput(IntentOutput):
    """A list item: with `fields=` only the fields asked for are present, so none is required."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for item in self.fields.values():
            item.required = False


class IntentPageOutput(serializers.Serializer):
    items = SparseIntentOutput(many=True)
    total = serializers.IntegerField()
    page = serializers.IntegerField()
    pageSize = serializers.IntegerField()
    totalPages = serializers.IntegerField()
