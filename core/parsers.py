"""The JSON body parser every surface uses (settings REST_FRAMEWORK["DEFAULT_PARSER_CLASSES"])."""
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser as DRFJSONParser

NOT_JSON = "请求体不是合法的 JSON"


class JSONParser(DRFJSONParser):
    """
    DRF's JSON parser (strict: NaN and Infinity are refused), plus one case it
    lets through as a 500: nesting deeper than Python's recursion limit
    (`[[[[…` in a few kilobytes) raises RecursionError, not ValueError. It is a
    malformed body like any other: 400 in the surface's style, with a Chinese
    detail in place of DRF's English one.
    """

    def parse(self, stream, media_type=None, parser_context=None):
        # The detail is Chinese: the accounts style answers it as the message (DRF's own is
        # "JSON parse error - Expecting value: line 1 column 2 (char 1)"); the partner and 003
        # styles answer their fixed message for a parse error.
        try:
            return super().parse(stream, media_type, parser_context)
        except (RecursionError, ParseError):
            raise ParseError(NOT_JSON) from None
