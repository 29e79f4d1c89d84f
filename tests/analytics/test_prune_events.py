"""manage.py analytics_prune_events: retention of raw events, in batches."""
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from analytics.models import DailyActiveCount, Event
from core.timeutil import utc_now
from tests.analytics.helpers import event, post_batch

pytestmark = pytest.mark.django_db


@pytest.fixture
def aged(api):
    """25 events: 10 received 200 days ago, 5 received 100 days ago, 10 today."""
    post_batch(api, [event(install=f"install-{n:04d}") for n in range(25)])
    ids = list(Event.objects.order_by("id").values_list("id", flat=True))
    Event.objects.filter(id__in=ids[:10]).update(received_at=utc_now() - timedelta(days=200))
    Event.objects.filter(id__in=ids[10:15]).update(received_at=utc_now() - timedelta(days=100))
    return ids


def run(*args):
    out, err = StringIO(), StringIO()
    call_command("analytics_prune_events", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_events_older_than_the_default_retention_are_deleted_in_batches(aged):
    out, _ = run("--batch-size", "4")
    assert Event.objects.count() == 15
    assert not Event.objects.filter(id__in=aged[:10]).exists()
    assert "(180 days)" in out
    assert "batch 1: deleted 4 (total 4)" in out and "batch 3: deleted 2 (total 10)" in out
    assert "done: deleted 10 events in 3 batches" in out


def test_days_narrows_the_retention(aged):
    out, _ = run("--days", "90")
    assert Event.objects.count() == 10
    assert "done: deleted 15 events in 1 batches" in out


def test_dry_run_counts_and_deletes_nothing(aged):
    out, _ = run("--days", "90", "--dry-run")
    assert "dry run: 15 events would be deleted" in out
    assert Event.objects.count() == 25


def test_max_batches_stops_early_and_says_so(aged):
    out, _ = run("--batch-size", "3", "--max-batches", "2")
    assert Event.objects.count() == 19
    assert "more remain" in out


def test_daily_actives_are_kept(aged):
    run("--days", "1")
    assert DailyActiveCount.objects.get().count == 25


def test_nothing_to_delete_is_a_clean_run(api):
    out, _ = run()
    assert "done: deleted 0 events in 0 batches" in out


@pytest.mark.parametrize("args, message", [
    (["--days", "0"], "--days must be at least 1"),
    (["--days", "-5"], "--days must be at least 1"),
    (["--batch-size", "0"], "--batch-size must be between 1 and 100000"),
    (["--batch-size", "100001"], "--batch-size must be between 1 and 100000"),
    (["--max-batches", "0"], "--max-batches must be at least 1"),
])
def test_bad_input_is_refused(args, message):
    with pytest.raises(CommandError, match=message):
        run(*args)


def test_bad_input_exits_non_zero_from_the_shell():
    import subprocess
    import sys

    from tests.support.live import ROOT

    result = subprocess.run([sys.executable, "manage.py", "analytics_prune_events", "--days", "abc"],
                            cwd=ROOT, capture_output=True, text=True)
    assert result.returncode != 0
    assert "invalid int value" in result.stderr


def test_a_retention_inside_the_late_event_window_warns(aged):
    _, err = run("--days", "10", "--dry-run")
    assert "late events are still accepted" in err
