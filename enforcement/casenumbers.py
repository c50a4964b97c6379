"""Enforcement case numbers, as courts write them: （2024）京0105执1234号.

Year in brackets, the court's code (province abbreviation + digits), 执 and an optional qualifier (恢 resumed,
保 preservation, 异 objection ...), the serial number, 号. Half-width brackets and spaces are accepted and
normalised, so a search finds the case however it was typed.
"""

import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from enforcement.identity import typed_text

PATTERN = re.compile(
    r"^（(?P<year>\d{4})）(?P<court>[\u4e00-\u9fff]\d{0,4})执(?P<kind>[\u4e00-\u9fff]{0,2}?)(?P<serial>\d{1,6})号$"
)


@dataclass(frozen=True)
class CaseNumber:
    year: int
    court_code: str
    kind: str
    serial: int

    @property
    def canonical(self) -> str:
        return f"（{self.year}）{self.court_code}执{self.kind}{self.serial}号"


def normalise_case_number(value: str) -> str:
    """The canonical form of a case (or document) number however it was typed: NFKC with invisible characters
    removed (identity.typed_text: full-width digits become ASCII), no spaces, full-width brackets, the serial
    without leading zeros. A search, a filing and a stored case all use this one form. Text that is not a case
    number comes back only tidied."""
    tidy = "".join(typed_text(value).split()).replace("(", "（").replace(")", "）")
    match = PATTERN.match(tidy)
    if not match:
        return tidy
    return CaseNumber(int(match["year"]), match["court"], match["kind"], int(match["serial"])).canonical


def parse_case_number(value: str) -> CaseNumber:
    match = PATTERN.match(normalise_case_number(value))
    if not match:
        raise ValidationError(
            _(
                "A case number is written like （2024）京0105执1234号: the year in brackets, the court's code, "
                "执, the serial number and 号."
            ),
            code="format",
        )
    return CaseNumber(
        year=int(match["year"]), court_code=match["court"], kind=match["kind"], serial=int(match["serial"])
    )
