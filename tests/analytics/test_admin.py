"""
Django admin: events are read-only and filter by name and day; daily actives are listed;
labels are Chinese, times carry the offset, and no page scans a table.
"""
from datetime import UTC, date, datetime, timedelta
import re

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from django.utils.formats import date_format

from analytics.admin import EventAdmin
from analytics.models import DailyActive, DailyActiveCount, DailyCityCount, DailyProvinceCount, Event
from core.admin import BoundedPagesPaginator
from tests.analytics.helpers import event, local_midnight, post_batch
from tests.support.admin_pages import (
    assert_no_table_scans, get_with_queries, page_text, result_rows, sortable_columns,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):
    admin = get_user_model().objects.create_superuser(username="root", password="root-pass-1")
    client.force_login(admin)
    return client


@pytest.fixture
def stored(api):
    ts = int((local_midnight(1) + timedelta(hours=10)).timestamp())
    post_batch(api, [
        event(name="user_login", install="install-0001", ts=ts, properties={"province": "广东省", "city": "深圳市"}),
        event(name="app_session_start", install="install-0002", ts=ts),
    ])


def test_events_are_listed_and_filtered_by_name(staff_client, stored):
    response = staff_client.get("/admin/analytics/event/")
    assert response.status_code == 200
    assert b"install-0001" in response.content and b"install-0002" in response.content
    response = staff_client.get("/admin/analytics/event/", {"event_name": "user_login"})
    assert b"install-0001" in response.content and b"install-0002" not in response.content


def test_events_are_filtered_by_received_day(staff_client, stored):
    # The day the server received the batch, read from the row (not "today" read again later).
    received = timezone.localtime(Event.objects.get(install_id="install-0001").received_at).date()
    response = staff_client.get("/admin/analytics/event/", {"received_day": received.isoformat()})
    assert b"install-0001" in response.content
    response = staff_client.get("/admin/analytics/event/", {"received_day": (received - timedelta(days=1)).isoformat()})
    assert response.status_code == 200
    assert b"install-0001" not in response.content


def test_events_cannot_be_added_changed_or_deleted(staff_client, stored):
    pk = Event.objects.first().pk
    assert staff_client.get("/admin/analytics/event/add/").status_code == 403
    response = staff_client.post(f"/admin/analytics/event/{pk}/change/", {"event_name": "changed"})
    assert response.status_code == 403
    assert staff_client.post(f"/admin/analytics/event/{pk}/delete/", {"post": "yes"}).status_code == 403
    assert Event.objects.filter(pk=pk).exists()
    assert not Event.objects.filter(event_name="changed").exists()


def test_daily_actives_and_counts_are_listed(staff_client, stored):
    with translation.override(settings.LANGUAGE_CODE):  # the admin renders in the service language
        day = date_format(local_midnight(1).date())  # the day of the stored events, as the admin shows it
    actives = result_rows(staff_client.get("/admin/analytics/dailyactive/"))
    assert sorted((row["day"], row["install_id"], row["province"], row["city"]) for row in actives) == [
        (day, "install-0001", "广东省", "深圳市"), (day, "install-0002", "-", "-")]  # "-": no place
    assert result_rows(staff_client.get("/admin/analytics/dailyactivecount/")) == [{"day": day, "count": "2"}]
    assert result_rows(staff_client.get("/admin/analytics/dailyprovincecount/")) == [
        {"day": day, "province": "广东省", "count": "1"}]
    assert result_rows(staff_client.get("/admin/analytics/dailycitycount/")) == [
        {"day": day, "city": "深圳市", "count": "1"}]


