"""The API's JSON parser: DRF's, with orjson, and a body nested too deeply to parse is a 400, not a 500.

Python's json module recurses once per level of nesting; `[` repeated 100,000 times raises RecursionError, which
DRF's JSONParser (it catches ValueError only) let through as a server error. orjson refuses more than 1,024 levels
with a decode error, and parses a batch of 1,000 ID numbers several times faster. Like DRF's strict parser it
refuses NaN and Infinity; unlike the standard library it also refuses integers beyond 64 bits (no field here takes
one): each is a 400 that says what is wrong."""

import orjson
from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser


class JSONParserRefusingDeepNesting(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            body = stream.read() if stream is not None else b""
            return orjson.loads(body if encoding.lower().replace("-", "") == "utf8" else body.decode(encoding))
        except orjson.JSONDecodeError as exc:
            if "depth limit" in str(exc) or "ecursion limit" in str(exc):  # orjson's words for too deep
                raise ParseError(_("JSON parse error: the body is nested too deeply.")) from None
            raise ParseError(f"JSON parse error - {exc}") from None  # DRF's words
        except (UnicodeDecodeError, LookupError) as exc:
            raise ParseError(f"JSON parse error - {exc}") from None
