"""The intent on the wire: camelCase names, price as a two-place decimal string, times ISO 8601 UTC."""
from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from core.timeutil import isoformat_z

# wire name -> column, in the order of contract §4.
INTENT_COLUMNS = {
    "id": "id",
    "userId": "user_id",
    "platform": "platform",
    "productUrl": "product_url",
    "title": "title",
    "price": "price",
    "quantity": "quantity",
    "remark": "remark",
    "status": "status",
    "createdAt": "created_at",
    "updatedAt": "updated_at",
}
INTENT_FIELDS = tuple(INTENT_COLUMNS)


def _price(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:.2f}"


_FORMATTERS = {"price": _price, "createdAt": isoformat_z, "updatedAt": isoformat_z}


def intent_row_to_wire(row: dict, fields: Sequence[str] = INTENT_FIELDS) -> dict:
    """A `.values()` row (columns) as the wire dict with just `fields`, in their order."""
    out = {}
    for name in fields:
        value = row[INTENT_COLUMNS[name]]
        formatter = _FORMATTERS.get(name)
        out[name] = formatter(value) if formatter is not None and value is not None else value
    return out


def intent_to_wire(intent, fields: Sequence[str] = INTENT_FIELDS) -> dict:
    """A model instance as the wire dict."""
    return intent_row_to_wire({column: getattr(intent, column) for column in INTENT_COLUMNS.values()}, fields)
