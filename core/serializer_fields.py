"""
Serializer fields shared by the apps: JSON types taken strictly.

DRF's fields coerce: a CharField takes 12 or 1.5 and stores "12", an
IntegerField takes "5", 5.0 and true, and `?pageSize=` counts as absent. The
API contract (and the OpenAPI schema the service publishes) says a wrong type
is refused; these fields refuse it with the field's own `invalid` message, so
each surface's error mapping applies unchanged (partner: 40003).
"""
from rest_framework import serializers


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


class StrictCharField(_StrictString, serializers.CharField):
    """A JSON string only."""


class StrictEmailField(_StrictString, serializers.EmailField):
    """A JSON string only, then an email address."""


class StrictIntegerField(serializers.IntegerField):
    """A JSON integer only: not "5", 5.0 or true."""

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
