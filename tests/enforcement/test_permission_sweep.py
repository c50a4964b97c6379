"""Every admin URL and every /api/v1/ endpoint, as the URL resolver lists them, requested by every kind of actor:
the court's clerk, approver, the higher court's reviewer, a superuser, a carrier's key, nobody, and a clerk and an
approver of another court. Each answer is the one the permission model calls for; none is a 500.

The URL list is not written by hand: it is read from the resolver, so a page or endpoint added later is swept
too, and the test fails until its expected answer is stated below (`expected_admin`, `expected_api`).
"""

import datetime
import io
import json
import uuid
from dataclasses import dataclass, field, replace

import pytest
import time_machine
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from dateutil.relativedelta import relativedelta
from django.contrib.admin import site
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from pypdf import PdfWriter
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient
from rest_framework_api_key.models import APIKey

from appeals.models import EvidenceFile
from appeals.services import (
    removal_request_ask_reconsideration,
    removal_request_file,
    removal_request_reject,
    removal_request_serve,
    removal_request_start_review,
)
from enforcement.demo_identities import resident_id
from enforcement.models import AccessLogEntry, AuditEntry, JobRun, OutboxMessage, Payment, StaffRole
from enforcement.services.intake import judgments_intake
from listings import services as listing_services
from listings.models import CarrierCheck, CarrierKey, ListingDecision, ProbeBudget, RestrictionOrder
from tests.enforcement.api.intake_data import as_csv, judgment_rows
from tests.factories import OrganisationFactory, PersonFactory, UserFactory, rng

pytestmark = pytest.mark.django_db

ACTORS = ["anonymous", "carrier", "clerk", "approver", "reviewer", "superuser", "other_clerk", "other_approver"]
STAFF = {"clerk", "approver", "reviewer", "superuser", "other_clerk", "other_approver"}


# --- the world: one record of every kind, in the court (and the carriers' and the system's records) -------------


AXES_ROW = {
    "username": "intruder",
    "ip_address": "10.0.0.1",
    "user_agent": "ua",
    "http_accept": "*/*",
    "path_info": "/",
}


def pdf_upload():
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return SimpleUploadedFile("回单.pdf", out.getvalue(), content_type="application/pdf")


@dataclass
class World:
    court: object
    actors: dict
    carrier_key: str
    objects: dict = field(default_factory=dict)  # admin "app_label.model_name" -> the record its pages show
    targets: dict = field(default_factory=dict)  # API URL name -> the record its POST acts on


def file_request(**kwargs):
    filing = removal_request_file(**kwargs)
    return filing.request if hasattr(filing, "request") else filing[0]


def _proposed_order(walk):
    case = walk.defaulted()
    return listing_services.restriction_order_propose(actor=walk.clerk, case_id=case.pk, categories=["air_travel"])


def _proposed_listing(walk):
    return listing_services.listing_propose(
        actor=walk.clerk, case_id=walk.defaulted().pk, grounds=[2], facts="拒不履行"
    )


