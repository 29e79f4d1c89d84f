"""GET /api/v1/admin/users/search and POST /api/v1/admin/users/batch-status (seed 002 §3)."""
from datetime import timedelta

import pytest

from accounts.models import StatusChangeBatch, User
from accounts.services import user_batch_set_status
from accounts.tokens import token_issue
from core.exceptions import ServiceError
from tests.accounts.conftest import bearer, grant, make_user, post_json
from tests.support.assertions import assert_accounts_error, assert_accounts_ok

pytestmark = pytest.mark.django_db

SEARCH = "/api/v1/admin/users/search"
BATCH = "/api/v1/admin/users/batch-status"


@pytest.fixture
def people(db):
    return [
        make_user("zhangsan", nickname="张三", email="zs@example.com", phone="13811110000", user_type="farmer"),
        make_user("lisi", nickname="李四", email="lisi@corp.cn", phone="13922220000", user_type="merchant"),
        make_user("wangwu", nickname="王五", email=None, phone="13733330000", user_type="farmer"),
    ]


# --- search ---------------------------------------------------------------------

def test_search_lists_users_newest_first_with_page_figures(api, staff, people):
    data = assert_accounts_ok(api.get(SEARCH, **bearer(staff)))
    assert [u["username"] for u in data["users"]] == ["wangwu", "lisi", "zhangsan", "admin"]
    assert (data["total"], data["page"], data["pageSize"], data["pages"]) == (4, 1, 10, 1)
    assert set(data["users"][0]) == {"id", "username", "nickname", "real_name", "email", "phone", "avatar_url",
                                     "gender", "birthday", "user_type", "status", "created_at", "updated_at"}


@pytest.mark.parametrize("keyword, expected", [
    ("zhang", ["zhangsan"]), ("李", ["lisi"]), ("CORP.CN", ["lisi"]), ("3733", ["wangwu"]), ("nobody", []),
    ("%", []), ("_", []),
])
def test_keyword_matches_username_nickname_email_or_phone(api, staff, people, keyword, expected):
    data = assert_accounts_ok(api.get(SEARCH, {"keyword": keyword}, **bearer(staff)))
    assert [u["username"] for u in data["users"]] == expected
    assert data["total"] == len(expected)


def test_user_type_filters(api, staff, people):
    data = assert_accounts_ok(api.get(SEARCH, {"userType": "farmer"}, **bearer(staff)))
    assert [u["username"] for u in data["users"]] == ["wangwu", "zhangsan"]


def test_pages_split_the_result(api, staff, people):
    data = assert_accounts_ok(api.get(SEARCH, {"page": 2, "pageSize": 3}, **bearer(staff)))
    assert [u["username"] for u in data["users"]] == ["admin"]
    assert (data["total"], data["page"], data["pageSize"], data["pages"]) == (4, 2, 3, 2)
    beyond = assert_accounts_ok(api.get(SEARCH, {"page": 9, "pageSize": 3}, **bearer(staff)))
    assert beyond["users"] == [] and beyond["total"] == 4


def test_an_empty_result_has_zero_pages(api, staff):
    data = assert_accounts_ok(api.get(SEARCH, {"keyword": "nothing-like-this"}, **bearer(staff)))
    assert (data["users"], data["total"], data["pages"]) == ([], 0, 0)


@pytest.mark.parametrize("params, message", [
    ({"page": "0"}, "页码必须是正整数"), ({"page": "x"}, "页码必须是正整数"),
    ({"pageSize": "101"}, "每页记录数必须在1到100之间"), ({"pageSize": "0"}, "每页记录数必须在1到100之间"),
    ({"userType": "alien"}, "无效的用户类型"), ({"keyword": "k" * 101}, "搜索关键词不能超过100个字符"),
])
def test_bad_query_parameters_are_400(api, staff, params, message):
    assert_accounts_error(api.get(SEARCH, params, **bearer(staff)), 400, message)


