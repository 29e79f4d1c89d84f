"""
Request and response shapes of the analytics endpoints, for the OpenAPI schema.

Requests are checked by `analytics.validation` (one plain function per event
is ~50x cheaper than a serializer per event on a 500-event batch); these
serializers describe the same rules to schema readers.
"""
from rest_framework import serializers


class EventIn(serializers.Serializer):
    eventName = serializers.RegexField(r"^[A-Za-z][A-Za-z0-9_]{0,63}$", help_text="letter first, 1-64 of [A-Za-z0-9_]")
    installId = serializers.RegexField(r"^[A-Za-z0-9_-]{8,64}$", help_text="8-64 of [A-Za-z0-9_-]")
    userId = serializers.CharField(required=False, max_length=64, help_text="string or integer; stored as a string")
    clientTs = serializers.FloatField(
        help_text="unix seconds; at most 10 minutes ahead of the server, at most 30 days old"
    )
    eventId = serializers.CharField(
        required=False, max_length=64, help_text="client id of the event: a retried (installId, eventId) is stored once"
    )
    properties = serializers.DictField(
        required=False, help_text="at most 8 KB as JSON; `province` and `city` place the install for DAU"
    )


class EventBatchIn(serializers.Serializer):
    events = EventIn(many=True, help_text="1-500 events")


class EventErrorOut(serializers.Serializer):
    index = serializers.IntegerField(help_text="position of the event in the batch, from 0")
    message = serializers.CharField()


class EventBatchOut(serializers.Serializer):
    accepted = serializers.IntegerField(help_text="valid events (stored now or before)")
    failed = serializers.IntegerField(help_text="invalid events, not stored")
    errors = EventErrorOut(many=True)
    duplicates = serializers.IntegerField(help_text="accepted events whose (installId, eventId) was already stored")


class DauDayOut(serializers.Serializer):
    day = serializers.DateField()
    dauCount = serializers.IntegerField()
    dauByProvince = serializers.DictField(child=serializers.IntegerField())
    dauByCity = serializers.DictField(child=serializers.IntegerField())


class DauSummaryOut(serializers.Serializer):
    totalDau = serializers.IntegerField(help_text="sum of dauCount over the days")
    avgDau = serializers.IntegerField(help_text="mean of dauCount, rounded half up")
    maxDau = serializers.IntegerField()
    minDau = serializers.IntegerField()


class DauOut(serializers.Serializer):
    data = DauDayOut(many=True)
    total = serializers.IntegerField(help_text="number of days")
    summary = DauSummaryOut()
    timeZone = serializers.CharField(help_text="the zone the days are cut in (TIME_ZONE)")