@pytest.fixture
def world(walk, court, clerk, approver, other_clerk, other_approver, superuser, settings, tmp_path):
    settings.EVIDENCE_ROOT = tmp_path / "evidence"
    reviewer = UserFactory(username="reviewer", roles=[(court.higher_court, StaffRole.Role.REVIEWER)])
    actors = {
        "clerk": clerk,
        "approver": approver,
        "reviewer": reviewer,
        "superuser": superuser,
        "other_clerk": other_clerk,
        "other_approver": other_approver,
    }
    key, raw_key = CarrierKey.objects.create_key(
        name="booking", organisation="China Eastern", categories=["air_travel"]
    )
    listed = walk.listed()
    walk.pay(listed, amount="10.00")
    request = file_request(
        case_id=listed.pk, kind="paid", statement="已还清", contact_email="debtor@example.com", files=[pdf_upload()]
    )
    second = walk.listed()
    appealed = file_request(case_id=second.pk, kind="paid", statement="已还清", contact_phone="13800138000")
    removal_request_start_review(actor=clerk, request_id=appealed.pk)
    appealed = removal_request_reject(actor=clerk, request_id=appealed.pk, reasons="未见付款凭证")
    removal_request_serve(request_id=appealed.pk, on=timezone.localdate(), by="tracking_page")
    appealed = removal_request_ask_reconsideration(tracking_code=appealed.tracking_code, statement="请上级法院复议")
    intake = judgments_intake(
        actor=clerk, court_id=court.pk, filename="judgments.csv", file=io.BytesIO(as_csv(judgment_rows(court.code, 1)))
    )
    device = TOTPDevice.objects.create(user=clerk, name="phone", confirmed=True)
    APIClient().post(
        "/api/v1/checks/",
        {"id_number": listed.debtor.id_number, "category": "air_travel"},
        HTTP_AUTHORIZATION=f"Api-Key {raw_key}",
    )
    now = timezone.now()
    world = World(court=court, actors=actors, carrier_key=raw_key)
    world.objects = {
        "enforcement.enforcementcase": listed,
        "enforcement.payment": Payment.objects.filter(case=listed).first(),
        "enforcement.auditentry": AuditEntry.objects.filter(case=listed).first(),
        "enforcement.intakebatch": intake,
        "enforcement.party": listed.debtor,
        "enforcement.court": court,
        "auth.user": clerk,
        "auth.group": Group.objects.create(name="archive"),
        "authtoken.tokenproxy": Token.objects.create(user=clerk).user,  # its pages are keyed by the user
        "rest_framework_api_key.apikey": APIKey.objects.create_key(name="spare")[0],
        "otp_totp.totpdevice": device,
        "axes.accessattempt": AccessAttempt.objects.create(failures_since_start=1, **AXES_ROW),
        "axes.accesslog": AccessLog.objects.create(**AXES_ROW),
        "axes.accessfailurelog": AccessFailureLog.objects.create(**AXES_ROW),
        "enforcement.accesslogentry": AccessLogEntry.objects.create(user=clerk, what="case", object_id=str(listed.pk)),
        "enforcement.jobrun": JobRun.objects.create(name="enforcement.tasks.declare_defaults", started_at=now),
        "enforcement.outboxmessage": OutboxMessage.objects.first(),
        "listings.listingdecision": ListingDecision.objects.get(case=listed),
        "listings.restrictionorder": RestrictionOrder.objects.get(case=listed),
        "listings.listrulebreach": listed,  # one page: the breaches of the list's rules in the user's courts
        "listings.carrierkey": key,
        "listings.carriercheck": CarrierCheck.objects.first(),
        "listings.probebudget": ProbeBudget.objects.create(
            surface="search", target="0" * 64, label="1101051998****4841", day=timezone.localdate()
        ),
        "appeals.removalrequest": request,
        "appeals.removalrequest@reconsideration": appealed,
        "appeals.evidencefile": EvidenceFile.objects.get(request=request),
    }
    assert all(world.objects.values()), [name for name, record in world.objects.items() if not record]
    world.targets = api_targets(walk, court, listed) | {"api:intake-batch": intake}
    return world


def api_targets(walk, court, listed) -> dict:
    """The record each API endpoint acts on, in the state its operation needs (one each: a POST changes it)."""
    noticed = walk.case()
    walk.notice(noticed)
    company = walk.defaulted(debtor=OrganisationFactory()).debtor
    in_force = walk.restricted()
    # Its two years on the list ended the day before yesterday: due for expiry, and not yet late for removal (a
    # listing left in force for long past its last day is one no daily sweep leaves: an invariant breached).
    with time_machine.travel(timezone.now() - relativedelta(years=2, days=1)):
        expired = walk.listed()
    return {
        "api:party": listed.debtor,
        "api:party-responsible-persons": company,
        "api:case": listed,
        "api:case-audit": listed,
        "api:case-payments": walk.defaulted(),
        "api:case-notice": walk.case(),
        "api:case-declare-default": noticed,
        "api:case-settle": walk.defaulted(),
        "api:case-close": walk.defaulted(),
        "api:restriction-order-propose": walk.defaulted(),
        "api:restriction-order": RestrictionOrder.objects.get(case=listed),
        "api:restriction-order-approve": _proposed_order(walk),
        "api:restriction-order-reject": _proposed_order(walk),
        "api:restriction-order-lift": RestrictionOrder.objects.get(case=in_force),
        "api:restriction-order-temporary-lift": RestrictionOrder.objects.get(case=walk.restricted()),
        "api:listing-decision-propose": walk.defaulted(),
        "api:listing-decision": ListingDecision.objects.get(case=listed),
        "api:listing-decision-approve": _proposed_listing(walk),
        "api:listing-decision-reject": _proposed_listing(walk),
        "api:listing-decision-revoke": ListingDecision.objects.get(case=walk.listed()),
        "api:listing-decision-expire": ListingDecision.objects.get(case=expired),
        "api:listing-detail": ListingDecision.objects.get(case=listed),
    }


