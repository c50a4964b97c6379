"""The public pages through HTTP, as a member of the public uses them."""

import csv
import datetime
import io
import json

import pytest
import time_machine
from django.core.cache import cache
from django.test import Client

from enforcement import services
from listings import opendata, search
from listings.models import ListingDecision
from tests.factories import OrganisationFactory, PersonFactory, ResponsiblePersonFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()  # rate-limit counters and cached statistics


def entry_id(case) -> int:
    return ListingDecision.objects.get(case=case, status="in_force").pk


def test_search_by_name_redirects_to_a_bookmarkable_page_of_results(client, walk):
    case = walk.listed(debtor=PersonFactory(name="王伟"))
    response = client.post("/", {"name": "王伟"})
    assert response.status_code == 302
    assert response["Location"].startswith("/?name=")
    page = client.get(response["Location"])
    assert case.case_number in page.text
    assert f"/entries/{entry_id(case)}/" in page.text


def test_search_by_case_number_accepts_half_width_brackets(client, walk):
    case = walk.listed()
    typed = case.case_number.replace("（", "(").replace("）", ")")
    page = client.get("/", {"case_number": typed})
    assert case.debtor.name in page.text


def test_search_by_id_number_shows_it_masked_and_never_echoes_or_redirects(client, walk):
    case = walk.listed()
    number = case.debtor.id_number
    response = client.post("/", {"id_number": number.lower()})
    assert response.status_code == 200
    assert case.case_number in response.text
    assert number not in response.text
    assert f"{number[:10]}****{number[-4:]}" in response.text


def test_an_id_number_in_a_query_string_is_not_used(client, walk):
    case = walk.listed()
    page = client.get("/", {"id_number": case.debtor.id_number})
    assert case.case_number not in page.text
    assert case.debtor.id_number not in page.text


def test_a_search_needs_a_name_an_id_or_a_case_number(client, walk):
    page = client.post("/", {"province": "11"})
    assert "Enter a name, an ID number or a case number." in page.text


def test_a_mistyped_resident_id_says_so(client, walk):
    page = client.post("/", {"id_number": "110105194912310021"})
    assert "check character" in page.text


def test_filters_narrow_the_results(client, walk, other_court, other_clerk):
    here = walk.listed(debtor=PersonFactory(name="李娜"))
    company = walk.listed(debtor=OrganisationFactory(name="李娜"))
    page = client.get("/", {"name": "李娜", "kind": "person"})
    assert here.case_number in page.text
    assert company.case_number not in page.text
    page = client.get("/", {"name": "李娜", "province": "31"})
    assert here.case_number not in page.text


def test_pages_of_a_common_name_are_keyset_paged_and_capped(client, walk, monkeypatch):
    monkeypatch.setattr(search, "PAGE_SIZE", 2)
    monkeypatch.setattr(search, "NAME_ONLY_MAX_PAGES", 2)
    cases = [walk.listed(debtor=PersonFactory(name="张伟")) for _ in range(5)]
    first = client.get("/", {"name": "张伟"})
    assert first.context["page"].next_cursor
    assert "Many people share this name" in first.text
    second = client.get(first.context["next_url"])
    shown = [e.case_number for e in first.context["page"].entries + second.context["page"].entries]
    assert len(set(shown)) == 4
    assert shown == [c.case_number for c in reversed(cases)][:4]
    assert second.context["page"].capped
    assert "last page shown for a search by name alone" in second.text
    assert "Next page" not in second.text


def test_the_name_only_cap_holds_when_the_url_is_edited(client, walk, monkeypatch):
    monkeypatch.setattr(search, "PAGE_SIZE", 2)
    monkeypatch.setattr(search, "NAME_ONLY_MAX_PAGES", 2)
    cases = [walk.listed(debtor=PersonFactory(name="张伟")) for _ in range(7)]
    second = client.get(client.get("/", {"name": "张伟"}).context["next_url"])
    assert second.context["page"].capped
    # A scraper rewrites the cursor to go on past the cap, or drops the page number: it gets the first page.
    last_shown = second.context["page"].entries[-1].id
    for forged in ({"cursor": f"{last_shown}.1"}, {"after": last_shown}, {"after": last_shown, "page": 1}):
        page = client.get("/", {"name": "张伟", **forged})
        assert [e.case_number for e in page.context["page"].entries] == [c.case_number for c in cases[::-1][:2]]


def test_a_uscc_of_seventeen_digits_is_searched_not_refused(client, walk):
    company = walk.listed(debtor=OrganisationFactory(id_number="91110000100010433L")).debtor
    response = client.post("/", {"id_number": company.id_number})
    assert response.status_code == 200
    assert response.context["form"].errors == {}
    assert [e.case_number for e in response.context["page"].entries] == [
        c.case_number for c in company.cases_as_debtor.all()
    ]


def test_a_full_id_number_typed_as_a_name_is_searched_as_a_number_and_kept_out_of_the_url(client, walk):
    case = walk.listed()
    number = case.debtor.id_number
    response = client.post("/", {"name": number})
    assert response.status_code == 200  # not redirected into a query string
    assert case.case_number in response.text
    assert number not in response.text


