"""No full ID number can be rebuilt from the public list (issue 13): an attack from many loopback addresses
(127.0.0.2, 127.0.0.3 ...) against a real gunicorn on PostgreSQL, each address honouring every Retry-After.

The attacker starts from what the list shows, `1101051988****4841`: the birth year is in the first ten
characters, and the check character keeps about one date in eleven, so some 33 candidates remain. Each
candidate is searched once, from its own address, so no per-client limit is ever met. The budget of distinct
unsuccessful numbers per masked number (`listings.probes`, 3 a day) stops the walk after three wrong
candidates; the true number is refused too from then on, until the next day, and the court's staff are alerted.
The person in these tests is born in December, so the attacker's walk in calendar order meets the budget
before it meets the true number (a walk in any order has 3 chances in about 33 a day: docs/security.md).
"""

import concurrent.futures
import datetime
import re

import pytest

from enforcement import identity
from enforcement.models import OutboxMessage
from listings.models import ProbeBudget
from listings.probes import budget
from tests.factories import PersonFactory
from tests.servers import client_from, gunicorn, post_form

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

BIRTH = datetime.date(1988, 12, 19)
TOO_MANY_SEARCHES = "Too many searches for this number today"
TOO_MANY_CHECKS = "Too many attempts for this case today"


def candidates(masked: str) -> list[str]:
    """Every full number the masked one may stand for, in calendar order: what an attacker would try."""
    head, tail = masked.split("****")
    day, found = datetime.date(int(head[6:10]), 1, 1), []
    while day.year == int(head[6:10]):
        first17 = f"{head}{day:%m%d}{tail[:3]}"
        if identity.resident_id_check_char(first17) == tail[3]:
            found.append(first17 + tail[3])
        day += datetime.timedelta(days=1)
    return found


@pytest.fixture
def listed_person(walk, clerk):
    clerk.email = "clerk@dongcheng.court.example"
    clerk.save()
    case = walk.listed(debtor=PersonFactory(birth=BIRTH))
    return case, case.debtor.id_number


def search_outcome(response, case) -> str:
    if response.status_code == 429:
        assert TOO_MANY_SEARCHES in response.text
        assert 0 < int(response.headers["Retry-After"]) <= 24 * 60 * 60
        return "refused"
    assert response.status_code == 200, response.status_code
    return "found" if case.case_number in response.text else "not found"


def test_an_attack_from_many_addresses_cannot_rebuild_a_hidden_id_number(listed_person):
    case, true_number = listed_person
    masked = identity.mask_id_number(true_number)
    tried = candidates(masked)
    assert true_number in tried
    assert tried.index(true_number) >= budget()
    assert len(tried) > 25

    with gunicorn(workers=2) as url:
        assert masked in client_from(0).get(f"{url}/entries/{case.listing_decisions.get().pk}/", timeout=30).text
        outcomes = {}
        for n, number in enumerate(tried, start=1):
            outcomes[number] = search_outcome(post_form(client_from(n), url, "/", {"id_number": number}), case)
        # The person themself, from an address never used, the day of the attack: refused too.
        after = post_form(client_from(len(tried) + 1), url, "/", {"id_number": true_number})

    assert "found" not in outcomes.values()
    assert list(outcomes.values()).count("not found") == budget()
    assert search_outcome(after, case) == "refused"
    row = ProbeBudget.objects.get(label=masked)
    assert len(row.misses) == budget()
    assert row.refused == len(tried) - budget() + 1
    assert true_number not in str(vars(row))
    assert not any(n in str(vars(row)) for n in tried)
    [alert] = OutboxMessage.objects.filter(key=f"probe-alert:{row.pk}")
    assert "clerk@dongcheng.court.example" in alert.payload["to"]
    assert masked in alert.payload["subject"]


def test_many_addresses_at_once_get_no_more_than_the_budget(listed_person):
    case, true_number = listed_person
    wrong = [n for n in candidates(identity.mask_id_number(true_number)) if n != true_number][:24]

    def attempt(numbered):
        n, number = numbered
        return search_outcome(post_form(client_from(n), url, "/", {"id_number": number}), case)

    with gunicorn(workers=4) as url:
        with concurrent.futures.ThreadPoolExecutor(max_workers=24) as pool:
            outcomes = list(pool.map(attempt, enumerate(wrong, start=1)))
        last = search_outcome(post_form(client_from(99), url, "/", {"id_number": true_number}), case)

    assert outcomes.count("not found") == budget()
    assert outcomes.count("refused") == len(wrong) - budget()
    assert last == "refused"


def test_a_person_searching_their_number_again_and_again_always_finds_it(listed_person):
    case, true_number = listed_person
    one_typo = next(n for n in candidates(identity.mask_id_number(true_number)) if n != true_number)
    with gunicorn(workers=2) as url:
        person = client_from(0)
        first = [search_outcome(post_form(person, url, "/", {"id_number": true_number}), case) for _ in range(6)]
        # A wrong date that passes the check character, then the right number: still found.
        mistyped = search_outcome(post_form(person, url, "/", {"id_number": one_typo}), case)
        again = search_outcome(post_form(person, url, "/", {"id_number": true_number}), case)

    assert first == ["found"] * 6
    assert (mistyped, again) == ("not found", "found")
    assert len(ProbeBudget.objects.get(label=identity.mask_id_number(true_number)).misses) == 1


def test_the_status_check_is_budgeted_per_case_across_addresses(listed_person, walk):
    case, true_number = listed_person
    other_case = walk.listed(debtor=case.debtor)  # the same person's other case keeps its own budget
    tried = candidates(identity.mask_id_number(true_number))

    def check(n: int, case_number: str, number: str) -> str:
        response = post_form(client_from(n), url, "/status/", {"case_number": case_number, "id_number": number})
        if response.status_code == 429:
            assert TOO_MANY_CHECKS in response.text
            return "refused"
        if response.status_code == 302:
            return "found"
        assert "No case matches" in response.text
        return "not found"

    with gunicorn(workers=2) as url:
        outcomes = [check(n, case.case_number, number) for n, number in enumerate(tried, start=1)]
        # The same case number typed with full-width digits is the same target.
        wide = case.case_number.translate(str.maketrans("0123456789()", "０１２３４５６７８９（）"))
        again = check(200, wide, true_number)
        elsewhere = check(201, other_case.case_number, true_number)

    assert "found" not in outcomes
    assert outcomes.count("not found") == budget()
    assert again == "refused"
    assert elsewhere == "found"
    row = ProbeBudget.objects.get(surface=ProbeBudget.Surface.STATUS, label=case.case_number)
    assert OutboxMessage.objects.filter(key=f"probe-alert:{row.pk}").count() == 1
    assert re.fullmatch(r"[0-9a-f]{64}", row.target)
