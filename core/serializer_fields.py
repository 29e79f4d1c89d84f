"""
Serializer fields shared by the apps: JSON types taken strictly.

DRF's fields coerce: a CharField takes 12 or 1.5 and stores "12", an
IntegerField takes "5", 5.0 and true, and `?pageSize=` counts as absent. The
API contract (and the OpenAPI schema the service publishes) says a wrong type
is refused; these fields refuse it with the field's own `invalid` message, so
each surface's error mapping applies unchanged (partner: 40003).

`null` and "" count as a missing value (code `null`/`blank`, partner 40002)
only where the field is required: on a create's required fields. Anywhere
else (an optional field that is not nullable, any field of a partial update)
nothing is missing: the value is refused as invalid (code `not_nullable` /
`not_blankable`, partner 40001), with the field's own message.
"""
from rest_framework import serializers
from rest_framework.fields import empty

NOT_NULLABLE = "not_nullable"
NOT_BLANKABLE = "not_blankable"
_RECODED = {"null": NOT_NULLABLE, "blank": NOT_BLANKABLE}


class _EmptyValues:
    """null and "" are "missing" only for a field this request must give."""

    def run_validation(self, data=empty):
        try:
            return super().run_validation(data)
        except serializers.ValidationError as exc:
            if self.required and not getattr(self.root, "partial", False):
                raise
            details = exc.detail if isinstance(exc.detail, list) else [exc.detail]
            if not details or any(getattr(d, "code", None) not in _RECODED for d in details):
                raise
            raise serializers.ValidationError(
                [serializers.ErrorDetail(str(d), code=_RECODED[d.code]) for d in details]
            ) from None


class _StrictString:
    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        # The limit applies to what was sent, before whitespace is trimmed: the schema's maxLength
        # is about the JSON string (found by fuzzing: " " + 64 characters passed a 64 limit).
        # Without trimming, DRF's own length validator already sees what was sent.
        max_length = getattr(self, "max_length", None)
        if getattr(self, "trim_whitespace", False) and max_length is not None and len(data) > max_length:
            self.fail("max_length", max_length=max_length, length=len(data))
        return super().to_internal_value(data)


class StrictCharField(_EmptyValues, _StrictString, serializers.CharField):
    """A JSON string only."""


class StrictEmailField(_EmptyValues, _StrictString, serializers.EmailField):
    """A JSON string only, then an email address."""


class StrictChoiceField(_EmptyValues, serializers.ChoiceField):
    """
    One of string choices, given as a JSON string. DRF compares `str(data)` with
    the choices, so 123, [] or {} were "not a valid choice" (partner 40001);
    they are values of the wrong type (40003).
    """

    default_error_messages = {"invalid": serializers.CharField.default_error_messages["invalid"]}

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictDecimalField(_EmptyValues, serializers.DecimalField):
    """
    A decimal as a JSON number or a numeric string ("199.90"). A boolean, array
    or object is refused as a type before DRF reads its `str()` as a number.
    """

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, (str, int, float)):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictIntegerField(_EmptyValues, serializers.IntegerField):
    """A JSON integer only: not "5", "5.0", 5.0 or true."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class QueryIntegerField(serializers.IntegerField):
    """
    An integer query parameter. DRF treats `?pageSize=` (present but empty) as
    absent, the habit of HTML forms, and answers the default; for an API that
    is a value the schema refuses, so it is invalid.
    """

    def get_value(self, dictionary):
        return dictionary.get(self.field_name, serializers.empty)
