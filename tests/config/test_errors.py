"""Under /api/ every answer is JSON, even for an address no route matches."""

import pytest

pytestmark = pytest.mark.django_db


def test_an_api_path_no_route_matches_answers_a_json_404(client):
    response = client.get("/api/v1/cases/-1/audit/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Not found."}


def test_a_page_no_route_matches_answers_the_html_404(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_a_forged_session_cookie_is_no_session_not_a_server_error(client):
    client.cookies["sessionid"] = "abc\x00defghijkl"
    response = client.get("/api/v1/cases/")
    assert response.status_code == 401


def test_a_forged_session_cookie_on_a_page_is_ignored(client):
    client.cookies["sessionid"] = "abc\x00defghijkl"
    assert client.get("/").status_code == 200
