"""Identity numbers: PRC resident ID (GB 11643) and unified social credit code (GB 32100).

Identity is the number, never the name. Every refusal says which rule the number broke.
"""

import datetime
import operator
import re
import unicodedata
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

RESIDENT_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
RESIDENT_ID_CHECK_CHARS = "10X98765432"  # indexed by the weighted sum mod 11

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


@dataclass(frozen=True)
class ResidentId:
    number: str
    birth_date: datetime.date
    sex: str  # "M" or "F"


# Characters that print nothing or reorder what follows: zero-width spaces and joiners, the bidirectional marks,
# embeddings, overrides and isolates (U+202E turns "gpj.exe" into "exe.jpg"), the byte-order mark, soft hyphen,
# and the C0/C1 controls. A name may not contain them; a number typed or pasted has them removed.
INVISIBLE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff]"
)


def typed_text(value: str) -> str:
    """What a person or a system typed, in the one form every number is routed, logged and matched by: Unicode
    NFKC (the full-width digits and letters of Chinese input methods become ASCII, the ideographic space a space)
    with the invisible characters removed."""
    return INVISIBLE.sub("", unicodedata.normalize("NFKC", value))


def normalise(value: str) -> str:
    """An ID number as stored: NFKC with invisible characters removed (`typed_text`), without the spaces and
    hyphens people type, the check character upper-cased."""
    if value.isascii() and value.isalnum():
        # Already tidy (the common case, a bulk intake's million numbers): NFKC leaves ASCII letters and digits
        # as they are and there is nothing invisible, no space and no hyphen to remove.
        return value.upper()
    return "".join(typed_text(value).split()).replace("-", "").upper()


def upgrade_resident_id_15(number: str) -> str:
    """A first-generation (15-digit) resident ID number as its 18-digit form, by the national rule (GB 11643):
    the year gets its century (19), and the check character is computed. Refused (ValidationError) if the
    birth date it encodes is not a date."""
    if len(number) != 15 or not number.isascii() or not number.isdigit():
        raise ValidationError(_("An old resident ID number has 15 digits."), code="length")
    first17 = f"{number[:6]}19{number[6:]}"
    try:
        return parse_resident_id(first17 + resident_id_check_char(first17)).number
    except ValidationError:
        raise ValidationError(
            _(
                "A 15-digit number is an old resident ID number, whose digits 7-12 are the birth date (YYMMDD); "
                "in this one they are not a possible date."
            ),
            code="birth_date",
        ) from None


def normalise_id_number(value: str) -> str:
    """An ID number typed anywhere, in its stored form (`normalise`); an old 15-digit resident ID number becomes
    its 18-digit form (`upgrade_resident_id_15`), or is refused if the birth date in it is not a date."""
    number = normalise(value)
    if len(number) == 15 and number.isascii() and number.isdigit():
        return upgrade_resident_id_15(number)
    return number


def check_name(value: str) -> None:
    """A name is printed on public pages, certificates and open-data files: refuse the characters that hide text or
    reverse its direction (a name with U+202E reads differently from what is stored)."""
    if INVISIBLE.search(value):
        raise ValidationError(
            _("A name may not contain control characters, invisible characters or text-direction overrides."),
            code="invisible",
        )


RESIDENT_ID_WEIGHT_OF_ZEROS = ord("0") * sum(RESIDENT_ID_WEIGHTS)


def resident_id_check_char(first17: str) -> str:
    if len(first17) == 17 and first17.isascii() and first17.isdigit():
        # The same sum on the bytes (each digit's code minus that of "0"), without an int() per digit.
        total = sum(map(operator.mul, first17.encode(), RESIDENT_ID_WEIGHTS)) - RESIDENT_ID_WEIGHT_OF_ZEROS
        return RESIDENT_ID_CHECK_CHARS[total % 11]
    total = sum(int(digit) * weight for digit, weight in zip(first17, RESIDENT_ID_WEIGHTS, strict=True))
    return RESIDENT_ID_CHECK_CHARS[total % 11]


def parse_resident_id(value: str) -> ResidentId:
    """Validate a PRC resident ID number and read the birth date and sex it encodes."""
    number = normalise(value)
    if len(number) != 18:
        raise ValidationError(
            _("A resident ID number has 18 characters; this one has %(n)d.") % {"n": len(number)},
            code="length",
        )
    if not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        raise ValidationError(
            _("A resident ID number is 17 digits followed by a digit or X."),
            code="characters",
        )
    try:
        birth_date = datetime.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise ValidationError(
            _("Characters 7-14 of a resident ID number are the birth date (YYYYMMDD); %(d)s is not a date.")
            % {"d": number[6:14]},
            code="birth_date",
        ) from None
    if birth_date.year < 1900 or birth_date > datetime.date.today():  # noqa: DTZ011 - a calendar date
        raise ValidationError(
            _("The birth date %(d)s in this resident ID number is not possible.") % {"d": birth_date.isoformat()},
            code="birth_date",
        )
    expected = resident_id_check_char(number[:17])
    if number[17] != expected:
        raise ValidationError(
            _(
                "The check character of this resident ID number is wrong (ISO 7064 MOD 11-2): "
                "the first 17 characters give %(expected)s, not %(actual)s. Check the number for a typing error."
            )
            % {"expected": expected, "actual": number[17]},
            code="checksum",
        )
    sex = "M" if int(number[16]) % 2 == 1 else "F"
    return ResidentId(number=number, birth_date=birth_date, sex=sex)


def uscc_check_char(first17: str) -> str:
    total = sum(USCC_ALPHABET.index(char) * weight for char, weight in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def parse_uscc(value: str) -> str:
    """Validate a unified social credit code; returns it normalised."""
    code = normalise(value)
    if len(code) != 18:
        raise ValidationError(
            _("A unified social credit code has 18 characters; this one has %(n)d.") % {"n": len(code)},
            code="length",
        )
    bad = sorted({char for char in code if char not in USCC_ALPHABET})
    if bad:
        raise ValidationError(
            _(
                "A unified social credit code uses only digits and the letters ABCDEFGHJKLMNPQRTUWXY "
                "(no I, O, Z, S, V); it contains %(bad)s."
            )
            % {"bad": ", ".join(bad)},
            code="characters",
        )
    expected = uscc_check_char(code[:17])
    if code[17] != expected:
        raise ValidationError(
            _(
                "The check character of this unified social credit code is wrong (GB 32100): "
                "the first 17 characters give %(expected)s, not %(actual)s. Check the code for a typing error."
            )
            % {"expected": expected, "actual": code[17]},
            code="checksum",
        )
    return code


def mask_id_number(number: str) -> str:
    """The only form in which a natural person's ID number may be shown to the public: 10 + **** + last 4."""
    if len(number) == 18:
        return f"{number[:10]}****{number[-4:]}"
    # Passports and other documents are shorter: show even less of them.
    if len(number) <= 4:
        return "****"
    return f"{number[:2]}****{number[-2:]}"


def age_on(birth_date: datetime.date, day: datetime.date) -> int:
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))
