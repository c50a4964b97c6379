"""The record of checks a replica answered (listings.services.check_records): on the primary, or spooled while
it is down and recorded exactly once when it is back. The real primary and standby are driven in
tests/config/test_replicas.py; here the spool itself, on the test database."""

import shutil

import pytest
from django.core.management import call_command
from django.test import RequestFactory
from django.utils import timezone

from config import replicas
from config.errors import Unavailable, server_error
from listings.models import CarrierCheck, SpooledCheckBatch
from listings.services import check_records
from tests.listings.api.conftest import issue_key

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


@pytest.fixture(autouse=True)
def spool(settings, tmp_path, monkeypatch):
    settings.CHECK_SPOOL_DIR = tmp_path / "spool"
    monkeypatch.setattr(replicas, "_primary_down_until", 0.0)
    return tmp_path / "spool"


def _checks(prefix: str, answers=(True, False, None)) -> check_records.Checks:
    return check_records.Checks(
        key=prefix,
        category="air_travel",
        at=timezone.now(),
        hashes=[f"{i:064x}" for i in range(len(answers))],
        answers=list(answers),
    )


def test_with_the_primary_up_checks_are_recorded_at_once_and_nothing_is_spooled(spool):
    key, _ = issue_key()
    check_records.checks_record(_checks(key.prefix))
    assert sorted(CarrierCheck.objects.values_list("restricted", flat=True), key=str) == [False, None, True]
    assert check_records.spooled() == []


def test_with_the_primary_down_checks_wait_in_the_spool_and_are_recorded_once_it_is_back(spool):
    key, _ = issue_key()
    replicas.mark_primary_down()
    check_records.checks_record(_checks(key.prefix))
    check_records.checks_record(_checks(key.prefix, answers=(True,)))
    assert len(check_records.spooled()) == 2
    assert CarrierCheck.objects.count() == 0

    assert check_records.check_spool_flush() == 4
    assert CarrierCheck.objects.count() == 4
    assert CarrierCheck.objects.filter(restricted=True).count() == 2
    assert SpooledCheckBatch.objects.count() == 2
    assert check_records.spooled() == []


def test_a_file_flushed_twice_is_recorded_once(spool, tmp_path):
    # A crash between the flush's commit and the file's deletion leaves the file: the next flush deletes it only.
    key, _ = issue_key()
    path = check_records.spool_write(_checks(key.prefix))
    kept = tmp_path / "kept"
    shutil.copy(path, kept)
    assert check_records.check_spool_flush() == 3
    shutil.copy(kept, path)
    assert check_records.check_spool_flush() == 0
    assert CarrierCheck.objects.count() == 3
    assert check_records.spooled() == []


def test_a_spool_that_cannot_be_written_refuses_the_check_with_a_503(spool, tmp_path, settings):
    key, _ = issue_key()
    (tmp_path / "a-file").write_text("")
    settings.CHECK_SPOOL_DIR = tmp_path / "a-file" / "spool"  # under a file: cannot be made
    replicas.mark_primary_down()
    with pytest.raises(Unavailable) as refused:
        check_records.checks_record(_checks(key.prefix))
    request = RequestFactory().post("/api/v1/checks/")
    try:
        raise refused.value
    except Unavailable:
        response = server_error(request)
    assert response.status_code == 503
    assert response["Retry-After"]
    assert "cannot be recorded" in response.content.decode()


def test_the_command_shows_the_spool_and_flushes_it(spool, capsys):
    key, _ = issue_key()
    call_command("check_spool")
    assert "No checks wait" in capsys.readouterr().out
    check_records.spool_write(_checks(key.prefix))
    call_command("check_spool")
    assert "1 file(s) of checks wait" in capsys.readouterr().out
    call_command("check_spool", "--flush")
    out = capsys.readouterr().out
    assert "Recorded 3 spooled check(s) on the primary." in out
    assert "No checks wait" in out
