"""core.rowreader.RowReader: the instance the ORM would return, read without compiling a query."""
from decimal import Decimal

import pytest

from accounts.models import User
from core.rowreader import RowReader
from procurement import services
from procurement.models import Intent

pytestmark = pytest.mark.django_db


def test_a_row_read_equals_the_orm_instance_field_by_field():
    app, _secret = services.partner_app_create(name="Acme", app_id="reader_app")
    created = services.intent_create(app=app, user_id="u1", platform="TAOBAO", title="标题",
                                     product_url="https://item.taobao.com/item.htm?id=1", price=Decimal("19.90"))
    read = RowReader(Intent, "app", "pk").get(app.pk, created.pk)
    orm = Intent.objects.get(pk=created.pk)
    assert isinstance(read, Intent) and not read._state.adding
    for field in Intent._meta.concrete_fields:
        assert getattr(read, field.attname) == getattr(orm, field.attname), field.name
    assert read.price == Decimal("19.90") and read.created_at.tzinfo is not None


def test_every_named_field_must_match():
    app, _ = services.partner_app_create(name="Acme", app_id="reader_app")
    other, _ = services.partner_app_create(name="Other", app_id="reader_other")
    created = services.intent_create(app=app, user_id="u1", platform="TAOBAO",
                                     product_url="https://item.taobao.com/item.htm?id=1")
    reader = RowReader(Intent, "app", "pk")
    assert reader.get(other.pk, created.pk) is None
    assert reader.get(app.pk, "no-such-id") is None


def test_reads_by_primary_key():
    user = User.objects.create_user(username="reader_user", password="x" * 12)
    read = RowReader(User, "pk").get(user.pk)
    assert read.pk == user.pk and read.username == "reader_user" and read.token_version == user.token_version
    assert RowReader(User, "pk").get(user.pk + 1000) is None
