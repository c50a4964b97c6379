import datetime
import os
import uuid

import pytest
from django.db import InternalError, connection, transaction
from django.test import Client
from django.utils import timezone, translation

from enforcement import services
from enforcement.models import CaseState, EnforcementCase, StaffRole
from listings import services as listing_services
from tests.factories import CaseFactory, CourtFactory, UserFactory

pytest_plugins = ["tests.browser_support"]

Role = StaffRole.Role

# In CI (.ci/run sets REQUIRE_SERVICES=1) the tests must run on PostgreSQL: a silent SQLite run would be a lie.
REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"


def pytest_collection_modifyitems(config, items):
    if REQUIRE_SERVICES:
        return
    needs = {
        "postgres": (
            os.environ.get("DATABASE_URL", "").startswith(("postgres", "pgsql")),
            "needs PostgreSQL: set DATABASE_URL=postgres://... (CI always does)",
        ),
        "broker": (
            bool(os.environ.get("CELERY_BROKER_URL")),
            "needs a broker: set CELERY_BROKER_URL=redis://... or amqp://... (CI always does)",
        ),
    }
    for item in items:
        for marker, (available, reason) in needs.items():
            if marker in item.keywords and not available:
                item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="session", autouse=True)
def _services_are_real(django_db_blocker):
    if REQUIRE_SERVICES:
        with django_db_blocker.unblock():
            assert connection.vendor == "postgresql", f"REQUIRE_SERVICES=1 but the database is {connection.vendor}"


# A test uses the database if it is marked `django_db` or needs one of these (directly or through its fixtures).
DATABASE_FIXTURES = frozenset(
    {
        "db",
        "transactional_db",
        "live_server",
        "django_db_reset_sequences",
        "django_db_serialized_rollback",
        "_django_db_helper",
    }
)


@pytest.fixture(autouse=True)
def _list_invariants_hold(request):
    """After every test that used the database, no invariant of the list is broken (`listings.invariants`): so
    no change can break one silently. The check runs before the test's rollback (or, for a transactional or
    live-server test, before the flush), and the failure names each violation.

    A test that breaks an invariant on purpose (to test the checker itself) says so, with the reason:
    `@pytest.mark.breaks_list_invariants(reason="...")`."""
    uses_database = request.node.get_closest_marker("django_db") or DATABASE_FIXTURES & set(request.fixturenames)
    if not uses_database:
        yield
        return
    opted_out = request.node.get_closest_marker("breaks_list_invariants")
    if opted_out is not None:
        reason = opted_out.kwargs.get("reason", "")
        if not reason.strip():
            pytest.fail("@pytest.mark.breaks_list_invariants needs reason=...: why this test breaks an invariant")
        yield
        return
    # Set the database up now, before the test's own fixtures: its teardown (rollback or flush) then comes
    # after this fixture's, so the check below still sees what the test wrote.
    request.getfixturevalue("_django_db_helper")
    yield
    with translation.override("en"):
        violations = _list_violations_left()
        if violations:
            pytest.fail(
                f"{len(violations)} invariant(s) of the list broken at the end of the test:\n"
                + "\n".join(f"  - {violation}" for violation in violations),
                pytrace=False,
            )


def _list_violations_left() -> list:
    """The list's violations in what the test left. A test that ends with an exception raised inside a `save()`
    leaves the transaction marked for rollback, though the database still answers: read it in a savepoint. Only
    if the database itself aborted the transaction (an SQL error the test provoked) is nothing readable, and
    nothing the test wrote will outlive the rollback."""
    from listings.invariants import list_violations

    if not connection.needs_rollback:
        return list_violations()
    connection.needs_rollback = False
    try:
        with transaction.atomic():
            return list_violations()
    except InternalError:  # "current transaction is aborted"
        return []
    finally:
        connection.needs_rollback = True


@pytest.fixture
def celery_worker():
    """A real Celery worker (a thread of this process) consuming from the configured broker."""
    from celery.contrib.testing.worker import start_worker

    from config.celery import app

    app.conf.task_always_eager = False
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10) as worker:
            yield worker
    finally:
        app.conf.task_always_eager = True


