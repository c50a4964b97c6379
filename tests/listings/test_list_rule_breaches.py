"""The list's invariants broken are reported to the court's staff: by a daily e-mail to each court's staff about
their court only, once per set of breaches, and on an admin page scoped to the user's courts."""

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from config.schedule import DAILY_JOBS
from enforcement.models import EnforcementCase, JobRun, OutboxMessage, StaffRole
from enforcement.services import outbox_send_due
from listings import tasks
from listings.models import RestrictionOrder
from tests.conftest import Walk
from tests.factories import UserFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.breaks_list_invariants(reason="makes breaches for the report and the page to show"),
]

PAGE = "/admin/listings/listrulebreach/"
JOB = "listings.tasks.report_list_violations"


@pytest.fixture
def other_walk(other_clerk, other_approver):
    return Walk(other_clerk, other_approver)


@pytest.fixture
def staff(court, other_court):
    """A member of each court's staff with an e-mail address (the fixtures' clerks have none)."""
    return {
        "ours": UserFactory(username="dongcheng", email="dongcheng@court.invalid", roles=[(court, "clerk")]),
        "theirs": UserFactory(username="pudong", email="pudong@court.invalid", roles=[(other_court, "approver")]),
    }


def breach(case) -> RestrictionOrder:
    """The case is marked paid while its restriction order stays in force (a write no service makes)."""
    EnforcementCase.objects.filter(pk=case.pk).update(state="paid")
    return RestrictionOrder.objects.get(case=case)


def sent_to(address: str) -> list:
    return [message for message in mail.outbox if message.to == [address]]


# --- the daily job --------------------------------------------------------------------------------------------------


def test_the_job_is_daily_and_runs_after_the_sweeps_of_the_night():
    sweeps = ["listings.tasks.publish_listings", "listings.tasks.expire_listings", "enforcement.tasks.close_paid_cases"]
    assert all(DAILY_JOBS[JOB] > DAILY_JOBS[sweep] for sweep in sweeps)


def test_the_daily_job_mails_each_courts_staff_the_breaches_of_their_court_only(walk, other_walk, staff, settings):
    settings.LANGUAGE_CODE = "en"  # the mail is in the site's language
    ours, theirs = walk.restricted(), other_walk.restricted()
    breach(ours), breach(theirs)
    assert tasks.report_list_violations() == {"violations": 2, "courts": 2, "emails": 2}
    outbox_send_due()
    (our_mail,) = sent_to("dongcheng@court.invalid")
    (their_mail,) = sent_to("pudong@court.invalid")
    assert len(mail.outbox) == 2
    assert ours.case_number in our_mail.body
    assert theirs.case_number not in our_mail.body
    assert theirs.case_number in their_mail.body
    assert ours.case_number not in their_mail.body
    assert "A restriction order is still in force on a paid or closed case." in our_mail.body
    assert our_mail.subject == "1 breach of the list's rules in 北京市东城区人民法院"
    run = JobRun.objects.get(name=JOB)
    assert run.succeeded
    assert run.detail == {"violations": 2, "courts": 2, "emails": 2}


def test_the_same_breaches_are_mailed_once_and_a_new_one_sends_the_new_set(walk, other_walk, staff):
    first, theirs = walk.restricted(), other_walk.restricted()
    breach(first), breach(theirs)
    tasks.report_list_violations()
    assert tasks.report_list_violations()["emails"] == 0
    second = walk.restricted()
    breach(second)
    assert tasks.report_list_violations()["emails"] == 1
    outbox_send_due()
    ours = sent_to("dongcheng@court.invalid")
    assert len(ours) == 2
    assert first.case_number in ours[1].body
    assert second.case_number in ours[1].body
    assert len(sent_to("pudong@court.invalid")) == 1


def test_without_breaches_the_job_mails_nobody(walk, staff):
    walk.listed()
    assert tasks.report_list_violations() == {"violations": 0, "courts": 0, "emails": 0}
    assert not OutboxMessage.objects.exists()


def test_the_mail_is_written_in_the_sites_language(walk, staff, settings):
    settings.LANGUAGE_CODE = "zh-hans"  # as in production
    breach(walk.restricted())
    tasks.report_list_violations()
    outbox_send_due()
    (message,) = mail.outbox
    assert "限制消费令" in message.body
    assert "Restriction order" not in message.body


# --- the admin page -------------------------------------------------------------------------------------------------


def test_the_page_shows_the_staff_the_breaches_of_their_court_with_links_to_the_cases(client, walk, other_walk, clerk):
    ours, theirs = walk.restricted(), other_walk.restricted()
    order = breach(ours)
    breach(theirs)
    client.force_login(clerk)
    page = client.get(PAGE)
    assert page.status_code == 200
    assert f'href="/admin/enforcement/enforcementcase/{ours.pk}/change/"' in page.text
    assert f'href="/admin/listings/restrictionorder/{order.pk}/change/"' in page.text
    assert ours.case_number in page.text
    assert theirs.case_number not in page.text
    assert page.text.count('class="breach"') == 1


def test_a_superuser_sees_the_breaches_of_every_court(client, walk, other_walk, superuser):
    ours, theirs = walk.restricted(), other_walk.restricted()
    breach(ours), breach(theirs)
    client.force_login(superuser)
    page = client.get(PAGE)
    assert ours.case_number in page.text
    assert theirs.case_number in page.text


def test_the_page_says_so_when_nothing_is_broken(client, walk, other_walk, clerk):
    walk.listed()
    breach(other_walk.restricted())  # another court's
    client.force_login(clerk)
    page = client.get(PAGE)
    assert 'id="no-breaches"' in page.text
    assert 'class="breach"' not in page.text


def test_the_page_is_listed_in_the_admin_index_for_court_staff(client, clerk):
    client.force_login(clerk)
    assert PAGE in client.get("/admin/").text


def test_staff_without_a_role_in_any_court_do_not_see_the_page(client):
    client.force_login(UserFactory(username="roleless"))
    assert client.get(PAGE).status_code == 403


def test_the_page_reads_as_many_statements_for_many_breaches_as_for_one(client, walk, clerk):
    client.force_login(clerk)
    breach(walk.restricted())
    client.get(PAGE)  # warm the session and the caches
    with CaptureQueriesContext(connection) as one:
        client.get(PAGE)
    for _ in range(3):
        breach(walk.restricted())
    with CaptureQueriesContext(connection) as four:
        page = client.get(PAGE)
    assert page.text.count('class="breach"') == 4
    assert len(four) == len(one)


def test_the_page_is_in_chinese_for_a_chinese_browser(client, walk, clerk):
    breach(walk.restricted())
    client.force_login(clerk)
    page = client.get(PAGE, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "违反名单规则" in page.text


def test_a_role_is_needed_in_the_court_not_only_staff_status(client, other_court, walk):
    breach(walk.restricted())
    reviewer = UserFactory(username="elsewhere", roles=[(other_court, StaffRole.Role.REVIEWER)])
    client.force_login(reviewer)
    page = client.get(PAGE)
    assert page.status_code == 200
    assert 'class="breach"' not in page.text