# --- the URLs, from the resolver -----------------------------------------------------------------------------------


def resolver_patterns(patterns=None, prefix="", namespace=""):
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from resolver_patterns(entry.url_patterns, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), f"{namespace}{entry.name or ''}", entry


@dataclass(frozen=True)
class Probe:
    name: str  # the URL's name in the resolver
    url: str
    method: str
    model: str = ""  # admin: "app_label.model_name" of the page
    page: str = ""  # admin: changelist, add, change, history, delete, action, evidence, ...
    body: dict | None = None
    headers: dict = field(default_factory=dict)
    api: str = ""  # API: "court", "carrier" or "public"


ADMIN_PAGES = {"changelist": "", "add": "add/", "change": "{pk}/change/", "history": "{pk}/history/"}


def admin_probes(world) -> list[Probe]:
    probes = []
    for route, name, _pattern in resolver_patterns():
        if not name.startswith("admin:"):
            continue
        short = name.removeprefix("admin:")
        model_admin = _model_admin_of(short)
        if model_admin is not None:
            model = f"{model_admin.opts.app_label}.{model_admin.opts.model_name}"
            page = short.removeprefix(f"{model_admin.opts.app_label}_{model_admin.opts.model_name}_")
            probes += _model_page_probes(world, name, model, page)
        else:
            probes += _site_page_probes(world, route, name)
    return probes


def _model_admin_of(short_name):
    for model, model_admin in site._registry.items():
        prefix = f"{model._meta.app_label}_{model._meta.model_name}_"
        if short_name.startswith(prefix):
            return model_admin
    return None


def _model_page_probes(world, name, model, page) -> list[Probe]:
    probes = []
    for key in sorted(k for k in world.objects if k.split("@")[0] == model):
        variant = key.partition("@")[2]
        if variant and page in ("changelist", "add"):
            continue
        for probe in _pages_of(world, name, model, page, world.objects[key]):
            probes.append(replace(probe, page=f"{probe.page}@{variant}") if variant else probe)
    return probes


def _pages_of(world, name, model, page, record) -> list[Probe]:
    base = f"/admin/{model.replace('.', '/')}/"
    if page == "changelist":
        return [Probe(name, base, "GET", model, page)]
    if page == "add":
        return [Probe(name, base + "add/", "GET", model, page), Probe(name, base + "add/", "POST", model, page, {})]
    if page in ("change", "history", "delete"):
        return [Probe(name, f"{base}{record.pk}/{page}/", "GET", model, page)]
    if page == "password_change":
        return [Probe(name, f"{base}{record.pk}/password/", "GET", model, page)]
    if page in ("config", "qrcode"):
        return [Probe(name, f"{base}{record.pk}/{page}/", "GET", model, page)]
    if page == "action" and model == "enforcement.enforcementcase":
        from enforcement.case_page import registry

        return [
            Probe(
                name,
                f"{base}{record.pk}/act/{slug}/",
                method,
                model,
                f"action:{slug}",
                {} if method == "POST" else None,
            )
            for slug in sorted(registry.actions)
            for method in ("GET", "POST")
        ]
    if page == "action" and model == "appeals.removalrequest":
        from appeals.admin import ACTIONS

        return [
            Probe(
                name,
                f"{base}{record.pk}/act/{slug}/",
                method,
                model,
                f"action:{slug}",
                {} if method == "POST" else None,
            )
            for slug in sorted(ACTIONS)
            for method in ("GET", "POST")
        ]
    if page == "evidence":
        evidence = EvidenceFile.objects.filter(request=record).first()
        return [Probe(name, f"{base}{record.pk}/evidence/{evidence.pk}/", "GET", model, page)] if evidence else []
    raise AssertionError(f"{name}: a page of {model} this sweep does not know; say what it should answer")


