"""The API docs (/api/docs/) render in headless Chromium under the site's content security policy."""

import pytest

from tests.browser_support import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_api_docs_render_with_the_carrier_operations_and_no_csp_violation(open_page):
    page = open_page("en")
    problems = []
    page.on("console", lambda message: message.type == "error" and problems.append(message.text))
    page.on("pageerror", lambda error: problems.append(str(error)))
    response = page.goto(page.base + "/api/docs/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.wait_for_selector("#swagger-ui .opblock-summary-path", timeout=20_000)
    paths = page.locator("#swagger-ui .opblock-summary-path").all_inner_texts()
    assert "/api/v1/checks/" in paths
    assert "/api/v1/checks/batch/" in paths
    assert "/api/v1/changes/" in paths
    page.click("#operations-carriers-carrier_check .opblock-summary")
    page.wait_for_selector("#operations-carriers-carrier_check .opblock-body")
    assert "11010119900307109X" in page.inner_text("#operations-carriers-carrier_check")  # the example
    screenshot(page, "api-docs")
    assert problems == []
