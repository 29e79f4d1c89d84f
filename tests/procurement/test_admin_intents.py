"""
The intent admin writes through the services: adding (the operator picks the app), editing and deleting
meet the API's rules (its input validation, the status machine, the duplicate rule), and each refusal is a
form error on a 200 page with the database unchanged, never a 500.
"""
from datetime import UTC, datetime

import pytest
from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry
from django.contrib.admin.utils import quote
from django.urls import reverse

from procurement import admin as procurement_admin
from procurement.models import Intent, IntentStatus
from tests.procurement.conftest import SEED_INTENT

pytestmark = pytest.mark.django_db

ADD_URL = "/admin/procurement/intent/add/"
LIST_URL = "/admin/procurement/intent/"


def change_url(intent_id: str) -> str:
    # Quoted as the admin's own links are: an id like intent_5f… would otherwise unquote to another.
    return reverse("admin:procurement_intent_change", args=[quote(intent_id)])


def add_form(app, **values) -> dict:
    form = {"app": app.pk, "user_id": "user_001", "platform": "TAOBAO",
            "product_url": "https://item.taobao.com/item.htm?id=123456", "title": "", "price": "", "quantity": "1",
            "remark": ""}
    form.update(values)
    return form


def change_form(intent: Intent, **values) -> dict:
    """The change form as the page would post it: every editable field with its current value, then `values`."""
    form = {"user_id": intent.user_id, "platform": intent.platform, "product_url": intent.product_url,
            "title": intent.title or "", "price": "" if intent.price is None else str(intent.price),
            "quantity": str(intent.quantity), "remark": intent.remark or "", "status": intent.status}
    form.update(values)
    return form


def snapshot() -> list[tuple]:
    """Every intent column by column: what a refused write must leave as it was."""
    return list(Intent.objects.order_by("pk").values_list())


def api_intent(signed, **values) -> dict:
    created = signed.post("/api/v1/intents", {**SEED_INTENT, **values})
    assert created.status_code == 201, created.json()
    return created.json()["data"]


def api_move(signed, intent_id, *statuses):
    for status in statuses:
        moved = signed.patch(f"/api/v1/intents/{intent_id}", {"status": status})
        assert moved.status_code == 200, moved.json()


def assert_refused(response, text: str, before: list[tuple]):
    assert response.status_code == 200
    page = response.content.decode()
    assert 'class="errorlist' in page
    assert text in page, page[page.find("errorlist") - 200:page.find("errorlist") + 600]
    assert snapshot() == before


# --- adding ----------------------------------------------------------------------------------------

def test_adding_an_intent_goes_through_the_service_and_is_logged(staff, root, signed, partner_app,
                                                                 django_capture_on_commit_callbacks):
    listed = signed.get("/api/v1/intents").json()["data"]["total"]
    with django_capture_on_commit_callbacks(execute=True):
        response = staff.post(ADD_URL, add_form(partner_app, title="京东手机", price="199.90", quantity="2",
                                                platform="JD"))
    assert response.status_code == 302, response.content.decode()[:3000]
    intent = Intent.objects.get()
    assert (intent.app, intent.user_id, intent.platform, intent.title, str(intent.price), intent.quantity,
            intent.remark, intent.status) == (partner_app, "user_001", "JD", "京东手机", "199.90", 2, None, "SUBMITTED")
    assert intent.id.startswith("intent_") and len(intent.product_url_digest) == 64
    entry = LogEntry.objects.get(object_id=intent.pk)
    assert (entry.user, entry.action_flag) == (root, ADDITION)
    # The service told the API's remembered totals (Redis mode) that the list changed.
    assert signed.get("/api/v1/intents").json()["data"]["total"] == listed + 1
    assert signed.get(f"/api/v1/intents/{intent.id}").json()["data"]["status"] == "SUBMITTED"


def test_the_add_form_has_no_status_to_pick(staff, partner_app):
    page = staff.get(ADD_URL).content.decode()
    assert 'name="status"' not in page
    assert 'name="app"' in page
    response = staff.post(ADD_URL, add_form(partner_app, status="COMPLETED"))
    assert response.status_code == 302
    assert Intent.objects.get().status == IntentStatus.SUBMITTED