def _site_page_probes(world, route, name) -> list[Probe]:
    fixed = {
        "admin:index": "/admin/",
        "admin:login": "/admin/login/",
        "admin:logout": "/admin/logout/",
        "admin:password_change": "/admin/password_change/",
        "admin:password_change_done": "/admin/password_change/done/",
        "admin:autocomplete": "/admin/autocomplete/?app_label=enforcement&model_name=enforcementcase&field_name=debtor",
        "admin:jsi18n": "/admin/jsi18n/",
    }
    if name in fixed:
        return [Probe(name, fixed[name], "GET", page=name)]
    if name == "admin:app_list":
        return [Probe(name, f"/admin/{label}/", "GET", page=f"app_list:{label}") for label in sorted(_app_labels())]
    if name == "admin:view_on_site":
        case = world.objects["enforcement.enforcementcase"]
        content_type = ContentType.objects.get_for_model(case)
        return [Probe(name, f"/admin/r/{content_type.pk}/{case.pk}/", "GET", page=name)]
    if name == "admin:" and route.endswith("(?P<url>.*)$"):
        return [Probe(name, "/admin/no-such-page/", "GET", page="catch_all")]
    if name == "admin:" and "object_id" in route:
        return []  # "<pk>/": Django's redirect to "<pk>/change/", swept as the change page
    raise AssertionError(f"{name} ({route}): an admin page this sweep does not know; say what it should answer")


def _app_labels():
    return {model._meta.app_label for model in site._registry}


def client_for(world, actor):
    if actor in STAFF:
        client = Client(HTTP_ACCEPT_LANGUAGE="en", raise_request_exception=False)
        client.force_login(world.actors[actor])
        return client
    if actor == "carrier":
        return Client(
            HTTP_ACCEPT_LANGUAGE="en", raise_request_exception=False, HTTP_AUTHORIZATION=f"Api-Key {world.carrier_key}"
        )
    return Client(HTTP_ACCEPT_LANGUAGE="en", raise_request_exception=False)


def send(client, probe):
    headers = probe.headers
    if probe.method == "GET":
        return client.get(probe.url, headers=headers)
    if probe.api and "file" not in (probe.body or {}):
        return client.post(probe.url, json.dumps(probe.body or {}), content_type="application/json", headers=headers)
    return client.post(probe.url, probe.body or {}, headers=headers)


def client_for_api(world, actor):
    """Staff call the API with their token, as the court systems do; carriers with their key."""
    client = Client(HTTP_ACCEPT_LANGUAGE="en", raise_request_exception=False)
    if actor in STAFF:
        token, _created = Token.objects.get_or_create(user=world.actors[actor])
        client.defaults["HTTP_AUTHORIZATION"] = f"Token {token.key}"
    elif actor == "carrier":
        client.defaults["HTTP_AUTHORIZATION"] = f"Api-Key {world.carrier_key}"
    return client


CARRIER_ENDPOINTS = {"api:carrier-check", "api:carrier-check-batch", "api:changes"}
PUBLIC_ENDPOINTS = {"api:listing-list", "api:listing-detail"}


def api_probes(world) -> list[Probe]:
    probes = []
    for route, name, pattern in resolver_patterns():
        if not name.startswith("api:"):
            continue
        view = pattern.callback.cls
        kind = "carrier" if name in CARRIER_ENDPOINTS else "public" if name in PUBLIC_ENDPOINTS else "court"
        target = world.targets.get(name)
        url = "/" + route
        for param in ("<int:case_id>", "<int:party_id>", "<int:batch_id>", "<int:pk>", "<str:pk>"):
            if param in url:
                assert target is not None, f"{name}: no record to sweep it with; add one to api_targets"
                url = url.replace(param, str(target.pk))
        for method in ("get", "post", "put", "patch", "delete"):
            if hasattr(view, method):
                body, headers, query = api_input(world, name, method)
                probes.append(Probe(name, url + query, method.upper(), body=body, headers=headers, api=kind))
    return probes


