"""
The procurement admin in Chinese (app, models, fields, help texts, choices, columns, actions), the App column
by name, and the intents list built for a million rows: no COUNT over the whole table, no date hierarchy, no
facet counts, and searches each served by an index.
"""
import re

import pytest
from django.contrib import admin
from django.contrib.admin.utils import quote
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from core.admin import BoundedPagesPaginator, EstimatedCountPaginator
from procurement.admin import IntentAdmin
from procurement.models import Intent
from tests.procurement.conftest import SEED_INTENT

pytestmark = pytest.mark.django_db

LIST_URL = "/admin/procurement/intent/"


@pytest.fixture
def intents(signed):
    """Three intents of the app, one of them JD and PROCESSING."""
    made = [signed.post("/api/v1/intents", {**SEED_INTENT, "userId": f"user_{n}", "title": f"商品 {n}"}).json()["data"]
            for n in range(3)]
    signed.patch(f"/api/v1/intents/{made[0]['id']}", {"status": "PROCESSING", "platform": "JD"})
    return [intent["id"] for intent in made]


def cells(page: str, column: str) -> list[str]:
    return re.findall(rf'<td class="field-{column}[^"]*">(.*?)</td>', page, re.S)


def test_the_intents_list_speaks_chinese(staff, intents):
    page = staff.get(LIST_URL).content.decode()
    for label in ("采购意向", "应用", "用户 ID", "平台", "状态", "标题", "价格", "创建时间",
                  "JD(京东)", "PDD(拼多多)", "ALIBABA_1688(1688)", "SUBMITTED(已提交)", "CANCELLED(已取消)",
                  "按意向 ID 或用户 ID(完全一致)"):
        assert label in page, label
    assert sorted(cells(page, "status")) == ["PROCESSING(处理中)", "SUBMITTED(已提交)", "SUBMITTED(已提交)"]
    assert "JD(京东)" in cells(page, "platform")
    for english in ("Submitted", "Jd", "Pdd", ">Platform<", ">Status<", "User id"):
        assert english not in page, english


def test_the_app_column_shows_the_name_only(staff, intents, partner_app):
    page = staff.get(LIST_URL).content.decode()
    assert cells(page, "app_name") == ["Acme"] * 3
    assert "dev_app_local" not in "".join(cells(page, "app_name"))


def test_long_titles_are_cut_in_the_list(staff, signed):
    signed.post("/api/v1/intents", {**SEED_INTENT, "title": "很长的标题" * 20})
    [cell] = cells(staff.get(LIST_URL).content.decode(), "short_title")
    assert cell.startswith("很长的标题很长的标题很长") and len(cell) <= 16, cell


def test_the_change_page_speaks_chinese(staff, intents):
    page = staff.get(reverse("admin:procurement_intent_change", args=[quote(intents[0])])).content.decode()
    for label in ("意向 ID", "商品链接", "商品链接摘要", "http 或 https 地址。", "备注", "更新时间",
                  "PROCESSING(处理中)", "COMPLETED(已完成)", "FAILED(已失败)", "新意向总是 SUBMITTED",
                  "采购(合作方接口)"):
        assert label in page, label


def test_the_partner_app_pages_speak_chinese(staff, partner_app):
    listing = staff.get("/admin/procurement/partnerapp/").content.decode()
    for label in ("合作方应用", "名称", "启用", "QPS 上限", "白名单条目", "上一个密钥有效至", "不限",
                  "轮换密钥(旧密钥在宽限期内仍可验签),并显示一次新密钥", "立即作废上一个(已轮换掉的)密钥"):
        assert label in listing, label
    change = staff.get(f"/admin/procurement/partnerapp/{partner_app.pk}/change/").content.decode()
    for label in ("IP 白名单", "IP 或 CIDR,以逗号、空格或换行分隔;留空则允许任何地址。", "停用后,该应用的每个请求都被拒绝",
                  "合作方签名时放在 X-App-Id 中的应用标识"):
        assert label in change, label
    index = staff.get("/admin/").content.decode()
    assert "采购(合作方接口)" in index and "合作方应用" in index


def test_the_api_still_answers_the_wire_values(signed, intents):
    item = signed.get(f"/api/v1/intents/{intents[0]}").json()["data"]
    assert (item["platform"], item["status"]) == ("JD", "PROCESSING")


def _counts(queries) -> list[str]:
    return [q["sql"] for q in queries if re.search(r"\bCOUNT\(", q["sql"], re.I)]


def _whole_table_counts(queries) -> list[str]:
    """COUNTs over procurement_intent with no WHERE: what a million rows cannot afford."""
    return [sql for sql in _counts(queries) if '"procurement_intent"' in sql and " WHERE " not in sql]


@pytest.mark.parametrize("query", ["", "?status__exact=SUBMITTED", "?platform__exact=JD", "?app__id__exact=1",
                                   "?created_at__gte=2026-01-01+00:00:00%2B08:00", "?o=1", "?o=-9", "?q=user_1"])
