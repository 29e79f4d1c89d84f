"""The Django admin's login goes through the same failed-login slowing as the API's."""
import pytest
from django.test import Client

from tests.accounts.conftest import make_user, post_json
from tests.support.assertions import assert_accounts_error

pytestmark = pytest.mark.django_db

LOCKED = "登录失败次数过多,请稍后再试"


@pytest.fixture
def staff(db):
    return make_user("root", "right-pass-1", is_staff=True, is_superuser=True)


def admin_login(password, address="127.0.0.1"):
    client = Client(REMOTE_ADDR=address)
    response = client.post("/admin/login/?next=/admin/", {"username": "root", "password": password})
    return client, response


def test_the_right_password_logs_in(staff):
    client, response = admin_login("right-pass-1")
    assert (response.status_code, response["Location"]) == (302, "/admin/")
    assert client.get("/admin/").status_code == 200


def test_failed_admin_logins_slow_that_client_and_only_that_client(staff, settings):
    settings.ACCOUNTS_LOGIN_FAILURE_LIMIT = "3/15m"
    for _ in range(3):
        _, response = admin_login("wrong")
        assert response.status_code == 200
        assert LOCKED not in response.content.decode()
        assert response.context["form"].errors["__all__"][0].startswith("请输入一个正确的")
    client, response = admin_login("right-pass-1")  # the right password waits too, from this client
    assert response.status_code == 200
    assert response.context["form"].errors["__all__"] == [LOCKED]
    assert client.get("/admin/").status_code == 302  # not logged in
    _, elsewhere = admin_login("right-pass-1", address="10.0.0.5")
    assert elsewhere.status_code == 302


def test_admin_and_api_failures_count_together(api, staff, settings):
    settings.ACCOUNTS_LOGIN_FAILURE_LIMIT = "2/15m"
    admin_login("wrong")
    assert_accounts_error(post_json(api, "/api/v1/auth/login", {"username": "root", "password": "wrong"}), 401)
    response = post_json(api, "/api/v1/auth/login", {"username": "root", "password": "right-pass-1"})
    assert_accounts_error(response, 429, LOCKED)


def test_a_non_staff_user_with_the_right_password_is_refused_as_before(db):
    make_user("plain", "right-pass-1")
    client = Client()
    response = client.post("/admin/login/?next=/admin/", {"username": "plain", "password": "right-pass-1"})
    assert response.status_code == 200
    assert client.get("/admin/").status_code == 302