def api_input(world, name, method) -> tuple[dict | None, dict, str]:
    """A valid request for each operation, so that what answers is the permission check, not the validation."""
    today = timezone.localdate()
    court, listed = world.court, world.objects["enforcement.enforcementcase"]
    if method == "get":
        return None, {}, "?id_number=" + listed.debtor.id_number if name == "api:parties" else ""
    person = PersonFactory()
    bodies = {
        "api:parties": {"kind": "person", "name": "王五", "id_type": "resident_id", "id_number": fresh_id_number()},
        "api:party-responsible-persons": {"person": person.pk, "role": "legal_representative"},
        "api:cases": {
            "court": court.code,
            "case_number": f"（2026）{court.code}执{uuid.uuid4().int % 100000}号",
            "creditor": PersonFactory().pk,
            "debtor": person.pk,
            "basis_issuer": "北京市东城区人民法院",
            "basis_number": "（2025）京0101民初1号",
            "basis_date": (today - datetime.timedelta(days=90)).isoformat(),
            "obligation": "支付货款",
            "amount_due": "1000.00",
            "filed_on": (today - datetime.timedelta(days=30)).isoformat(),
        },
        "api:case-payments": {"amount": "1.00", "paid_on": today.isoformat(), "method": "cash"},
        "api:case-notice": {"served_on": today.isoformat(), "payment_days": 10, "warns_listing": True},
        "api:case-declare-default": {},
        "api:case-settle": {"reason": "和解协议已履行"},
        "api:case-close": {"reason": "no_assets"},
        "api:intake": {
            "court": court.code,
            "file": SimpleUploadedFile("judgments.csv", as_csv(judgment_rows(court.code, 1, seed=11, start=500))),
        },
        "api:carrier-check": {"id_number": listed.debtor.id_number, "category": "air_travel"},
        "api:carrier-check-batch": {"category": "air_travel", "id_numbers": [listed.debtor.id_number]},
        "api:restriction-order-propose": {"categories": ["air_travel"]},
        "api:restriction-order-approve": {"order_number": "（2026）京0101执限9号", "served_on": today.isoformat()},
        "api:restriction-order-reject": {"reason": "理由不足"},
        "api:restriction-order-lift": {"reason": "creditor_consent"},
        "api:restriction-order-temporary-lift": {
            "categories": ["air_travel"],
            "starts_on": today.isoformat(),
            "ends_on": (today + datetime.timedelta(days=5)).isoformat(),
            "reason": "illness",
        },
        "api:listing-decision-propose": {"grounds": [2]},
        "api:listing-decision-approve": {
            "decision_number": "（2026）京0101执失9号",
            "order_number": "（2026）京0101执限10号",
            "served_on": today.isoformat(),
        },
        "api:listing-decision-reject": {"reason": "理由不足"},
        "api:listing-decision-revoke": {"reason": "列入错误"},
        "api:listing-decision-expire": {},
    }
    assert name in bodies, f"{name} {method}: no request body for it; add one to api_input"
    headers = {"Idempotency-Key": str(uuid.uuid4())} if name == "api:case-payments" else {}
    return bodies[name], headers, ""


def fresh_id_number() -> str:
    return resident_id(rng, birth_date=datetime.date(1980, 5, 17), sex="M")


# --- what each actor must get ----------------------------------------------------------------------------------

IN_COURT = {"clerk", "approver", "superuser"}  # roles in the court of the records (a superuser has every court)
LOGIN, BACK, INDEX = "302 to the login page", "302 back to the record's page", "302 to the admin index"