def test_events_and_daily_actives_are_searched_by_exact_install_id(staff_client, stored):
    response = staff_client.get("/admin/analytics/event/", {"q": "install-0002"})
    assert b"install-0002" in response.content and b"install-0001" not in response.content
    response = staff_client.get("/admin/analytics/dailyactive/", {"q": "install-0001"})
    assert b"install-0001" in response.content and b"install-0002" not in response.content
    # Exact, as the index on install_id compares: installIds differing in case are other installs.
    assert result_rows(staff_client.get("/admin/analytics/event/", {"q": "INSTALL-0002"})) == []
    assert result_rows(staff_client.get("/admin/analytics/dailyactive/", {"q": "Install-0001"})) == []


def test_a_daily_active_page_shows_when_its_place_was_named(staff_client, stored):
    row = DailyActive.objects.get(install_id="install-0001")
    response = staff_client.get(f"/admin/analytics/dailyactive/{row.pk}/change/")
    assert response.status_code == 200
    fields = re.findall(r'<div class="form-row field-([a-z_]+)', response.content.decode())
    assert fields == ["day", "install_id", "province", "city", "first_seen_at", "province_seen_at", "city_seen_at"]
    # Written by the ingest with the counts, never by hand: the page has nothing to save.
    assert staff_client.post(f"/admin/analytics/dailyactive/{row.pk}/change/", {"province": "浙江省"}).status_code == 403
    assert DailyActive.objects.get(pk=row.pk).province == "广东省"


# A fixed instant: 18:51:39 UTC on Dec 1 is 02:51:39 on Dec 2 in Asia/Shanghai.
CLIENT_TS = datetime(2026, 12, 1, 18, 51, 39, tzinfo=UTC)
RECEIVED_AT = datetime(2026, 12, 1, 16, 30, tzinfo=UTC)  # 00:30 on Dec 2 in Asia/Shanghai


@pytest.fixture
def shanghai(settings):
    settings.TIME_ZONE = "Asia/Shanghai"


@pytest.fixture
def logged(shanghai):
    """Two events of one install, the later id with the earlier client time, and a day's counts."""
    first = Event.objects.create(event_name="user_login", install_id="install-0009", client_ts=CLIENT_TS,
                                 received_at=RECEIVED_AT, day=date(2026, 12, 2), event_id="e-1")
    Event.objects.create(event_name="app_session_start", install_id="install-0009", event_id="e-2",
                         client_ts=CLIENT_TS - timedelta(hours=1), received_at=RECEIVED_AT - timedelta(hours=1),
                         day=date(2026, 12, 2))
    DailyActive.objects.create(day=date(2026, 12, 2), install_id="install-0009", province="广东省", city="深圳市",
                               first_seen_at=CLIENT_TS)
    DailyActiveCount.objects.create(day=date(2026, 12, 2), count=1)
    DailyProvinceCount.objects.create(day=date(2026, 12, 2), province="广东省", count=1)
    DailyCityCount.objects.create(day=date(2026, 12, 2), city="深圳市", count=1)
    return first


def test_the_analytics_pages_speak_chinese(staff_client, logged):
    index = page_text(staff_client.get("/admin/"))
    assert "分析(事件与日活) " in index and "在线状态 " in index
    for name in ("事件", "日活安装", "每日日活数", "每日省份日活数", "每日城市日活数", "在线数快照"):
        assert f" {name} " in index
    listing = page_text(staff_client.get("/admin/analytics/event/"))
    assert "选择事件查看" in listing
    assert "以 事件名称 " in listing and "以 接收日期(服务时区 Asia/Shanghai) " in listing
    assert " user_login(用户登录) " in listing and " app_session_start(应用会话开始) " in listing
    for header in ("事件名称", "安装 ID", "用户 ID", "事件 ID", "客户端时间", "接收时间"):
        assert f" {header} " in listing
    page = page_text(staff_client.get(f"/admin/analytics/event/{logged.pk}/change/"))
    for label in ("事件名称:", "客户端时间:", "接收时间:", "统计日:", "属性:"):
        assert label in page
    assert "客户端时钟(clientTs)。" in page and "clientTs 在服务时区的日期" in page
    active = DailyActive.objects.get()
    page = page_text(staff_client.get(f"/admin/analytics/dailyactive/{active.pk}/change/"))
    for label in ("日期:", "安装 ID:", "省份:", "城市:", "首次出现时间:", "省份来源时间:", "城市来源时间:"):
        assert label in page
    for url in ("dailyactivecount", "dailyprovincecount", "dailycitycount"):
        assert " 日活数 " in page_text(staff_client.get(f"/admin/analytics/{url}/"))


