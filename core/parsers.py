"""The JSON body parser every surface uses (settings REST_FRAMEWORK["DEFAULT_PARSER_CLASSES"])."""
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser as DRFJSONParser


class JSONParser(DRFJSONParser):
    """
    DRF's JSON parser (strict: NaN and Infinity are refused), plus one case it
    lets through as a 500: nesting deeper than Python's recursion limit
    (`[[[[…` in a few kilobytes) raises RecursionError, not ValueError. It is a
    malformed body like any other: 400 in the surface's style.
    """

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError("JSON parse error - nesting too deep") from None