def test_the_intents_list_never_counts_the_whole_table_twice(staff, intents, query, monkeypatch):
    # At production size the paginator estimates; here the table is small, so make it estimate too.
    monkeypatch.setattr(EstimatedCountPaginator, "EXACT_BELOW", 0)
    with CaptureQueriesContext(connection) as captured:
        response = staff.get(LIST_URL + query)
    assert response.status_code == 200
    queries = captured.captured_queries
    assert not [q for q in queries if re.search(r"\b(MIN|MAX)\(", q["sql"])]  # no date hierarchy
    if connection.vendor == "postgresql":
        assert not _whole_table_counts(queries), _whole_table_counts(queries)
        assert not [sql for sql in _counts(queries) if "procurement_intent" in sql]
        assert [q for q in queries if q["sql"].startswith("EXPLAIN (FORMAT JSON)")]
    else:
        # SQLite has no planner estimate: one count of the result, never the second "N total" count.
        assert len([sql for sql in _counts(queries) if "procurement_intent" in sql]) == 1


def test_the_list_offers_no_facet_counts(staff, intents):
    with CaptureQueriesContext(connection) as captured:
        page = staff.get(LIST_URL + "?_facets=True").content.decode()
    assert "显示计数" not in page
    assert len([sql for sql in _counts(captured.captured_queries) if "procurement_intent" in sql]) <= 1


def test_only_indexed_columns_sort(staff, intents):
    page = staff.get(LIST_URL).content.decode()
    sortable = re.findall(r'<th scope="col" class="sortable[^"]*column-(\w+)', page)
    assert sorted(sortable) == ["created_at", "id"]


@pytest.mark.parametrize("term, found", [
    ("user_1", [1]),            # user id, exactly
    ("USER_1", []),             # ... not case-folded: the B-tree serves exact matches
    ("user_", []),              # ... nor a prefix
    ("商品 2", [2]),             # title contains
    (SEED_INTENT["productUrl"], [0, 1, 2]),  # a whole product URL, by its digest
    ("item.taobao.com", []),    # ... not a part of it
])
def test_search(staff, intents, term, found):
    page = staff.get(LIST_URL, {"q": term}).content.decode()
    shown = {intent_id for intent_id in intents if intent_id in page}
    assert shown == {intents[n] for n in found}


def test_search_by_intent_id(staff, intents):
    page = staff.get(LIST_URL, {"q": intents[1]}).content.decode()
    assert [intent_id for intent_id in intents if intent_id in page] == [intents[1]]


def test_the_created_at_filter_answers_days_not_a_hierarchy(staff, intents):
    page = staff.get(LIST_URL).content.decode()
    assert 'class="xfull"' not in page  # date_hierarchy's bar
    assert "今天" in page and "过去7天" in page
    today = staff.get(LIST_URL, {"created_at__gte": "2000-01-01 00:00:00+08:00"}).content.decode()
    assert all(intent_id in today for intent_id in intents)
    assert Intent.objects.count() == 3


def test_page_links_stop_before_the_deep_offsets(staff, intents, monkeypatch):
    monkeypatch.setattr(IntentAdmin, "list_per_page", 1)
    monkeypatch.setattr(BoundedPagesPaginator, "MAX_PAGES", 2)
    page = staff.get(LIST_URL).content.decode()
    assert 'href="?p=2"' in page and 'href="?p=3"' not in page
    assert staff.get(LIST_URL, {"p": 2}).status_code == 200
    too_deep = staff.get(LIST_URL, {"p": 3})
    assert (too_deep.status_code, too_deep["Location"]) == (302, LIST_URL + "?e=1")


DEFAULT_ORDER = '"procurement_intent"."created_at" DESC, "procurement_intent"."id" DESC'


@pytest.mark.parametrize("order, expected", [
    ("6", DEFAULT_ORDER), ("-6", DEFAULT_ORDER), ("5", DEFAULT_ORDER), ("3", DEFAULT_ORDER),
    # the sortable column kept, the other one dropped
    ("4.1", '"procurement_intent"."id" ASC, "procurement_intent"."created_at" DESC'),
])
def test_a_hand_made_sort_on_another_column_is_ignored(staff, intents, order, expected):
    with CaptureQueriesContext(connection) as captured:
        assert staff.get(LIST_URL, {"o": order}).status_code == 200
    [listing] = [q["sql"] for q in captured.captured_queries if q["sql"].startswith('SELECT "procurement_intent"."id"')]
    assert listing.split("ORDER BY", 1)[1].split("LIMIT")[0].strip() == expected


def test_the_row_checkbox_is_djangos_markup(intents):
    intent = Intent.objects.get(pk=intents[0])
    model_admin = admin.site._registry[Intent]
    with translation.override("zh-hans"):
        assert model_admin.action_checkbox(intent) == admin.ModelAdmin.action_checkbox(model_admin, intent)
