"""One JSON encoder for every body the service writes (orjson, UTF-8, no ASCII escaping)."""
from decimal import Decimal
import uuid

import orjson
from django.utils.functional import Promise

_OPTIONS = orjson.OPT_UTC_Z | orjson.OPT_NON_STR_KEYS


def _default(value):
    if isinstance(value, Promise):  # lazy translations
        return str(value)
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    if hasattr(value, "tolist"):
        return value.tolist()
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def dumps(value) -> bytes:
    return orjson.dumps(value, default=_default, option=_OPTIONS)