def test_permissions_are_named_in_chinese_on_the_group_page(staff_client):
    page = page_text(staff_client.get("/admin/auth/group/add/"))
    for name in ("可以查看事件", "可以增加日活安装", "可以删除在线数快照", "可以修改组", "可以查看会话"):
        assert name in page
    assert "Can add" not in page and "Can view" not in page


def test_an_event_title_and_its_fields_show_one_clock_with_the_offset(staff_client, logged):
    assert str(logged) == "user_login install-0009 2026-12-02 02:51:39 +0800"
    response = staff_client.get(f"/admin/analytics/event/{logged.pk}/change/")
    body = response.content.decode()
    assert "<h2>user_login install-0009 2026-12-02 02:51:39 +0800</h2>" in body
    fields = dict(re.findall(r'<div class="form-row field-([a-z_]+).*?<div class="readonly">(.*?)</div>', body, re.S))
    assert fields["client_ts"] == "2026-12-02 02:51:39 +0800"
    assert fields["received_at"] == "2026-12-02 00:30:00 +0800"


def test_the_received_day_filter_cuts_days_in_the_service_time_zone(staff_client, logged):
    # Received at 16:30 UTC on Dec 1: that is Dec 2 in Asia/Shanghai.
    rows = result_rows(staff_client.get("/admin/analytics/event/", {"received_day": "2026-12-02"}))
    assert [row["event_id"] for row in rows] == ["e-1"]  # the other one arrived at 23:30 on Dec 1
    rows = result_rows(staff_client.get("/admin/analytics/event/", {"received_day": "2026-12-01"}))
    assert [row["event_id"] for row in rows] == ["e-2"]
    # A malformed day is answered as Django answers any malformed filter value: the list again, with ?e=1.
    response = staff_client.get("/admin/analytics/event/", {"received_day": "not-a-day"})
    assert response.status_code == 302 and response["Location"].endswith("?e=1")


@pytest.fixture
def longer_log(shanghai):
    """
    An event every 5 hours over 6 days, ids in receive order but for a pair swapped
    within seconds (two batches inserted in the other order than they arrived): the receive times.
    """
    start = datetime(2026, 11, 20, 16, 0, tzinfo=UTC)  # midnight Nov 21 in Shanghai
    times = [start + timedelta(hours=5 * n) for n in range(29)]
    times[10], times[11] = times[11] - timedelta(seconds=3), times[10]
    for n, received in enumerate(times):
        Event.objects.create(event_name="user_login", install_id="install-0100", event_id=f"e-{n:02d}",
                             client_ts=received, received_at=received, day=timezone.localdate(received))
    return times


def test_the_received_day_filter_finds_each_day_of_a_longer_log(staff_client, longer_log):
    times = longer_log
    for day in (date(2026, 11, 20), date(2026, 11, 21), date(2026, 11, 23), date(2026, 11, 26), date(2026, 11, 27)):
        expected = sorted((f"e-{n:02d}" for n, received in enumerate(times) if timezone.localdate(received) == day),
                          reverse=True)
        rows = result_rows(staff_client.get("/admin/analytics/event/", {"received_day": day.isoformat()}))
        assert [row["event_id"] for row in rows] == expected, day
    # The swapped pair lies on Nov 23 (50 and 55 hours after the first): oldest id first when asked.
    rows = result_rows(staff_client.get("/admin/analytics/event/", {"received_day": "2026-11-23", "o": "0"}))
    assert [row["event_id"] for row in rows] == ["e-10", "e-11", "e-12", "e-13", "e-14"]