def test_search_costs_a_fixed_number_of_queries(api, staff, people, django_assert_num_queries):
    with django_assert_num_queries(3):  # the caller, the count, the page
        assert_accounts_ok(api.get(SEARCH, **bearer(staff)))


# --- who may call ---------------------------------------------------------------

@pytest.mark.parametrize("method, url", [("get", SEARCH), ("post", BATCH)])
def test_admin_endpoints_need_a_token(api, method, url):
    assert_accounts_error(getattr(api, method)(url), 401, "未提供认证token")


@pytest.mark.parametrize("method, url", [("get", SEARCH), ("post", BATCH)])
def test_admin_endpoints_refuse_non_staff_users(api, user, method, url):
    response = getattr(api, method)(url, {"userIds": [1], "status": "active"} if method == "post" else None,
                                    format="json", **bearer(user))
    assert_accounts_error(response, 403, "需要管理员权限")


def test_a_deleted_admin_is_401(api, staff):
    token = token_issue(user=staff)
    staff.delete()
    assert_accounts_error(api.get(SEARCH, HTTP_AUTHORIZATION=f"Bearer {token}"), 401, "管理员不存在")


def test_a_deactivated_admin_is_403_at_once(api, staff):
    headers = bearer(staff)
    boss = User.objects.create_superuser("boss", "bosspass1")
    user_batch_set_status(user_ids=[staff.pk], status="inactive", source="api", actor=boss)
    assert_accounts_error(api.get(SEARCH, **headers), 403, "管理员账号已被禁用")


def test_an_expired_token_is_401(api, staff):
    # Correctly signed, right `ver`, a live staff user: only the expiry is wrong.
    token = token_issue(user=staff, lifetime=timedelta(seconds=-1))
    response = api.get(SEARCH, HTTP_AUTHORIZATION=f"Bearer {token}")
    payload = assert_accounts_error(response, 401, "token已过期")
    assert payload == {"success": False, "code": 401, "message": "token已过期", "data": None}
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    # The same user with a token of the normal lifetime gets in: the expiry alone refused it.
    assert_accounts_ok(api.get(SEARCH, **bearer(staff)))


def test_a_malformed_token_is_401(api, staff):
    assert_accounts_error(api.get(SEARCH, HTTP_AUTHORIZATION="Bearer x.y.z"), 401, "无效的认证token")


# --- batch status ---------------------------------------------------------------

def test_batch_deactivation_changes_the_users_and_is_recorded(api, staff, people):
    ids = [people[0].pk, people[1].pk]
    tokens = [token_issue(user=p) for p in people[:2]]
    response = post_json(api, BATCH, {"userIds": ids, "status": "inactive"}, **bearer(staff))
    data = assert_accounts_ok(response)
    assert data == {"message": "成功更新 2 个用户状态", "affectedRows": 2, "unchangedIds": [], "notFoundIds": [],
                    "skippedSelf": False, "skippedPrivilegedIds": []}
    assert response.json()["message"] == "成功更新 2 个用户状态"
    assert set(User.objects.filter(pk__in=ids).values_list("status", flat=True)) == {"inactive"}
    assert User.objects.get(pk=people[2].pk).status == "active"
    for token in tokens:
        assert_accounts_error(api.get("/api/v1/users/profile", HTTP_AUTHORIZATION=f"Bearer {token}"), 403,
                              "账户已被禁用")
    record = StatusChangeBatch.objects.get()
    assert (record.actor, record.actor_label, record.source, record.status, record.requested_count,
            record.changed_count, record.changed_ids) == (staff, "admin", "api", "inactive", 2, 2, ids)


def test_unknown_ids_and_users_already_in_the_status_are_reported(api, staff, people):
    user_batch_set_status(user_ids=[people[0].pk], status="inactive", source="api", operator=True)
    body = {"userIds": [people[0].pk, people[1].pk, 999999, people[1].pk], "status": "inactive"}
    data = assert_accounts_ok(post_json(api, BATCH, body, **bearer(staff)))
    assert data == {"message": "成功更新 1 个用户状态", "affectedRows": 1, "unchangedIds": [people[0].pk],
                    "notFoundIds": [999999], "skippedSelf": False, "skippedPrivilegedIds": []}


