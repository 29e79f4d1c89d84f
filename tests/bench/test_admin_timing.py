"""
bench/admin_timing.py on a tiny data set: it finds the admin's pages from the
registry, times them through the real stack, and fails on a slow or broken page.
"""
from datetime import timedelta
from decimal import Decimal

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import timezone
import pytest

from accounts.models import StatusChangeBatch
from analytics.models import DailyActive, DailyActiveCount, Event
from bench import admin_timing
from presence.models import PresenceSnapshot
from procurement.models import Intent
from procurement.services import partner_app_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def tiny_data():
    """A few rows in every table the admin lists, as the bench loader makes them."""
    now = timezone.now().replace(microsecond=0)
    app, _ = partner_app_create(name="Timing app", app_id="timing_app")
    for n in range(3):
        Intent.objects.create(app=app, user_id=f"user_{n}", platform="JD", product_url=f"https://item.jd.com/{n}.html",
                              title=f"item {n}", price=Decimal("9.90"), status="SUBMITTED")
    User = get_user_model()
    staff = User.objects.create_user("zhang_wei_1", nickname="张伟", real_name="张伟", email="zhang.wei1@qq.com",
                                     phone="13800000001", is_staff=True)
    User.objects.create_user("li_na_2", nickname="小娜", phone="13900000002")
    StatusChangeBatch.objects.create(actor=staff, actor_label=staff.username, source="admin", status="inactive",
                                     requested_count=1, changed_count=1, changed_ids=[2])
    Event.objects.create(event_name="app_session_start", install_id="inst_0000001", event_id="e-1", client_ts=now,
                         received_at=now, day=timezone.localdate(now), properties={"province": "广东"})
    DailyActive.objects.create(day=timezone.localdate(now), install_id="inst_0000001", first_seen_at=now)
    DailyActiveCount.objects.create(day=timezone.localdate(now), count=1, version=1)
    for minute in range(3):
        at = now.replace(second=0) - timedelta(minutes=minute)
        PresenceSnapshot.objects.create(minute=at, count=10 + minute, window_seconds=180, taken_at=at)
    return {"app": app, "staff": staff}


def _pages():
    recorder = admin_timing.SqlRecorder()
    client = admin_timing.make_client(admin_timing.admin_user())
    return client, recorder, admin_timing.discover_all(client, None, recorder)


def test_discovery_finds_each_admins_change_list_filters_searches_sorts_and_forms(tiny_data):
    client, recorder, pages = _pages()
    names = {(page.admin, page.name) for page in pages}
    assert ("admin", "index") in names
    for model, model_admin in admin.site._registry.items():
        label = model._meta.label_lower
        assert (label, "change list") in names
        mine = [page for page in pages if page.admin == label]
        if model_admin.list_filter:
            assert any(page.name.startswith("filter ") for page in mine), label
        for search_field in model_admin.search_fields:
            # One search per field that holds a value somewhere (the fixture fills every searched field
            # of the models it has rows for).
            if model._default_manager.exists():
                assert admin_timing.search_term(model, search_field) is not None, (label, search_field)
                assert (label, f"search {search_field}") in names, (label, search_field)
        if model._default_manager.exists():
            assert (label, "change form") in names, label
    # A search carries a value from the data: the newest user's username (the sign-in user itself).
    newest = get_user_model().objects.order_by("-pk").first()
    username_search = next(page for page in pages if page.admin == "accounts.user" and page.name == "search username")
    assert username_search.url == f"/admin/accounts/user/?q={newest.username}"
    # Both directions of every sortable column, by its index in the list.
    user_sorts = [page.url for page in pages if page.admin == "accounts.user" and page.name.startswith("sort ")]
    assert len(user_sorts) >= 2 and len(user_sorts) % 2 == 0
    assert any(url.endswith("?o=-1") for url in user_sorts) and any(url.endswith("?o=1") for url in user_sorts)
    # The filters' own choices: the first two of a choice filter, the date filter's today / past 7 days.
    batch_filters = [page.url for page in pages if page.admin == "accounts.statuschangebatch"
                     and page.name.startswith("filter ")]
    assert any("source__exact=" in url for url in batch_filters)
    # The add form only where adding is allowed: never for the read-only event log.
    assert ("analytics.event", "add form") not in names
    assert ("accounts.user", "add form") in names


def test_one_timing_pass_reports_every_page_and_fails_only_over_the_budget(tiny_data, tmp_path):
    out = tmp_path / "timing.md"
    # One app and one model keep the pass short; discovery over every admin is the test above.
    assert admin_timing.main(["--repeat", "1", "--budget-ms", "60000", "--only", "procurement,statuschangebatch",
                              "--output", str(out)]) == 0
    report = out.read_text()
    assert "| page | URL | median ms | max ms | queries | slowest SQL ms | status |" in report
    assert "/admin/analytics/" not in report and "/admin/accounts/user/" not in report
    assert "| admin app index accounts | `/admin/accounts/` |" in report
    for model in admin.site._registry:
        opts = model._meta
        if opts.app_label != "procurement" and opts.model_name != "statuschangebatch":
            continue
        start = f"| {opts.label_lower} change list | `/admin/{opts.app_label}/{opts.model_name}/`"
        row = next(line for line in report.splitlines() if line.startswith(start))
        assert row.endswith("| 200 |"), row
    assert ", 0 failing" in report

    # The same pages with no time to spare: every one is over the budget, and the run fails.
    assert admin_timing.main(["--repeat", "1", "--budget-ms", "0", "--only", "procurement.partnerapp",
                              "--output", str(out)]) == 1
    report = out.read_text()
    assert "over budget" in report and "/admin/procurement/intent/" not in report
    assert "### Slowest statement of each failing page" in report

    assert admin_timing.main(["--only", "no_such_admin", "--output", str(out)]) == 2


def test_a_redirecting_page_fails_and_names_where_it_went(tiny_data):
    client, recorder, _ = _pages()
    page = admin_timing.Page("procurement.intent", "bad filter", "/admin/procurement/intent/?no_such_field=1")
    result = admin_timing.measure(client, page, 1, 60000, recorder)
    assert result.status == 302
    assert result.failed(60000)
    assert result.error == "redirect to /admin/procurement/intent/?e=1"

    # Signed out, the admin answers with its login page: a failure too, not a fast page.
    client.logout()
    result = admin_timing.measure(client, admin_timing.Page("admin", "index", "/admin/"), 1, 60000, recorder)
    assert result.status == 302 and result.failed(60000)
    assert result.error == "redirect to /admin/login/?next=/admin/"


def test_writes_are_refused_while_a_page_is_timed(tiny_data):
    recorder = admin_timing.SqlRecorder()
    user = tiny_data["staff"]
    with connection.execute_wrapper(recorder):
        with pytest.raises(admin_timing.WriteRefused), transaction.atomic():
            get_user_model().objects.filter(pk=user.pk).update(nickname="changed")
        recorder.reset()
        assert get_user_model().objects.filter(pk=user.pk).count() == 1
    user.refresh_from_db()
    assert user.nickname == "张伟"
    assert recorder.count == 1 and recorder.slowest_sql.startswith("SELECT COUNT(*)")
