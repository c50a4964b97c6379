"""No public response, redirect, header or log line carries a natural person's full ID number.

The demo data is loaded, then every public page is visited the way the public would: every entry, a search by
every listed debtor's name, case number and full ID number, the statistics, the open-data page and files, the
404 of removed entries. Each body, URL and header is scanned for the full ID number of every person in the
database (debtors, creditors, responsible persons), and so is everything logged meanwhile.
"""

import logging

import pytest
from django.core.cache import cache
from django.core.management import call_command

from enforcement.models import Party
from listings import opendata
from listings.models import ListingDecision
from listings.selectors import public_listings, to_public_entry

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(settings, tmp_path):
    settings.OPEN_DATA_ROOT = str(tmp_path)
    settings.PUBLIC_SEARCH_RATE = "100000/m"
    settings.PUBLIC_PAGE_RATE = "100000/m"
    cache.clear()
    call_command("demo_data", cases=80, seed=11, stdout=open("/dev/null", "w"))  # noqa: SIM115
    opendata.export()


def test_no_public_response_or_log_line_carries_a_full_id_number(client, demo, caplog):
    caplog.set_level(logging.DEBUG)
    secrets = set(Party.objects.filter(kind=Party.Kind.PERSON).values_list("id_number", flat=True))
    assert len(secrets) > 100
    seen: list[str] = []

    def visit(response, url):
        seen.append(url)
        seen.append(response.get("Location", ""))
        seen.extend(f"{k}: {v}" for k, v in response.items())
        body = b"".join(response.streaming_content) if response.streaming else response.content
        seen.append(body.decode("utf-8-sig", errors="replace"))
        return response

    entries = [to_public_entry(d) for d in public_listings()]
    assert len(entries) > 10
    for lang in ("en", "zh-hans"):
        for url in ("/", "/statistics/", "/open-data/", "/open-data/dishonest-debtors.csv",
                    "/open-data/dishonest-debtors.jsonl"):  # fmt: skip
            visit(client.get(url, HTTP_ACCEPT_LANGUAGE=lang), url)
    for entry in entries:
        visit(client.get(f"/entries/{entry.id}/"), f"/entries/{entry.id}/")
        response = visit(client.post("/", {"name": entry.name}), "/ (name)")
        visit(client.get(response["Location"]), response["Location"])
        visit(client.get("/", {"case_number": entry.case_number}), "/ (case number)")
    listed_numbers = public_listings().values_list("case__debtor__id_number", flat=True)
    for number in list(listed_numbers) + list(Party.objects.values_list("id_number", flat=True)[:30]):
        visit(client.post("/", {"id_number": number}), "/ (id number)")
    for gone in ListingDecision.objects.exclude(pk__in=[e.id for e in entries])[:20]:
        visit(client.get(f"/entries/{gone.pk}/"), f"/entries/{gone.pk}/")
        visit(client.get(f"/api/v1/listings/{gone.pk}/"), f"/api/v1/listings/{gone.pk}/")
    # The public list as JSON, every page of it, and each entry.
    url = "/api/v1/listings/?limit=100"
    while url:
        body = visit(client.get(url), url).json()
        url = body["next"]
    for entry in entries[:30]:
        visit(client.get(f"/api/v1/listings/{entry.id}/"), f"/api/v1/listings/{entry.id}/")
    # A full number typed where a name or a case number goes; the debtors' own status pages; the other pages.
    for number in list(listed_numbers)[:10]:
        visit(client.post("/", {"name": number}), "/ (number as a name)")
        visit(client.post("/", {"case_number": number}), "/ (number as a case number)")
    for decision in public_listings().select_related("case__debtor")[:10]:
        identify = {"case_number": decision.case_number, "id_number": decision.case.debtor.id_number}
        response = visit(client.post("/status/", identify), "/status/")
        visit(client.get(response["Location"]), response["Location"])
    for url in ("/status/", "/requests/new/", "/requests/track/", "/certificates/verify/"):
        visit(client.get(url), url)
    seen.extend(record.getMessage() for record in caplog.records)

    text = "\n".join(seen)
    leaks = sorted(number for number in secrets if number in text)
    assert leaks == [], f"{len(leaks)} full ID numbers found in public output, e.g. {leaks[:3]}"
    # and the masked forms are really there: the scan looked at real pages
    assert any(entry.id_number_masked in text for entry in entries if entry.kind == "person")
