"""The selectors of the accounts app."""
import pytest



@pytest.mark.django_db
def test_the_request_lookup_reads_the_same_user_as_the_orm():
    from accounts.models import User
    from accounts.selectors import user_get, user_get_for_request

    user = User.objects.create_user("reader", "pw123456", email="r@example.com", phone="13800000077",
                                    birthday="2000-01-02", gender="female", is_staff=True)
    fast, orm = user_get_for_request(user_id=user.pk), user_get(user_id=user.pk)
    for field in User._meta.concrete_fields:
        assert getattr(fast, field.attname) == getattr(orm, field.attname), field.attname
        assert type(getattr(fast, field.attname)) is type(getattr(orm, field.attname)), field.attname
    assert fast.created_at.tzinfo is not None
    assert user_get_for_request(user_id=user.pk + 1000) is None
