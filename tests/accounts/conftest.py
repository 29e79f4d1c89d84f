"""Factories and helpers for the accounts tests."""
import itertools

import pytest
from django.contrib.auth.models import Permission

from accounts.models import User
from accounts.tokens import token_issue

_numbers = itertools.count(1)


def make_user(username=None, password="secret123", **fields) -> User:
    """A saved user (active, type `user` unless told otherwise)."""
    return User.objects.create_user(username or f"user{next(_numbers)}", password, **fields)


def bearer(user) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {token_issue(user=user)}"}


def post_json(api, path, body, **extra):
    return api.post(path, body, format="json", **extra)


def put_json(api, path, body, **extra):
    return api.put(path, body, format="json", **extra)


@pytest.fixture
def user(db):
    return make_user("alice", nickname="Alice", email="alice@example.com", phone="13800000001")


def grant(user, codename: str, app_label: str = "accounts") -> User:
    """Give `user` one of Django's model permissions (e.g. `change_user`)."""
    user.user_permissions.add(Permission.objects.get(codename=codename, content_type__app_label=app_label))
    return user


@pytest.fixture
def staff(db):
    """A staff user who administers users (Django's change-user permission), not a superuser."""
    return grant(make_user("admin", is_staff=True, user_type=User.UserType.ADMIN), "change_user")
