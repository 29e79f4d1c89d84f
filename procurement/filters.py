"""The intents list language: which filters, operators, sorts and fields 001's lists offer (contract §4)."""
import django_filters

from core.filters import FilterField, UTCIsoDateTimeFilter, bracket_filterset
from core.pagination import PartnerListQuery
from procurement.models import Intent, IntentStatus, Platform
from procurement.wire import INTENT_COLUMNS

_PRICE = {"max_digits": 12, "decimal_places": 2}

IntentFilterSet = bracket_filterset(
    Intent,
    {
        "status": FilterField("status", django_filters.ChoiceFilter, ("", "in"), {"choices": IntentStatus.choices}),
        "platform": FilterField("platform", django_filters.ChoiceFilter, ("", "in"), {"choices": Platform.choices}),
        "userId": FilterField("user_id", django_filters.CharFilter, ("", "in", "like")),
        "title": FilterField("title", django_filters.CharFilter, ("", "in", "like")),
        "price": FilterField("price", django_filters.NumberFilter, ("", "in", "gte", "lte"), _PRICE),
        "createdAt": FilterField("created_at", UTCIsoDateTimeFilter, ("", "gte", "lte")),
    },
    time_column="created_at",
    name="IntentFilterSet",
)

INTENT_LIST_QUERY = PartnerListQuery(
    filterset_class=IntentFilterSet,
    sort_fields={"createdAt": "created_at", "updatedAt": "updated_at", "price": "price", "status": "status"},
    default_sort="createdAt",
    columns=INTENT_COLUMNS,
)
