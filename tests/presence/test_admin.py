"""
Snapshots in Django admin: a read-only list filtered by service-time-zone day, in
Chinese, titles with the offset, and no page that scans the history.
"""
from datetime import UTC, datetime

import pytest
from django.contrib.auth import get_user_model

from presence.models import PresenceSnapshot
from tests.support.admin_pages import (
    assert_no_table_scans, get_with_queries, page_text, result_rows, sortable_columns,
)

pytestmark = pytest.mark.django_db

URL = "/admin/presence/presencesnapshot/"


@pytest.fixture
def admin_client(client, settings):
    settings.TIME_ZONE = "Asia/Shanghai"
    get_user_model().objects.create_superuser("root", "pw-root-123")
    client.login(username="root", password="pw-root-123")
    return client


@pytest.fixture
def snapshots():
    """12:00 UTC on Jan 1 and 2 (20:00 in Shanghai), and 16:30 UTC on Jan 1, which is 00:30 on Jan 2 there."""
    made = [PresenceSnapshot.objects.create(minute=minute, count=count, window_seconds=180,
                                            taken_at=minute.replace(second=1))
            for minute, count in [(datetime(2026, 1, 1, 12, 0, tzinfo=UTC), 41),
                                  (datetime(2026, 1, 2, 12, 0, tzinfo=UTC), 42),
                                  (datetime(2026, 1, 1, 16, 30, tzinfo=UTC), 43)]]
    return made


def counts(response) -> list[str]:
    return [row["count"] for row in result_rows(response)]


def test_operators_list_snapshots_by_local_day_and_cannot_change_them(admin_client, snapshots):
    assert counts(admin_client.get(URL)) == ["42", "43", "41"]  # newest minute first
    # Shanghai days: Jan 2 holds 00:30 (16:30 UTC on Jan 1) and 20:00; Jan 1 only its 20:00.
    assert counts(admin_client.get(URL, {"day": "2026-01-02"})) == ["42", "43"]
    assert counts(admin_client.get(URL, {"day": "2026-01-01"})) == ["41"]
    response = admin_client.get(URL, {"day": "Jan 2"})
    assert response.status_code == 302 and response["Location"].endswith("?e=1")
    snapshot = snapshots[0]
    assert admin_client.get(f"{URL}add/").status_code == 403
    assert admin_client.post(f"{URL}{snapshot.pk}/change/", {"count": 1}).status_code == 403
    assert admin_client.post(f"{URL}{snapshot.pk}/delete/", {"post": "yes"}).status_code == 403
    assert sorted(PresenceSnapshot.objects.values_list("count", flat=True)) == [41, 42, 43]


def test_the_snapshot_pages_speak_chinese(admin_client, snapshots):
    assert " 在线数快照 " in page_text(admin_client.get("/admin/presence/"))
    listing = page_text(admin_client.get(URL))
    assert "选择在线数快照查看" in listing and "以 日期(服务时区 Asia/Shanghai) " in listing and "以 分钟 " in listing
    for header in ("分钟", "在线数", "窗口(秒)", "采集时间"):
        assert f" {header} " in listing
    page = page_text(admin_client.get(f"{URL}{snapshots[0].pk}/change/"))
    for label in ("分钟:", "在线数:", "窗口(秒):", "采集时间:"):
        assert label in page
    assert "该分钟按默认窗口统计的在线安装数。" in page


def test_a_snapshot_title_and_its_fields_show_one_clock_with_the_offset(admin_client, snapshots):
    assert str(snapshots[2]) == "2026-01-02 00:30:00 +0800: 43"
    body = admin_client.get(f"{URL}{snapshots[2].pk}/change/").content.decode()
    assert "<h2>2026-01-02 00:30:00 +0800: 43</h2>" in body
    assert '<div class="readonly">2026-01-02 00:30:00 +0800</div>' in body  # the minute field
    assert '<div class="readonly">2026-01-02 00:30:01 +0800</div>' in body  # taken_at


def test_snapshots_sort_by_minute_only(admin_client, snapshots):
    response = admin_client.get(URL)
    assert sortable_columns(response) == ["minute"]
    assert counts(admin_client.get(URL, {"o": "0"})) == ["41", "43", "42"]  # minute ascending
    assert counts(admin_client.get(URL, {"o": "1"})) == ["42", "43", "41"]  # by count: not offered, ignored


@pytest.mark.parametrize("params, rows", [
    ({}, 3),
    ({"day": "2026-01-02"}, 2),
    ({"minute__gte": "2026-01-02 00:00:00+08:00", "minute__lt": "2026-01-03 00:00:00+08:00"}, 2),
])
def test_the_snapshot_list_counts_by_estimate_and_has_no_date_hierarchy(admin_client, snapshots, monkeypatch,
                                                                        params, rows):
    response, sqls = get_with_queries(admin_client, monkeypatch, URL, params)
    assert len(result_rows(response)) == rows
    assert_no_table_scans(sqls)  # a date hierarchy reads MIN/MAX and the DISTINCT dates of the history
    assert "_facets" not in response.content.decode()