def test_page_links_stop_before_offsets_get_expensive(staff_client, longer_log, monkeypatch):
    monkeypatch.setattr(EventAdmin, "list_per_page", 10)
    monkeypatch.setattr(BoundedPagesPaginator, "MAX_PAGES", 2)  # 29 events: 3 pages of 10 without the bound
    response = staff_client.get("/admin/analytics/event/", {"p": "2"})
    assert [row["event_id"] for row in result_rows(response)] == [f"e-{n:02d}" for n in range(18, 8, -1)]
    assert response.context["cl"].paginator.num_pages == 2
    assert "?p=3" not in response.content.decode()
    response = staff_client.get("/admin/analytics/event/", {"p": "3"})
    assert response.status_code == 302 and response["Location"].endswith("?e=1")


def test_a_deep_page_reads_its_ids_first_then_its_rows_in_the_list_order(staff_client, longer_log, monkeypatch):
    monkeypatch.setattr(EventAdmin, "list_per_page", 10)
    monkeypatch.setattr(BoundedPagesPaginator, "DEFERRED_FROM", 10)  # from page 2 on
    for params, expected in [({"p": "2"}, range(18, 8, -1)), ({"p": "2", "o": "0"}, range(10, 20)),
                             ({"p": "3", "o": "0"}, range(20, 29))]:
        with CaptureQueriesContext(connection) as queries:
            rows = result_rows(staff_client.get("/admin/analytics/event/", params))
        assert [row["event_id"] for row in rows] == [f"e-{n:02d}" for n in expected]
        page_reads = [query["sql"] for query in queries.captured_queries if "OFFSET" in query["sql"]]
        assert len(page_reads) == 1 and page_reads[0].startswith('SELECT "analytics_event"."id" AS "pk" FROM')


def test_events_sort_by_id_only_whatever_the_url_asks(staff_client, logged):
    response = staff_client.get("/admin/analytics/event/")
    assert sortable_columns(response) == ["id"]
    assert [row["event_id"] for row in result_rows(response)] == ["e-2", "e-1"]  # newest id first
    # ?o=5 would order by client_ts (no index) and put e-2 last: ignored, the list stays in id order.
    response = staff_client.get("/admin/analytics/event/", {"o": "5"})
    assert [row["event_id"] for row in result_rows(response)] == ["e-2", "e-1"]
    response = staff_client.get("/admin/analytics/event/", {"o": "0"})  # id ascending
    assert [row["event_id"] for row in result_rows(response)] == ["e-1", "e-2"]
    assert sortable_columns(staff_client.get("/admin/analytics/dailyactive/")) == []


@pytest.mark.parametrize("url, params, rows", [
    ("/admin/analytics/event/", {}, 2),
    ("/admin/analytics/event/", {"event_name": "user_login"}, 1),
    ("/admin/analytics/event/", {"received_day": "2026-12-02"}, 1),
    ("/admin/analytics/event/", {"q": "install-0009", "event_name": "app_session_start"}, 1),
    ("/admin/analytics/dailyactive/", {}, 1),
    ("/admin/analytics/dailyactive/", {"q": "install-0009"}, 1),
    ("/admin/analytics/dailyactive/", {"day__gte": "2026-12-02", "day__lt": "2026-12-03"}, 1),
    ("/admin/analytics/dailyactivecount/", {}, 1),
    ("/admin/analytics/dailyprovincecount/", {"q": "广东省"}, 1),
    ("/admin/analytics/dailycitycount/", {"q": "深圳市", "day__gte": "2026-12-03"}, 0),
])
def test_change_lists_count_by_estimate_and_scan_nothing(staff_client, logged, monkeypatch, url, params, rows):
    response, sqls = get_with_queries(staff_client, monkeypatch, url, params)
    assert len(result_rows(response)) == rows
    assert_no_table_scans(sqls)
    assert "_facets" not in response.content.decode()  # no "显示计数": a COUNT per filter choice