@pytest.mark.parametrize("query", [{"cursor": "²"}, {"after": "²", "page": "²"}, {"cursor": "x" * 500}])
def test_odd_paging_parameters_are_the_first_page_not_an_error(client, walk, query):
    walk.listed(debtor=PersonFactory(name="王芳"))
    assert client.get("/", {"name": "王芳", **query}).status_code == 200


def test_an_entry_id_beyond_any_row_is_a_404(client, db):
    assert client.get("/entries/99999999999999999999/").status_code == 404


def test_a_name_search_counts_once_against_the_limit(client, walk, settings):
    settings.PUBLIC_SEARCH_RATE = "3/m"
    with time_machine.travel(datetime.datetime(2026, 11, 20, 12, 0, 10, tzinfo=datetime.UTC), tick=False):
        for _ in range(3):
            assert client.get(client.post("/", {"name": "王伟"})["Location"]).status_code == 200
        assert client.get(client.post("/", {"name": "王伟"})["Location"]).status_code == 429


def test_the_entry_page_limit_says_pages_not_searches(client, walk, settings):
    settings.PUBLIC_PAGE_RATE = "1/m"
    case = walk.listed()
    with time_machine.travel(datetime.datetime(2026, 11, 20, 12, 0, 10, tzinfo=datetime.UTC), tick=False):
        client.get(f"/entries/{entry_id(case)}/")
        response = client.get(f"/entries/{entry_id(case)}/")
    assert response.status_code == 429
    assert "opened very many pages" in response.text


def test_entry_page_shows_every_public_field_and_the_restrictions(client, walk):
    company = OrganisationFactory()
    representative = ResponsiblePersonFactory(organisation=company)
    case = walk.listed(debtor=company)
    page = client.get(f"/entries/{entry_id(case)}/")
    for text in (company.name, company.id_number, representative.person.name, case.case_number, case.basis_number,
                 "Air travel", "(2) Obstructs enforcement", "CNY 100,000.00"):  # fmt: skip
        assert text in page.text, text
    assert representative.person.id_number not in page.text


def test_entries_not_public_answer_the_same_404(client, walk, django_capture_on_commit_callbacks):
    grace = walk.listed(grace_months=1)
    removed = walk.listed()
    walk.pay(removed)
    for pk in (entry_id(grace), ListingDecision.objects.get(case=removed).pk, 999999):
        response = client.get(f"/entries/{pk}/")
        assert response.status_code == 404
        assert "There is no such page, or the entry is not on the list." in response.text
        assert removed.debtor.name not in response.text


def test_statistics_count_the_current_list_and_forget_a_removal_at_once(client, walk):
    cases = [walk.listed() for _ in range(3)]
    page = client.get("/statistics/")
    assert page.context["stats"]["total"] == 3
    assert "<svg" in page.text
    assert "<table" in page.text
    services.case_close(actor=walk.approver, case_id=cases[0].pk, reason="judgment_set_aside")
    assert client.get("/statistics/").context["stats"]["total"] == 2


def test_statistics_count_per_month_ground_court_and_the_paid_share(client, walk):
    walk.listed(grounds=(2,))
    walk.listed(grounds=(2, 3))
    paid = walk.listed(grounds=(3,))
    closed = walk.listed(grounds=(4,))
    walk.pay(paid)
    services.case_close(actor=walk.approver, case_id=closed.pk, reason="judgment_set_aside")
    stats = client.get("/statistics/").context["stats"]
    assert stats["total"] == 2
    assert dict(stats["by_ground"]) == {1: 0, 2: 2, 3: 1, 4: 0, 5: 0, 6: 0}
    assert stats["by_court"] == [(walk.clerk.court_roles.first().court.name, "Dongcheng District Court", 2)]
    assert stats["listed_per_month"][-1] == 4  # this month: four published
    assert stats["removed_per_month"][-1] == 2  # ...and two taken off
    assert sum(stats["listed_per_month"][:-1]) == sum(stats["removed_per_month"][:-1]) == 0
    assert stats["paid_share"] == 25.0  # one of the four published was paid
    page = client.get("/statistics/")
    assert "25.0% paid or settled after listing" in page.text
    assert "<td>Dongcheng District Court</td>" in page.text.replace("\n", "")


def test_open_data_files_hold_the_current_list_masked(client, walk, settings, tmp_path):
    settings.OPEN_DATA_ROOT = str(tmp_path)
    listed, removed = walk.listed(), walk.listed()
    services.case_close(actor=walk.approver, case_id=removed.pk, reason="judgment_set_aside")
    opendata.export()
    response = client.get("/open-data/dishonest-debtors.csv")
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(body)))
    assert [r["case_number"] for r in rows] == [listed.case_number]
    assert rows[0]["id_number"] == f"{listed.debtor.id_number[:10]}****{listed.debtor.id_number[-4:]}"
    assert response["Content-Disposition"].startswith("attachment")
    lines = b"".join(client.get("/open-data/dishonest-debtors.jsonl").streaming_content).decode().splitlines()
    assert [json.loads(line)["case_number"] for line in lines] == [listed.case_number]
    assert "entry_id" in client.get("/open-data/").text


