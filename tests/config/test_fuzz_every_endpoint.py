"""A fuzz run of every URL the resolver lists (the public pages, the debtors' pages, the admin, the API, its
schema and docs) against a real gunicorn on PostgreSQL, with nested, oversized and non-ASCII input: no answer is
a 5xx (issue 13).

Each URL is asked by the actor that reaches its view (nobody for the public pages, a superuser's session for the
admin, a superuser's token for the courts' API, a carrier key for the carriers'), with:
- every path parameter as a real id, as an id past any integer column, and (text parameters) as hostile text;
- a query string of hostile values under every parameter name the site reads;
- POSTs: a form of hostile values (with a valid CSRF token, so the view itself answers), JSON nested 100,000
  deep, JSON of hostile values, a body over the upload limit (30 MB for the API), and non-ASCII headers.
The fixed list of inputs makes every run the same; a failure names the request.
"""

import collections
import itertools
import re

import pytest
import requests
from django.test import Client
from django.utils import timezone
from rest_framework.authtoken.models import Token

from config.schedule import DAILY_JOBS
from enforcement.models import JobRun
from listings.models import CarrierKey
from tests.appeals.conftest import file_request, filed
from tests.enforcement.test_permission_sweep import resolver_patterns
from tests.servers import gunicorn

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

HOSTILE = [
    "[" * 600,
    "１１０１０５１９４９１２３１００２Ｘ\u200b",
    "（２０２６）京０１０１执１号",
    "\u202egnp.exe",
    "A" * 600,
    "\x00\x01\x1b[31m",
    "' OR 1=1 --",
    '=HYPERLINK("http://x")',
    "😀🔑ключ",
    "-1",
    "99999999999999999999999",
    "NaN",
    "%ff%fe",
]
PARAMETERS = [
    "name", "id_number", "case_number", "court", "province", "kind", "cursor", "after", "limit", "state", "q",
    "o", "p", "page_size", "code", "number", "signature", "category", "fmt", "next", "language", "format",
    "_changelist_filters", "all", "e",
]  # fmt: skip
ID_PAST_ANY_COLUMN = "99999999999999999999"
HOSTILE_SEGMENT = "%E2%80%AE%EF%BC%91" * 40  # U+202E and a full-width 1, forty times
SIGN_IN_RECORDS = {"admin:auth_user_delete", "admin:otp_totp_totpdevice_delete"}  # deleting them signs the admin out
INT_CONVERTER = re.compile(r"<int:(\w+)>")
OTHER_CONVERTER = re.compile(r"<(?:\w+:)?(\w+)>")
REGEX_GROUP = re.compile(r"\(\?P<(\w+)>([^)]*)\)")


def urls_of(route: str, real_id: int) -> list[str]:
    """The route with its parameters filled in: real, out of range, hostile."""
    if route.startswith("^") or "(?P<" in route:
        route = REGEX_GROUP.sub(lambda m: m.group(2).split("|")[0] if "|" in m.group(2) else "1", route)
        route = route.replace("^", "").replace("$", "")
    variants = []
    # The real record last: a delete page then deletes it only after the other variants were tried.
    for int_value, text_value in ((ID_PAST_ANY_COLUMN, HOSTILE_SEGMENT), (str(real_id), "1")):
        url = INT_CONVERTER.sub(int_value, route)
        url = OTHER_CONVERTER.sub(lambda m, t=text_value: "csv" if m.group(1) == "fmt" else t, url)
        variants.append("/" + url)
    return list(dict.fromkeys(variants))


def query(i: int, names=PARAMETERS) -> dict:
    values = itertools.cycle(HOSTILE[i % len(HOSTILE) :] + HOSTILE[: i % len(HOSTILE)])
    return {name: next(values) for name in names}


def query_strings(i: int) -> list[dict]:
    """Every parameter name with hostile values, a few names a request (a URL stays under the server's limit
    of 4,094 bytes, past which gunicorn itself answers 414 and the view is never reached)."""
    return [query(i + n, PARAMETERS[n : n + 4]) for n in range(0, len(PARAMETERS), 4)]


@pytest.fixture
def actors(walk, client, superuser, settings):
    for job in DAILY_JOBS:  # /health/ answers 200 only after the daily run
        JobRun.objects.create(name=job, started_at=timezone.now(), finished_at=timezone.now(), succeeded=True)
    case = walk.listed()
    walk.restricted()
    code = filed(file_request(client, case, "paid")).tracking_code
    session = Client()
    session.force_login(superuser)
    _key, carrier = CarrierKey.objects.create_key(
        name="fuzz", organisation="Fuzz Air", categories=["air_travel"], rate="100000/m"
    )
    return {
        "case": case,
        "code": code,
        "admin": {},
        "admin_session": session.cookies["sessionid"].value,
        "court": {"Authorization": f"Token {Token.objects.create(user=superuser).key}"},
        "carrier": {"Authorization": f"Api-Key {carrier}"},
        "public": {},
    }