@pytest.fixture(autouse=True)
def _second_factor_with_force_login(monkeypatch):
    """`force_login` of a staff user also passes the second factor (a confirmed TOTP device, verified in the
    session), as signing in through the admin's form would. The form itself is tested in test_staff_login."""
    original = Client.force_login

    def force_login(self, user, backend=None):
        original(self, user, backend)
        if user.is_staff:
            from django_otp import DEVICE_ID_SESSION_KEY
            from django_otp.plugins.otp_totp.models import TOTPDevice

            device = TOTPDevice.objects.filter(user=user).first() or TOTPDevice.objects.create(
                user=user, name="test authenticator", confirmed=True
            )
            session = self.session
            session[DEVICE_ID_SESSION_KEY] = device.persistent_id
            session.save()

    monkeypatch.setattr(Client, "force_login", force_login)


@pytest.fixture(autouse=True)
def _english():
    """Messages are asserted in English; the Chinese translations are tested through the public pages."""
    with translation.override("en"):
        yield


@pytest.fixture
def client():
    """The test client, asking for English pages as the browser would with Accept-Language."""
    return Client(HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture
def court(db):
    higher = CourtFactory(
        name="北京市第二中级人民法院",
        name_en="Beijing No. 2 Intermediate Court",
        code="京02",
        level="intermediate",
    )
    return CourtFactory(
        name="北京市东城区人民法院", name_en="Dongcheng District Court", code="京0101", higher_court=higher
    )


@pytest.fixture
def other_court(db):
    return CourtFactory(name="上海市浦东新区人民法院", name_en="Pudong New Area Court", code="沪0115", province="31")


@pytest.fixture
def clerk(court):
    return UserFactory(username="clerk", first_name="书记员", roles=[(court, Role.CLERK)])


@pytest.fixture
def approver(court):
    return UserFactory(username="approver", roles=[(court, Role.APPROVER)])


@pytest.fixture
def second_approver(court):
    return UserFactory(username="approver2", roles=[(court, Role.APPROVER)])


@pytest.fixture
def other_clerk(other_court):
    return UserFactory(username="otherclerk", roles=[(other_court, Role.CLERK)])


@pytest.fixture
def other_approver(other_court):
    return UserFactory(username="otherapprover", roles=[(other_court, Role.APPROVER)])


@pytest.fixture
def superuser(db):
    return UserFactory(username="root", is_superuser=True)


class Walk:
    """Moves a case through its life with the real services, as the clerk and the approver would."""

    def __init__(self, clerk, approver):
        self.clerk, self.approver = clerk, approver

    def case(self, **kwargs) -> EnforcementCase:
        kwargs.setdefault("court", self.clerk.court_roles.first().court)
        return CaseFactory(**kwargs)

    def notice(self, case, *, warns_listing=True, served_on=None):
        served_on = served_on or case.filed_on + datetime.timedelta(days=1)
        return services.notice_record(
            actor=self.clerk,
            case_id=case.pk,
            served_on=served_on,
            payment_days=10,
            warns_listing=warns_listing,
        )

    def defaulted(self, case=None, **kwargs):
        case = case or self.case(**kwargs)
        self.notice(case)
        return services.case_declare_default(actor=self.clerk, case_id=case.pk)

    def restricted(self, case=None, **kwargs):
        case = self.defaulted(case, **kwargs)
        order = listing_services.restriction_order_propose(
            actor=self.clerk, case_id=case.pk, categories=["air_travel", "rail_high_speed"]
        )
        listing_services.restriction_order_approve(
            actor=self.approver,
            order_id=order.pk,
            order_number=f"（2026）{case.court.code}执限{order.pk}号",
            served_on=timezone.localdate(),
        )
        case.refresh_from_db()
        return case

    def listed(self, case=None, *, grounds=(2,), grace_months=0, from_state=CaseState.DEFAULTED, **kwargs):
        case = (self.restricted if from_state == CaseState.RESTRICTED else self.defaulted)(case, **kwargs)
        decision = listing_services.listing_propose(
            actor=self.clerk, case_id=case.pk, grounds=grounds, facts="拒不履行", grace_months=grace_months
        )
        listing_services.listing_approve(
            actor=self.approver,
            decision_id=decision.pk,
            decision_number=f"（2026）{case.court.code}执失{decision.pk}号",
            order_number=f"（2026）{case.court.code}执限9{decision.pk}号",
            served_on=timezone.localdate(),
        )
        case.refresh_from_db()
        return case

    def pay(self, case, amount=None):
        case.refresh_from_db()
        return services.payment_record(
            actor=self.clerk,
            case_id=case.pk,
            amount=amount if amount is not None else case.balance,
            currency=case.currency,
            paid_on=timezone.localdate(),
            method="bank_transfer",
            idempotency_key=str(uuid.uuid4()),
        )


@pytest.fixture
def walk(clerk, approver):
    return Walk(clerk, approver)
