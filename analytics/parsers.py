"""The body parser of event batches: one event's content never fails the whole body."""
from json import JSONDecodeError

from django.conf import settings
from rest_framework.exceptions import ParseError
from rest_framework.parsers import BaseParser

from analytics.jsonbody import read_batch_body
from analytics.validation import BODY_DEPTH_KEPT


class EventBatchParser(BaseParser):
    """
    JSON, read by `analytics.jsonbody.read_batch_body`: NaN/Infinity, numbers
    beyond a float or 64 bits, repeated keys and nesting past any depth become
    values the event validator refuses for their event alone. A body that is not
    UTF-8 JSON at all is a ParseError (400 VALIDATION_ERROR), as elsewhere.
    """

    media_type = "application/json"

    def parse(self, stream, media_type=None, parser_context=None):
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            return read_batch_body(stream.read().decode(encoding), keep_depth=BODY_DEPTH_KEPT)
        except (JSONDecodeError, UnicodeDecodeError) as error:
            raise ParseError(f"JSON parse error - {error}") from None
