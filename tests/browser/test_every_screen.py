"""The clerk's and the public's journeys in Chromium at a laptop's 1366x900 and a phone's 390x844, in Chinese
and English: staff sign in the first time with password and code in one go and land on their dashboard, whose
counts are the database's; no public page scrolls sideways (measured in the browser)."""

import pytest
from django.core.cache import cache

from appeals.models import RemovalRequest
from listings.models import ListingDecision
from tests.browser_support import screenshot
from tests.factories import PersonFactory
from tests.staff import PASSWORD, authenticator, current_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENS = {"laptop": (1366, 900), "phone": (390, 844)}
LANGUAGES = ["en", "zh-CN"]
OVERFLOW = "document.documentElement.scrollWidth - document.documentElement.clientWidth"


@pytest.fixture(autouse=True)
def _no_rate_limit_carry_over():
    cache.clear()


@pytest.fixture
def screen(browser, live_server):
    contexts = []

    def open_(language: str, size: str):
        width, height = SCREENS[size]
        context = browser.new_context(locale=language, viewport={"width": width, "height": height})
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.base = live_server.url
        return page

    yield open_
    for context in contexts:
        context.close()


def sign_in(page, user):
    device = authenticator(user)
    page.goto(page.base + "/admin/login/?next=/admin/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.fill("#id_otp_token", current_code(device))
    page.click("#login-form [type=submit]")
    page.wait_for_selector("#work")


@pytest.mark.parametrize("size", SCREENS)
@pytest.mark.parametrize("language", LANGUAGES)
def test_an_approver_signs_in_the_first_time_and_the_dashboard_counts_are_the_databases(
    screen, walk, approver, language, size
):
    walk.listed(debtor=PersonFactory(name="李娜"))
    proposed = walk.defaulted()
    from listings import services as listing_services

    listing_services.listing_propose(actor=walk.clerk, case_id=proposed.pk, grounds=[2], facts="拒不履行")
    page = screen(language, size)
    sign_in(page, approver)
    assert "/login/" not in page.url
    counts = {
        item.get_attribute("id"): int(item.query_selector(".work-count").get_attribute("data-count"))
        for item in page.query_selector_all("#work .work-item")
    }
    assert counts["work-sign-listingdecision"] == ListingDecision.objects.filter(status="proposed").count() == 1
    assert counts["work-requests-due"] == RemovalRequest.objects.filter(due_on__isnull=False).count()
    assert page.evaluate(OVERFLOW) <= 0
    screenshot(page, f"dashboard-approver-{language}-{size}")
    page.click("#work-sign-listingdecision h2 a")
    page.wait_for_selector("#result_list")
    assert page.locator("#result_list tbody tr").count() == 1


@pytest.mark.parametrize("size", SCREENS)
@pytest.mark.parametrize("language", LANGUAGES)
def test_a_clerk_sees_what_happens_next_on_the_case_page(screen, walk, clerk, language, size):
    case = walk.defaulted()
    page = screen(language, size)
    sign_in(page, clerk)
    page.goto(f"{page.base}/admin/enforcement/enforcementcase/{case.pk}/change/")
    header = page.inner_text("#next-step")
    assert {"en": "a clerk of the court", "zh-CN": "本院书记员"}[language] in header
    screenshot(page, f"case-clerk-{language}-{size}")


@pytest.mark.parametrize("size", SCREENS)
@pytest.mark.parametrize("language", LANGUAGES)
def test_no_public_page_scrolls_sideways(screen, walk, language, size):
    case = walk.listed(debtor=PersonFactory(name="欧阳明月"))
    entry = ListingDecision.objects.get(case=case)
    pages = [
        "/",
        "/?name=" + case.debtor.name,
        "/?name=王",
        f"/entries/{entry.pk}/",
        "/entries/999999/",
        "/statistics/",
        "/open-data/",
        "/status/",
        "/requests/track/",
        "/requests/AAAA-BBBB-CCCC/",
        "/certificates/verify/",
    ]
    page = screen(language, size)
    wide = {}
    for path in pages:
        page.goto(page.base + path)
        wide[path] = page.evaluate(OVERFLOW)
    assert {path: px for path, px in wide.items() if px > 0} == {}
    screenshot(page, f"certificate-verify-{language}-{size}")


@pytest.mark.parametrize("language", LANGUAGES)
def test_results_are_cards_on_a_phone_and_a_table_on_a_laptop(screen, walk, language):
    case = walk.listed(debtor=PersonFactory(name="欧阳明月"))
    for size, display in (("phone", "block"), ("laptop", "table-row")):
        page = screen(language, size)
        page.goto(f"{page.base}/?name={case.debtor.name}")
        assert page.eval_on_selector("#results tbody tr", "row => getComputedStyle(row).display") == display
        screenshot(page, f"results-{language}-{size}")


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_removed_entry_and_an_unknown_tracking_code_answer_in_the_sites_style(screen, language):
    page = screen(language, "phone")
    for path in ("/entries/424242/", "/requests/AAAA-BBBB-CCCC/"):
        response = page.goto(page.base + path)
        assert response.status == 404
        assert page.locator(".site-header").count() == 1
        assert page.locator("#not-found").count() == 1
    screenshot(page, f"not-found-{language}")