def test_the_callers_own_status_never_changes(api, staff, people):
    data = assert_accounts_ok(post_json(api, BATCH, {"userIds": [staff.pk, people[0].pk], "status": "inactive"},
                                        **bearer(staff)))
    assert (data["affectedRows"], data["skippedSelf"]) == (1, True)
    assert User.objects.get(pk=staff.pk).status == "active"


def test_reactivation_works(api, staff, people):
    user_batch_set_status(user_ids=[people[0].pk], status="inactive", source="api", operator=True)
    data = assert_accounts_ok(post_json(api, BATCH, {"userIds": [people[0].pk], "status": "active"}, **bearer(staff)))
    assert data["affectedRows"] == 1
    assert User.objects.get(pk=people[0].pk).status == "active"


@pytest.mark.parametrize("body", [{"status": "active"}, {"userIds": [], "status": "active"},
                                  {"userIds": "1,2", "status": "active"}, {"userIds": None, "status": "active"}])
def test_no_users_is_400(api, staff, body):
    assert_accounts_error(post_json(api, BATCH, body, **bearer(staff)), 400, "请选择要操作的用户")


@pytest.mark.parametrize("status", [None, "", "deleted", "ACTIVE", 1])
def test_an_invalid_status_is_400(api, staff, people, status):
    body = {"userIds": [people[0].pk]} | ({} if status is None else {"status": status})
    assert_accounts_error(post_json(api, BATCH, body, **bearer(staff)), 400, "无效的状态值")


@pytest.mark.parametrize("bad", ["abc", "2", "2.0", " 2", 2.0, 1.5, 1e300, True, False, 0, -1, -3, None, [2], {"id": 2},
                                 2**63, 2**70, -(2**70)])
def test_ids_that_are_not_positive_integers_are_400(api, staff, people, bad):
    payload = assert_accounts_error(
        post_json(api, BATCH, {"userIds": [people[1].pk, bad], "status": "inactive"}, **bearer(staff)), 400,
        "用户ID必须是正整数")
    assert payload["data"] == {"errors": [{"field": "userIds.1", "reason": "用户ID必须是正整数"}]}
    assert User.objects.get(pk=people[1].pk).status == "active"
    assert not StatusChangeBatch.objects.exists()


def test_the_largest_bigint_id_is_an_id_that_does_not_exist(api, staff):
    data = assert_accounts_ok(post_json(api, BATCH, {"userIds": [2**63 - 1], "status": "active"}, **bearer(staff)))
    assert data["notFoundIds"] == [2**63 - 1]


def test_a_thousand_ids_are_accepted_and_a_thousand_and_one_refused(api, staff, people):
    ids = list(range(1, 1001))
    assert_accounts_ok(post_json(api, BATCH, {"userIds": ids, "status": "active"}, **bearer(staff)))
    assert_accounts_error(post_json(api, BATCH, {"userIds": ids + [1001], "status": "active"}, **bearer(staff)),
                          400, "单次最多操作1000个用户")


def test_a_batch_costs_a_fixed_number_of_queries(api, staff, django_assert_max_num_queries):
    users = [make_user(f"bulk{n}") for n in range(50)]
    body = {"userIds": [u.pk for u in users], "status": "inactive"}
    with django_assert_max_num_queries(8):
        assert assert_accounts_ok(post_json(api, BATCH, body, **bearer(staff)))["affectedRows"] == 50


# --- who may change whom (Django's rules: change-user permission, superusers above staff) ----

@pytest.fixture
def root(db):
    return User.objects.create_superuser("root", "rootpass1")