# Pages only a superuser opens: model -> (may add, may delete), as the model admin allows it even to a superuser.
SUPERUSER_MODELS = {
    "auth.group": (True, True),
    "auth.user": (True, True),
    "authtoken.tokenproxy": (True, True),
    "rest_framework_api_key.apikey": (True, True),
    "otp_totp.totpdevice": (True, True),
    "axes.accessattempt": (False, True),
    "axes.accesslog": (False, True),
    "axes.accessfailurelog": (False, True),
    "enforcement.accesslogentry": (False, False),  # append-only
    "enforcement.jobrun": (False, False),
    "enforcement.outboxmessage": (False, False),
    "listings.carrierkey": (True, False),  # revoked, never deleted
    "listings.carriercheck": (False, False),
    "listings.probebudget": (False, False),
}
# Records of a court: model -> who may add one here (None: only through a service elsewhere). Nobody deletes.
COURT_MODELS = {
    "enforcement.enforcementcase": "clerk",
    "enforcement.intakebatch": "clerk",
    "enforcement.party": "clerk",
    "enforcement.payment": None,
    "enforcement.auditentry": None,
    "listings.listingdecision": None,
    "listings.restrictionorder": None,
    "listings.listrulebreach": None,
    "appeals.removalrequest": None,
}
# Another court's record: the case and request pages answer 404; Django's other pages say "does not exist" and
# go back to the index. Neither shows anything of the record.
NOT_FOUND_404 = {"enforcement.enforcementcase", "appeals.removalrequest"}
# The actions a listed case offers, and to whom (the others are not possible on it: back to the case page).
# Closing a listed case ends the listing for a reason other than payment: an approver's act, as revoking is.
CASE_ACTIONS = {
    "close": {"approver"},
    "correct": {"clerk", "approver"},
    "payment": {"clerk"},
    "settle": {"clerk"},
    "listing_revoke": {"approver"},
}
# A debtor's request about a payment, submitted: staff review it, a clerk decides it (DECIDING_ROLE).
REQUEST_ACTIONS = {"review": {"clerk", "approver"}, "grant": {"clerk"}, "reject": {"clerk"}}
# The same kind of request, rejected and sent to the higher court: its reviewer decides.
RECONSIDERATION_ACTIONS = {"uphold": {"reviewer"}, "overturn": {"reviewer"}}
STAFF_APPS = {"appeals", "enforcement", "listings"}


def role_of(actor) -> str:
    return {"other_clerk": "clerk", "other_approver": "approver"}.get(actor, actor)


def expected_admin(probe: Probe, actor: str) -> str:
    if actor not in STAFF:
        if probe.page == "admin:login":
            return "200"
        return INDEX if probe.page == "admin:logout" else LOGIN
    # No model here has a page on the public site, so "view on site" finds none.
    site_pages = {"admin:login": INDEX, "admin:logout": "405", "catch_all": "404", "admin:view_on_site": "404"}
    if not probe.model:
        if probe.page.startswith("app_list:"):
            label = probe.page.split(":")[1]
            return "200" if actor == "superuser" or label in STAFF_APPS else "404"
        return site_pages.get(probe.page, "200")
    page, _at, variant = probe.page.partition("@")
    if probe.model in SUPERUSER_MODELS:
        may_add, may_delete = SUPERUSER_MODELS[probe.model]
        if actor != "superuser":
            return "403"
        return {"add": "200" if may_add else "403", "delete": "200" if may_delete else "403"}.get(page, "200")
    if probe.model == "enforcement.court":
        return "200" if page not in ("add", "delete") or (page == "add" and actor == "superuser") else "403"
    assert probe.model in COURT_MODELS, f"{probe.model}: say who may open its pages"
    if page == "changelist":
        return "200"
    if page == "add":
        adder = COURT_MODELS[probe.model]
        return "200" if adder and (actor == "superuser" or role_of(actor) == adder) else "403"
    if page == "delete":
        return "403"
    sees = actor in IN_COURT or (variant == "reconsideration" and actor == "reviewer")
    if not sees:
        if page in ("change", "evidence") or page.startswith("action:"):
            return "404" if probe.model in NOT_FOUND_404 else INDEX
        return INDEX  # history
    if not page.startswith("action:"):
        return "200"
    slug = page.split(":")[1]
    if probe.model == "enforcement.enforcementcase":
        if probe.method == "POST":
            return "200"  # the form again, with what is missing: nothing was done
        allowed = CASE_ACTIONS.get(slug)
        return "200" if allowed and (actor == "superuser" or role_of(actor) in allowed) else BACK
    actions = RECONSIDERATION_ACTIONS if variant == "reconsideration" else REQUEST_ACTIONS
    may = slug in actions and (actor == "superuser" or actor in actions[slug])
    if probe.method == "POST":
        return BACK if (slug == "review" and may) else "400"  # review has no fields: it starts the review
    return "200" if may else BACK