def actor_of(route: str) -> str:
    if route.startswith("admin/"):
        return "admin"
    if route.startswith(("api/v1/checks", "api/v1/changes")):
        return "carrier"
    if route.startswith("api/v1/") and not route.startswith("api/v1/listings"):
        return "court"
    return "public"


def requests_for(url: str, route: str, headers: dict, i: int) -> list[tuple[str, dict]]:
    """(method, requests' keyword arguments) of each request sent to one URL."""
    api = route.startswith("api/")
    odd_headers = {
        **headers,
        "Accept-Language": "zh-hans;q=0.9, ключ;q=\u00ff".encode(),
        "Idempotency-Key": "ключ-\u202e".encode(),
        "X-Real-IP": "１２７.0.0.1".encode(),
    }
    oversized = b"x" * (30 * 2**20 if api else 3 * 2**20)
    return [
        *(("GET", {"params": params, "headers": headers}) for params in query_strings(i)),
        ("GET", {"params": query(i + 5, PARAMETERS[:3]), "headers": odd_headers}),
        ("POST", {"data": query(i + 1), "headers": headers}),
        ("POST", {"data": b"[" * 100_000, "headers": {**headers, "Content-Type": "application/json"}}),
        ("POST", {"json": {**query(i + 2), "id_numbers": HOSTILE, "amount": "1e999999"}, "headers": odd_headers}),
        ("POST", {"data": oversized, "headers": {**headers, "Content-Type": "application/json"}}),
        ("PUT", {"json": query(i + 3), "headers": headers}),
    ]


def with_csrf(session: requests.Session, url: str, method: str, kwargs: dict) -> dict:
    """A form post carries the CSRF token, as a browser's would: the view answers, not the CSRF check."""
    if method == "POST" and isinstance(kwargs.get("data"), dict):
        kwargs = {**kwargs, "data": {**kwargs["data"], "csrfmiddlewaretoken": session.cookies.get("csrftoken", "")}}
        kwargs["headers"] = {**kwargs["headers"], "Referer": url}
    return kwargs


def ask(session: requests.Session, url: str, method: str, kwargs: dict, actor: str) -> tuple[int | None, str]:
    """One request: its status (None if the connection failed) and, if it went wrong, why."""
    shown = f"{method} {url.split('/', 3)[3].replace(HOSTILE_SEGMENT, '<hostile>')}"
    kwargs = with_csrf(session, url, method, kwargs)
    try:
        response = session.request(method, url, timeout=120, allow_redirects=False, **kwargs)
    except requests.ConnectionError as exc:  # the server may answer an oversized body before reading it all
        data = kwargs.get("data")
        return None, "" if isinstance(data, bytes) and len(data) > 2**20 else f"/{shown}: connection failed ({exc})"
    form = kwargs.get("data") if isinstance(kwargs.get("data"), dict) else {}
    if "csrfmiddlewaretoken" in form and "CSRF" in response.text:
        return response.status_code, f"/{shown}: refused by the CSRF check, the view never ran"
    if actor == "admin" and "/admin/login/" in response.headers.get("Location", ""):
        return response.status_code, f"/{shown}: sent to the login page, the view never ran"
    if response.status_code >= 500:
        return response.status_code, f"/{shown} {sorted(kwargs)}: {response.status_code}"
    return response.status_code, ""


def test_every_endpoint_fuzzed_answers_no_5xx(actors, tmp_path):
    # Deleting and signing out go last: the admin's requests after them would meet a deleted user or device,
    # and be sent to the login page.
    routes = sorted(
        ((route, name) for route, name, _ in resolver_patterns()),
        key=lambda r: (r[1] == "admin:logout", r[1] in SIGN_IN_RECORDS, r[1].endswith("_delete")),
    )
    assert len(routes) > 150
    log = tmp_path / "server.log"
    rates = {"PUBLIC_SEARCH_RATE": "100000/m", "PUBLIC_PAGE_RATE": "100000/m", "APPEALS_CHECK_RATE": "100000/m"}
    failures, answered = [], collections.Counter()
    with gunicorn(workers=2, settings=rates, log_path=log) as base:
        sessions = {}
        for i, (route, _name) in enumerate(routes):
            actor = actor_of(route)
            if actor not in sessions:
                sessions[actor] = requests.Session()
                if actor == "admin":
                    sessions[actor].cookies.set("sessionid", actors["admin_session"])
                sessions[actor].get(f"{base}/", headers=actors[actor], timeout=30)  # the CSRF cookie
            for path in urls_of(route, actors["case"].pk):
                path = path.replace("/1/receipt/", f"/{actors['code']}/receipt/")
                for method, kwargs in requests_for(f"{base}{path}", route, actors[actor], i):
                    status, failure = ask(sessions[actor], f"{base}{path}", method, kwargs, actor)
                    answered[(actor, status)] += 1
                    if failure:
                        failures.append(failure)
    print(sorted(answered.items(), key=str))  # the figures the report quotes
    assert sum(answered.values()) > 3000
    assert not failures, "\n".join(sorted(set(failures)))
    assert "Internal Server Error" not in log.read_text()