@pytest.mark.parametrize("field, wire, value", [
    ("product_url", "productUrl", "ftp://item.taobao.com/1"),
    ("product_url", "productUrl", "not a url"),
    ("price", "price", "0"),
    ("price", "price", "-1.00"),
    ("quantity", "quantity", "0"),
    ("quantity", "quantity", "2147483648"),
])
def test_adding_refuses_what_the_api_refuses_with_the_same_reason(staff, signed, partner_app, field, wire, value):
    payload = dict(SEED_INTENT)
    payload[wire] = int(value) if wire == "quantity" else value
    api = signed.post("/api/v1/intents", payload)
    assert api.status_code == 400
    reason = api.json()["data"]["reason"]
    before = snapshot()
    response = staff.post(ADD_URL, add_form(partner_app, **{field: value}))
    assert_refused(response, reason, before)
    assert not Intent.objects.exists()


def test_adding_a_duplicate_of_an_active_intent_is_a_form_error(staff, signed, partner_app):
    existing = api_intent(signed)
    before = snapshot()
    response = staff.post(ADD_URL, add_form(partner_app))
    assert_refused(response, f"资源已存在:该用户对该商品已有进行中的采购意向({existing['id']})", before)
    assert signed.post("/api/v1/intents", SEED_INTENT).json()["code"] == 40901  # the API's answer to the same


def test_the_same_intent_for_another_app_is_no_duplicate(staff, signed, partner_app, other_app):
    api_intent(signed)
    assert staff.post(ADD_URL, add_form(other_app)).status_code == 302
    assert Intent.objects.filter(app=other_app).count() == 1


# --- editing ---------------------------------------------------------------------------------------

def test_a_completed_intent_cannot_go_back_to_submitted(staff, signed):
    intent_id = api_intent(signed)["id"]
    api_move(signed, intent_id, "PROCESSING", "COMPLETED")
    intent = Intent.objects.get(pk=intent_id)
    before = snapshot()
    response = staff.post(change_url(intent_id), change_form(intent, status="SUBMITTED"))
    assert_refused(response, "状态冲突:状态不能从 COMPLETED 变为 SUBMITTED", before)
    assert not LogEntry.objects.exists()
    api = signed.patch(f"/api/v1/intents/{intent_id}", {"status": "SUBMITTED"})
    assert (api.status_code, api.json()["code"]) == (409, 40902)


def test_a_final_intent_keeps_its_other_fields(staff, signed):
    intent_id = api_intent(signed)["id"]
    api_move(signed, intent_id, "CANCELLED")
    intent = Intent.objects.get(pk=intent_id)
    before = snapshot()
    response = staff.post(change_url(intent_id), change_form(intent, title="改个标题"))
    assert_refused(response, "状态冲突:采购意向已是终态 CANCELLED,除状态外的字段不能修改", before)


def test_reopening_a_cancelled_duplicate_is_a_form_error_not_a_500(staff, signed):
    cancelled = api_intent(signed)["id"]
    api_move(signed, cancelled, "CANCELLED")
    active = api_intent(signed)["id"]  # the same user and URL, active again
    intent = Intent.objects.get(pk=cancelled)
    before = snapshot()
    response = staff.post(change_url(cancelled), change_form(intent, status="SUBMITTED"))
    assert_refused(response, "状态冲突:状态不能从 CANCELLED 变为 SUBMITTED", before)
    assert Intent.objects.get(pk=active).status == "SUBMITTED"


def test_moving_an_active_intent_onto_another_ones_url_is_a_duplicate(staff, signed):
    first = api_intent(signed)["id"]
    second = api_intent(signed, productUrl="https://item.jd.com/2.html")["id"]
    intent = Intent.objects.get(pk=second)
    before = snapshot()
    response = staff.post(change_url(second), change_form(intent, product_url=SEED_INTENT["productUrl"]))
    assert_refused(response, f"资源已存在:该用户对该商品已有进行中的采购意向({first})", before)
    api = signed.patch(f"/api/v1/intents/{second}", {"productUrl": SEED_INTENT["productUrl"]})
    assert (api.status_code, api.json()["code"], api.json()["data"]["id"]) == (409, 40901, first)


def test_editing_refuses_a_bad_url_with_the_api_reason(staff, signed):
    intent_id = api_intent(signed)["id"]
    intent = Intent.objects.get(pk=intent_id)
    before = snapshot()
    response = staff.post(change_url(intent_id), change_form(intent, product_url="javascript:alert(1)"))
    assert_refused(response, "商品链接必须是 http 或 https 地址", before)


