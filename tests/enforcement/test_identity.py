import datetime

import pytest
from django.core.exceptions import ValidationError

from enforcement.identity import mask_id_number, parse_resident_id, parse_uscc
from enforcement.models import Party

VALID_ID = "11010519491231002X"  # the check character of GB 11643's own example
VALID_USCC = "91350100M000100Y43"


def test_valid_resident_id_gives_birth_date_and_sex():
    parsed = parse_resident_id(VALID_ID)
    assert parsed.birth_date == datetime.date(1949, 12, 31)
    assert parsed.sex == "F"  # 17th character 2 is even


def test_lower_case_x_and_spaces_are_normalised():
    assert parse_resident_id("110105 19491231 002x").number == VALID_ID


@pytest.mark.parametrize(
    ("number", "code", "says"),
    [
        ("110105194912310021", "checksum", "should be X, not 1"),
        ("11010519491231002", "length", "has 17"),
        ("1101051949123100211", "length", "has 19"),
        ("11010519491331002X", "birth_date", "19491331 is not a date"),
        ("11010521491231002X", "birth_date", "not possible"),
        ("1101051949123100AX", "characters", "17 digits"),
    ],
)
def test_invalid_resident_id_says_which_rule_failed(number, code, says):
    with pytest.raises(ValidationError) as exc:
        parse_resident_id(number)
    assert exc.value.code == code
    message = exc.value.messages[0]
    if code == "checksum":
        assert "give X, not 1" in message
    else:
        assert says.split()[-1] in message


def test_valid_uscc():
    assert parse_uscc(VALID_USCC.lower()) == VALID_USCC


@pytest.mark.parametrize(
    ("code", "rule"),
    [
        ("91350100M000100Y44", "checksum"),
        ("91350100M000100Y4", "length"),
        ("91350100M000100I43", "characters"),
    ],
)
def test_invalid_uscc_says_which_rule_failed(code, rule):
    with pytest.raises(ValidationError) as exc:
        parse_uscc(code)
    assert exc.value.code == rule


def test_mask_shows_first_ten_and_last_four_only():
    assert mask_id_number(VALID_ID) == "1101051949****002X"
    assert mask_id_number("E12345678") == "E1****78"


@pytest.mark.django_db
def test_party_clean_fills_birth_date_and_sex_from_resident_id():
    party = Party(kind="person", name="王芳", id_type="resident_id", id_number=VALID_ID.lower())
    party.full_clean()
    assert (party.id_number, party.birth_date, party.sex) == (VALID_ID, datetime.date(1949, 12, 31), "F")


@pytest.mark.django_db
def test_party_clean_refuses_a_sex_the_id_contradicts():
    party = Party(kind="person", name="王芳", id_type="resident_id", id_number=VALID_ID, sex="M")
    with pytest.raises(ValidationError) as exc:
        party.full_clean()
    assert "sex" in exc.value.message_dict


@pytest.mark.django_db
def test_organisation_needs_a_uscc():
    party = Party(kind="organisation", name="某某公司", id_type="resident_id", id_number=VALID_ID)
    with pytest.raises(ValidationError) as exc:
        party.full_clean()
    assert "id_type" in exc.value.message_dict