def test_staff_without_the_change_permission_are_refused_and_nothing_changes(api, people):
    clerk = make_user("clerk", is_staff=True)
    grant(clerk, "view_user")  # may look at users in Django admin, not change them
    response = post_json(api, BATCH, {"userIds": [people[0].pk], "status": "inactive"}, **bearer(clerk))
    assert_accounts_error(response, 403, "需要管理员权限")
    assert User.objects.get(pk=people[0].pk).status == "active"
    assert not StatusChangeBatch.objects.exists()


def test_search_stays_open_to_staff_without_the_change_permission(api, people):
    clerk = make_user("clerk", is_staff=True)
    assert assert_accounts_ok(api.get(SEARCH, **bearer(clerk)))["total"] == 4


def test_staff_cannot_change_superusers_or_other_staff_and_are_told_which(api, staff, people, root):
    colleague = make_user("colleague", is_staff=True)
    root_token = token_issue(user=root)
    body = {"userIds": [root.pk, colleague.pk, people[0].pk, staff.pk], "status": "inactive"}
    data = assert_accounts_ok(post_json(api, BATCH, body, **bearer(staff)))
    assert data == {"message": "成功更新 1 个用户状态", "affectedRows": 1, "unchangedIds": [], "notFoundIds": [],
                    "skippedSelf": True, "skippedPrivilegedIds": [root.pk, colleague.pk]}
    statuses = dict(User.objects.values_list("username", "status"))
    assert (statuses["root"], statuses["colleague"], statuses["zhangsan"], statuses["admin"]) == (
        "active", "active", "inactive", "active")
    assert User.objects.get(pk=root.pk).token_version == 0
    assert_accounts_ok(api.get(SEARCH, HTTP_AUTHORIZATION=f"Bearer {root_token}"))
    record = StatusChangeBatch.objects.get()
    assert (record.changed_ids, record.skipped_privileged_ids, record.skipped_self) == (
        [people[0].pk], [root.pk, colleague.pk], True)


def test_a_privileged_account_already_in_the_status_is_reported_as_skipped(api, staff, root):
    colleague = make_user("colleague", is_staff=True, status="inactive")
    data = assert_accounts_ok(post_json(api, BATCH, {"userIds": [colleague.pk], "status": "inactive"},
                                        **bearer(staff)))
    assert (data["affectedRows"], data["unchangedIds"], data["skippedPrivilegedIds"]) == (0, [], [colleague.pk])


def test_a_superuser_changes_staff_and_other_superusers(api, staff, root):
    other_root = User.objects.create_superuser("root2", "rootpass2")
    data = assert_accounts_ok(post_json(api, BATCH, {"userIds": [staff.pk, other_root.pk], "status": "inactive"},
                                        HTTP_AUTHORIZATION=f"Bearer {token_issue(user=root)}"))
    assert (data["affectedRows"], data["skippedPrivilegedIds"], data["skippedSelf"]) == (2, [], False)
    assert set(User.objects.filter(pk__in=[staff.pk, other_root.pk]).values_list("status", flat=True)) == {"inactive"}


def test_the_service_refuses_an_actor_without_the_permission(people):
    clerk = make_user("clerk", is_staff=True)
    with pytest.raises(ServiceError) as refused:
        user_batch_set_status(user_ids=[people[0].pk], status="inactive", source="api", actor=clerk)
    assert (refused.value.status_code, refused.value.message) == (403, "需要管理员权限")
    assert User.objects.get(pk=people[0].pk).status == "active"


def test_the_service_needs_an_actor_or_an_explicit_operator(people):
    with pytest.raises(ValueError):
        user_batch_set_status(user_ids=[people[0].pk], status="inactive", source="api")
    assert User.objects.get(pk=people[0].pk).status == "active"


def test_an_operator_has_a_superusers_authority(root):
    result = user_batch_set_status(user_ids=[root.pk], status="inactive", source="command", operator=True)
    assert (result.changed_ids, result.skipped_privileged_ids) == ([root.pk], [])
