"""manage.py analytics_rebuild_counts: counts recomputed from daily-active rows."""
from datetime import UTC, date, datetime
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from analytics.models import DailyActive, DailyActiveCount, DailyCityCount, DailyProvinceCount

pytestmark = pytest.mark.django_db

SEEN = datetime(2026, 1, 1, tzinfo=UTC)


def load(day, rows):
    DailyActive.objects.bulk_create([
        DailyActive(day=day, install_id=f"install-{n:04d}", province=p, city=c, first_seen_at=SEEN)
        for n, (p, c) in enumerate(rows)])


def run(*args):
    out = StringIO()
    call_command("analytics_rebuild_counts", *args, stdout=out)
    return out.getvalue()


def test_bulk_loaded_actives_get_their_counts():
    load(date(2026, 1, 1), [("广东省", "深圳市"), ("广东省", "广州市"), ("", "")])
    load(date(2026, 1, 3), [("北京市", "北京市")])
    out = run()
    assert "done: 3 days checked from 2026-01-01 to 2026-01-03, changed 2" in out
    assert sorted(DailyActiveCount.objects.values_list("day", "count", "version")) == [
        (date(2026, 1, 1), 3, 1), (date(2026, 1, 3), 1, 1)]
    assert sorted(DailyProvinceCount.objects.values_list("day", "province", "count")) == [
        (date(2026, 1, 1), "广东省", 2), (date(2026, 1, 3), "北京市", 1)]
    assert DailyCityCount.objects.count() == 3


def test_wrong_counts_are_corrected_and_the_version_moves():
    load(date(2026, 1, 1), [("广东省", "深圳市")])
    DailyActiveCount.objects.create(day=date(2026, 1, 1), count=7, version=4)
    DailyProvinceCount.objects.create(day=date(2026, 1, 1), province="上海市", count=2)
    run("--start", "2026-01-01", "--end", "2026-01-01")
    assert DailyActiveCount.objects.values_list("count", "version").get() == (1, 5)
    assert list(DailyProvinceCount.objects.values_list("province", "count")) == [("广东省", 1)]


def test_dry_run_reports_and_changes_nothing():
    load(date(2026, 1, 1), [("广东省", "深圳市")])
    out = run("--dry-run")
    assert "2026-01-01: total 0 -> 1" in out and "would change 1" in out
    assert not DailyActiveCount.objects.exists()


def test_correct_counts_are_left_alone():
    load(date(2026, 1, 1), [("广东省", "深圳市")])
    run()
    assert "changed 0" in run()
    assert DailyActiveCount.objects.get().version == 1


def test_no_actives_is_a_clean_run():
    assert "nothing to rebuild" in run()


@pytest.mark.parametrize("args, message", [
    (["--start", "2026-13-01", "--end", "2026-01-02"], "not a YYYY-MM-DD date"),
    (["--start", "2026-01-05", "--end", "2026-01-02"], "--start is after --end"),
])
def test_bad_input_is_refused(args, message):
    with pytest.raises(CommandError, match=message):
        run(*args)
