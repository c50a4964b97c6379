"""The debtor's journey in a real browser, in both languages: status check -> file a request with a PDF ->
receipt -> tracking page (screenshots in var/screenshots)."""

import pytest
from django.core.cache import cache

from appeals.models import RemovalRequest
from tests.appeals.conftest import pdf_bytes
from tests.browser_support import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TEXT = {
    "en": {
        "nav": "Your status and requests",
        "state": "Listed",
        "received": "Your request has been received",
        "submitted": "Submitted",
        "not_found": "No case matches",
    },
    "zh-CN": {
        "nav": "本人状态与申请",
        "state": "已列入",
        "received": "您的申请已收到",
        "submitted": "已提交",
        "not_found": "没有与该案号和证件号码相符的案件",
    },
}


@pytest.fixture(autouse=True)
def _fresh_rate_limits(settings, tmp_path):
    settings.EVIDENCE_ROOT = tmp_path / "evidence"
    cache.clear()


@pytest.mark.parametrize("language", ["en", "zh-CN"])
def test_status_check_then_file_a_request_with_a_pdf_then_follow_it(open_page, walk, language, tmp_path):
    case = walk.listed()
    text = TEXT[language]
    evidence = tmp_path / "payment-receipt.pdf"
    evidence.write_bytes(pdf_bytes())
    page = open_page(language)
    page.goto(page.base + "/")
    page.click(f"nav a:has-text('{text['nav']}')")

    # A wrong ID number first: the page says no more than "no such case".
    page.fill("#id_case_number", case.case_number)
    page.fill("#id_id_number", "110101199003077777")
    page.click("#status-form button[type=submit]")
    assert text["not_found"] in page.inner_text("#status-error")
    # The case number stays as typed, to correct the ID number alone; the ID number is never sent back.
    assert page.input_value("#id_case_number") == case.case_number
    assert page.input_value("#id_id_number") == ""
    screenshot(page, f"appeals-status-not-found-{language}")

    page.fill("#id_id_number", case.debtor.id_number)
    page.click("#status-form button[type=submit]")
    page.wait_for_selector("#case-status")
    assert case.case_number in page.inner_text("h1")
    assert case.debtor.id_number not in page.content()
    screenshot(page, f"appeals-my-case-{language}")

    page.click("#file-request")
    page.wait_for_selector("#request-form")
    page.check("input[name=kind][value=paid]")
    page.fill("#id_statement", "本人已于上月全额付清，附银行回单。")
    page.fill("#id_contact_email", "debtor@example.com")
    page.set_input_files("#id_evidence", str(evidence))
    screenshot(page, f"appeals-file-request-{language}")
    page.click("#request-form button[type=submit]")
    page.wait_for_selector("#tracking-code")
    assert text["received"] in page.inner_text("h1")
    code = page.inner_text("#tracking-code")
    req = RemovalRequest.objects.get(tracking_code=code)
    assert req.evidence.get().original_name == "payment-receipt.pdf"
    assert req.language == ("en" if language == "en" else "zh-hans")
    screenshot(page, f"appeals-receipt-{language}")

    page.click("#follow")
    page.wait_for_selector("#request-state")
    assert text["submitted"] in page.inner_text("#request-state")
    assert req.due_on.isoformat() in page.inner_text("#deadline")
    screenshot(page, f"appeals-tracking-{language}")