def test_an_allowed_edit_is_written_by_the_service_and_logged(staff, root, signed):
    intent_id = api_intent(signed)["id"]
    intent = Intent.objects.get(pk=intent_id)
    response = staff.post(change_url(intent_id), change_form(intent, status="PROCESSING", title="新标题",
                                                             price="12.50"))
    assert response.status_code == 302, response.content.decode()[:3000]
    intent.refresh_from_db()
    assert (intent.status, intent.title, str(intent.price), intent.app.app_id) == (
        "PROCESSING", "新标题", "12.50", "dev_app_local")
    entry = LogEntry.objects.get(object_id=intent_id)
    assert (entry.user, entry.action_flag) == (root, CHANGE)
    message = entry.get_change_message()
    assert message.startswith("已修改") and all(label in message for label in ("标题", "价格", "状态")), message
    assert signed.get(f"/api/v1/intents/{intent_id}").json()["data"]["status"] == "PROCESSING"


def test_saving_an_unchanged_final_intent_is_no_conflict(staff, signed):
    intent_id = api_intent(signed)["id"]
    api_move(signed, intent_id, "PROCESSING", "FAILED")
    intent = Intent.objects.get(pk=intent_id)
    before = snapshot()
    assert staff.post(change_url(intent_id), change_form(intent)).status_code == 302
    assert snapshot() == before


def test_the_app_of_an_intent_cannot_be_changed(staff, signed, other_app):
    intent_id = api_intent(signed)["id"]
    intent = Intent.objects.get(pk=intent_id)
    assert staff.post(change_url(intent_id), {**change_form(intent), "app": other_app.pk}).status_code == 302
    assert Intent.objects.get(pk=intent_id).app.app_id == "dev_app_local"


# --- deleting --------------------------------------------------------------------------------------

def test_the_delete_view_deletes_through_the_service(staff, root, signed, django_capture_on_commit_callbacks):
    intent_id = api_intent(signed)["id"]
    assert signed.get("/api/v1/intents").json()["data"]["total"] == 1
    with django_capture_on_commit_callbacks(execute=True):
        response = staff.post(reverse("admin:procurement_intent_delete", args=[quote(intent_id)]),
                              {"post": "yes"})
    assert response.status_code == 302
    assert not Intent.objects.exists()
    assert LogEntry.objects.get(object_id=intent_id).action_flag == DELETION
    assert signed.get("/api/v1/intents").json()["data"]["total"] == 0
    assert signed.get(f"/api/v1/intents/{intent_id}").json()["code"] == 40401


def test_the_bulk_delete_action_deletes_through_the_service(staff, signed, other_signed,
                                                            django_capture_on_commit_callbacks):
    mine = [api_intent(signed, userId=f"user_{n}")["id"] for n in range(3)]
    theirs = api_intent(other_signed)["id"]
    assert signed.get("/api/v1/intents").json()["data"]["total"] == 3
    with django_capture_on_commit_callbacks(execute=True):
        response = staff.post(LIST_URL, {"action": "delete_selected", "_selected_action": mine[:2],
                                         "post": "yes"})
    assert response.status_code == 302
    assert sorted(Intent.objects.values_list("pk", flat=True)) == sorted([mine[2], theirs])
    assert signed.get("/api/v1/intents").json()["data"]["total"] == 1
    assert LogEntry.objects.filter(action_flag=DELETION).count() == 2


# --- titles and the clock --------------------------------------------------------------------------

def test_an_intent_title_shows_its_creation_in_the_service_clock(staff, signed):
    intent_id = api_intent(signed)["id"]
    Intent.objects.filter(pk=intent_id).update(created_at=datetime(2026, 12, 1, 18, 51, 39, tzinfo=UTC))
    intent = Intent.objects.get(pk=intent_id)
    assert str(intent) == f"{intent_id} (2026-12-02 02:51:39 +0800)"
    page = staff.get(change_url(intent_id)).content.decode()
    assert f"{intent_id} (2026-12-02 02:51:39 +0800)" in page  # the title...
    assert "2026-12-02 02:51:39 +0800" in page.split("</h2>", 1)[-1]  # ...agrees with the creation field


def test_a_bulk_delete_past_the_limit_is_refused(staff, signed, monkeypatch):
    monkeypatch.setattr(procurement_admin, "MAX_BULK_DELETE", 2)
    ids = [api_intent(signed, userId=f"user_{n}")["id"] for n in range(3)]
    before = snapshot()
    response = staff.post(LIST_URL, {"action": "delete_selected", "_selected_action": ids, "post": "yes"})
    assert response.status_code == 200
    assert "一次最多删除 2 个采购意向:请先用过滤或搜索缩小范围。".encode() in response.content
    assert snapshot() == before
    assert staff.post(LIST_URL, {"action": "delete_selected", "_selected_action": ids[:2],
                                 "post": "yes"}).status_code == 302
    assert list(Intent.objects.values_list("pk", flat=True)) == [ids[2]]
