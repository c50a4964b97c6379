"""The intake's checks without the database: the fast paths give the answers of the full rules."""

import random
import string

import pytest
from django.core.exceptions import ValidationError

from enforcement import identity
from enforcement.casenumbers import parse_case_number
from enforcement.services.intake.validate import _case_number


def outcome(function, value):
    try:
        return function(value)
    except ValidationError as exc:
        return ("refused", exc.messages)


@pytest.mark.parametrize(
    "value",
    [
        "（2026）京0101执123号",
        "（2026）京0101执恢7号",
        "(2026)京0101执123号",  # half-width brackets
        "（2026）京0101执0123号",  # a leading zero
        "（０２０２６）京0101执1号",
        "（２０２６）京０１０１执１２３号",  # full-width digits
        "（2026）京0101执 123号",
        "（2026）京0101执123号\n",
        "\u200b（2026）京0101执123号",
        "（0999）京执1号",
        "（2026）京0101执1234567号",
        "（2026）京0101执号",
        "京0101执123号",
        "",
    ],
)
def test_a_case_number_reads_the_same_by_the_fast_path_as_by_the_rule(value):
    assert outcome(_case_number, value) == outcome(parse_case_number, value)


def test_random_case_numbers_read_the_same_by_the_fast_path_as_by_the_rule():
    rng = random.Random(3)  # noqa: S311 - test data
    pieces = ["（", "）", "(", ")", "0", "1", "2", "9", "０", "１", "京", "执", "恢", "号", " ", "\u200b", "٣"]
    for _ in range(20_000):
        value = "".join(rng.choice(pieces) for _ in range(rng.randrange(1, 16)))
        assert outcome(_case_number, value) == outcome(parse_case_number, value), value


def slow_check_char(first17: str) -> str:
    weights = identity.RESIDENT_ID_WEIGHTS
    return identity.RESIDENT_ID_CHECK_CHARS[sum(int(d) * w for d, w in zip(first17, weights, strict=True)) % 11]


def test_the_check_character_is_the_weighted_sum_of_the_digits():
    rng = random.Random(5)  # noqa: S311 - test data
    for _ in range(20_000):
        first17 = "".join(rng.choice(string.digits) for _ in range(17))
        assert identity.resident_id_check_char(first17) == slow_check_char(first17)
    arabic_indic = "\u0661\u0662\u0663" + "1" * 14  # digits int() reads: the general path, the same answer
    assert identity.resident_id_check_char(arabic_indic) == slow_check_char(arabic_indic)
    with pytest.raises(ValueError, match="zip"):
        identity.resident_id_check_char("1" * 16)


def test_a_tidy_number_normalises_as_an_untidy_one_would():
    rng = random.Random(9)  # noqa: S311 - test data
    samples = ["11010119900307123x", "91110000MA01ABCD1X", "ab", "ß", "ﬁ1", "１２３", "1-2 3", "\u200b12"]
    samples += ["".join(rng.choice(string.ascii_letters + string.digits) for _ in range(18)) for _ in range(2000)]
    for value in samples:
        assert identity.normalise(value) == "".join(identity.typed_text(value).split()).replace("-", "").upper()
