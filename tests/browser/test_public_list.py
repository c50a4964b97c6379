"""The public list in a real browser: search as a person would, in both languages; open an entry; see a removed
entry vanish."""

import pytest
from django.core.cache import cache

from enforcement import services
from listings.models import ListingDecision
from tests.browser_support import screenshot
from tests.factories import PersonFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TEXT = {
    "en": {"results": "Results", "gone": "There is no such page, or the entry is not on the list.", "age": "Age"},
    "zh-CN": {"results": "查询结果", "gone": "没有此页面，或该条目不在名单上。", "age": "年龄"},
}


@pytest.fixture(autouse=True)
def _no_rate_limit_carry_over():
    cache.clear()


@pytest.mark.parametrize("language", ["en", "zh-CN"])
def test_search_by_name_and_open_the_entry(open_page, walk, language):
    case = walk.listed(debtor=PersonFactory(name="陈静"))
    page = open_page(language)
    page.goto(page.base + "/")
    page.fill("#id_name", "陈静")
    page.click("#search-form button[type=submit]")
    page.wait_for_selector("#results")
    assert TEXT[language]["results"] in page.inner_text("#results-heading")
    assert case.case_number in page.inner_text("#results")
    screenshot(page, f"search-name-{language}")
    page.click("#results a:has-text('陈静')")
    fields = page.inner_text("#entry-fields")
    number = case.debtor.id_number
    assert f"{number[:10]}****{number[-4:]}" in fields
    assert number not in page.content()
    assert TEXT[language]["age"] in fields
    screenshot(page, f"entry-{language}")


@pytest.mark.parametrize("language", ["en", "zh-CN"])
def test_search_by_full_id_number_keeps_it_out_of_the_url_and_the_page(open_page, walk, language):
    case = walk.listed()
    number = case.debtor.id_number
    page = open_page(language)
    page.goto(page.base + "/")
    page.fill("#id_id_number", number)
    page.click("#search-form button[type=submit]")
    page.wait_for_selector("#results")
    assert case.case_number in page.inner_text("#results")
    assert number not in page.url
    assert number not in page.content()
    assert page.input_value("#id_id_number") == ""
    screenshot(page, f"search-id-{language}")


@pytest.mark.parametrize("language", ["en", "zh-CN"])
def test_search_by_case_number(open_page, walk, language):
    case = walk.listed()
    page = open_page(language)
    page.goto(page.base + "/")
    page.fill("#id_case_number", case.case_number)
    page.click("#search-form button[type=submit]")
    page.wait_for_selector("#results")
    assert case.debtor.name in page.inner_text("#results")
    screenshot(page, f"search-case-{language}")


def test_a_removed_entry_vanishes_from_its_page_and_from_search(open_page, walk):
    case = walk.listed(debtor=PersonFactory(name="周杰"))
    entry = ListingDecision.objects.get(case=case)
    page = open_page("en")
    page.goto(f"{page.base}/entries/{entry.pk}/")
    assert "周杰" in page.inner_text("h1")
    services.case_close(actor=walk.approver, case_id=case.pk, reason="judgment_set_aside")
    page.reload()
    assert TEXT["en"]["gone"] in page.inner_text("#main")
    assert "周杰" not in page.content()
    screenshot(page, "removed-entry")
    page.goto(page.base + "/")
    page.fill("#id_name", "周杰")
    page.click("#search-form button[type=submit]")
    page.wait_for_selector("#results")
    assert page.is_visible("#no-results")


def test_the_language_switch_changes_the_page_language(open_page, walk):
    page = open_page("en")
    page.goto(page.base + "/statistics/")
    assert "Statistics" in page.inner_text("h1")
    page.select_option("#language-select", "zh-hans")
    page.click(".language button")
    page.wait_for_url("**/statistics/")
    assert "统计" in page.inner_text("h1")
    screenshot(page, "statistics-zh")