def test_open_data_before_the_first_export_is_a_clear_404(client, settings, tmp_path, db):
    settings.OPEN_DATA_ROOT = str(tmp_path)
    assert client.get("/open-data/dishonest-debtors.csv").status_code == 404
    assert "have not been generated yet" in client.get("/open-data/").text


def test_searching_too_often_answers_429_saying_when_to_retry(client, walk, settings):
    settings.PUBLIC_SEARCH_RATE = "3/m"
    # The limit counts per fixed minute window: keep the four searches inside one.
    with time_machine.travel(datetime.datetime(2026, 11, 20, 12, 0, 10, tzinfo=datetime.UTC), tick=False):
        for _ in range(3):
            assert client.get("/", {"name": "王伟"}).status_code == 200
        response = client.get("/", {"name": "王伟"})
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 60
    assert "Please try again in" in response.text


def test_behind_a_proxy_the_search_limit_counts_each_client_not_the_proxy(walk, settings):
    settings.PUBLIC_SEARCH_RATE = "3/m"
    settings.CLIENT_IP_META_KEY = "HTTP_X_REAL_IP"
    scraper = Client(HTTP_ACCEPT_LANGUAGE="en", REMOTE_ADDR="10.0.0.1", HTTP_X_REAL_IP="203.0.113.5")
    person = Client(HTTP_ACCEPT_LANGUAGE="en", REMOTE_ADDR="10.0.0.1", HTTP_X_REAL_IP="198.51.100.7")
    with time_machine.travel(datetime.datetime(2026, 11, 20, 12, 0, 10, tzinfo=datetime.UTC), tick=False):
        statuses = [scraper.get("/", {"name": "王伟"}).status_code for _ in range(4)]
        assert statuses == [200, 200, 200, 429]
        assert person.get("/", {"name": "王伟"}).status_code == 200


def test_every_page_carries_the_security_headers(client, walk):
    case = walk.listed()
    for url in ("/", f"/entries/{entry_id(case)}/", "/statistics/", "/open-data/", "/nowhere/", "/admin/login/"):
        response = client.get(url)
        assert "script-src 'self'" in response["Content-Security-Policy"], url
        assert response["X-Frame-Options"] == "DENY"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Referrer-Policy"] == "same-origin"
        assert "camera=()" in response["Permissions-Policy"]
    assert "style-src 'self';" in client.get("/")["Content-Security-Policy"] + ";"


def test_search_and_entry_pages_take_a_fixed_number_of_queries(client, walk, django_assert_max_num_queries):
    cases = [walk.listed(debtor=PersonFactory(name="刘洋")) for _ in range(6)]
    with django_assert_max_num_queries(6):
        page = client.get("/", {"name": "刘洋"})
    assert len(page.context["page"].entries) == 6
    with django_assert_max_num_queries(4):
        assert client.get(f"/entries/{entry_id(cases[0])}/").status_code == 200


def test_pages_follow_the_browser_language(client, walk):
    english = client.get("/", HTTP_ACCEPT_LANGUAGE="en")
    chinese = client.get("/", HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9")
    assert "Search the list" in english.text
    assert "失信被执行人名单" in chinese.text
    assert '<html lang="zh-hans">' in chinese.text


def test_an_entry_in_chinese_formats_dates_and_amounts_for_chinese_readers(client, walk):
    case = walk.listed()
    page = client.get(f"/entries/{entry_id(case)}/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "100,000.00 元" in page.text
    assert f"{case.filed_on.year}年{case.filed_on.month}月{case.filed_on.day}日" in page.text
    assert "（二）以伪造证据、暴力、威胁等方法妨碍、抗拒执行" in page.text
    assert "乘坐飞机" in page.text


def test_the_language_switch_is_on_every_page_and_remembers_the_choice(client, walk):
    client.get("/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/statistics/"})
    assert response.status_code == 302
    assert "Statistics" in client.get("/statistics/", HTTP_ACCEPT_LANGUAGE="zh-hans").text
    for url in ("/", "/statistics/", "/open-data/"):
        assert 'action="/i18n/setlang/"' in client.get(url).text


def test_a_corrected_name_is_found_under_the_new_name_at_once(client, walk):
    case = walk.listed(debtor=PersonFactory(name="王小二"))
    services.party_update(actor=walk.clerk, party_id=case.debtor_id, name="王晓二")
    assert case.case_number not in client.get("/", {"name": "王小二"}).text
    assert case.case_number in client.get("/", {"name": "王晓二"}).text


def test_the_court_filter_takes_a_name_or_a_code_and_says_when_it_knows_neither(client, walk, court):
    case = walk.listed(debtor=PersonFactory(name="孙丽"))
    for typed in (court.code, court.name, court.name_en.lower()):
        assert case.case_number in client.get("/", {"name": "孙丽", "court": typed}).text, typed
    page = client.get("/", {"name": "孙丽", "court": "火星法院"})
    assert "No court has this name or code." in page.text