CLERK_OPERATIONS = {
    "api:parties",
    "api:party-responsible-persons",
    "api:cases",
    "api:case-payments",
    "api:case-notice",
    "api:case-declare-default",
    "api:case-settle",
    "api:case-close",
    "api:intake",
    "api:restriction-order-propose",
    "api:listing-decision-propose",
    "api:listing-decision-expire",
}
APPROVER_OPERATIONS = {
    "api:restriction-order-approve",
    "api:restriction-order-reject",
    "api:restriction-order-lift",
    "api:restriction-order-temporary-lift",
    "api:listing-decision-approve",
    "api:listing-decision-reject",
    "api:listing-decision-revoke",
}
CREATES = {
    "api:parties",
    "api:party-responsible-persons",
    "api:cases",
    "api:case-payments",
    "api:intake",
    "api:restriction-order-propose",
    "api:restriction-order-temporary-lift",
    "api:listing-decision-propose",
}
COLLECTIONS = {"api:parties", "api:cases", "api:intake"}  # the court is in the request, not in the URL


def expected_api(probe: Probe, actor: str) -> str:
    if probe.api == "public":
        return "200"
    if probe.api == "carrier":
        return "200" if actor == "carrier" else "401"
    if actor not in STAFF:
        return "401"  # a carrier's key is no staff token
    if probe.name not in COLLECTIONS and actor not in IN_COURT:
        return "404"
    if probe.method == "GET":
        return "200"
    assert probe.name in CLERK_OPERATIONS | APPROVER_OPERATIONS, f"{probe.name}: say which role may do it"
    role = "clerk" if probe.name in CLERK_OPERATIONS else "approver"
    if probe.name == "api:parties":
        allowed = actor == "superuser" or role_of(actor) == "clerk"  # any court's clerk registers parties
    else:
        allowed = actor == "superuser" or actor == role
    if not allowed:
        return "403"
    return "201" if probe.name in CREATES else "200"


def answer(response) -> str:
    if response.status_code != 302:
        return str(response.status_code)
    location = response["Location"]
    if "/admin/login/" in location:
        return LOGIN
    if location.rstrip("/").endswith("/admin"):
        return INDEX
    return BACK


@pytest.mark.parametrize("actor", ACTORS)
def test_every_admin_page_and_api_endpoint_answers_as_the_permission_model_says(world, actor):
    swept = []
    admin_client, api_client = client_for(world, actor), client_for_api(world, actor)
    for client, probes, expected in (
        (admin_client, admin_probes(world), expected_admin),
        (api_client, api_probes(world), expected_api),
    ):
        for probe in probes:
            swept.append((probe, expected(probe, actor), answer(send(client, probe))))
    wrong = [
        f"{p.method} {p.url} ({p.page or p.name}): expected {want}, got {got}" for p, want, got in swept if want != got
    ]
    assert not wrong, f"{actor}: {len(wrong)} of {len(swept)} answers wrong:\n" + "\n".join(wrong)
    assert not [p for p, _want, got in swept if got == "500"]
    assert len(swept) > 200  # the resolver gave the whole site, not a fraction of it


def test_the_sweep_covers_every_admin_url_and_api_endpoint_of_the_resolver(world):
    names = {name for _route, name, _pattern in resolver_patterns() if name.startswith(("admin:", "api:"))}
    swept = {probe.name for probe in admin_probes(world) + api_probes(world)}
    not_swept = names - swept
    assert not_swept == set()
