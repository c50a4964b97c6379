"""The API's JSON parser: DRF's, except that a body nested too deeply to parse is a 400, not a 500.

Python's json module recurses once per level of nesting; `[` repeated 100,000 times raises RecursionError, which
DRF's JSONParser (it catches ValueError only) lets through as a server error."""

from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser


class JSONParserRefusingDeepNesting(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(_("JSON parse error: the body is nested too deeply.")) from None
