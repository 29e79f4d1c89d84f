"""Remembered list totals (core.listcounts): reused while nothing changed, retired by every write."""
import pytest
from django.db import transaction

from core.listcounts import cached_total, list_changed

pytestmark = pytest.mark.django_db(transaction=True)


class Counter:
    def __init__(self, value):
        self.value, self.calls = value, 0

    def __call__(self):
        self.calls += 1
        return self.value


def test_without_redis_every_page_counts(settings):
    settings.REDIS_URL = ""
    count = Counter(5)
    assert cached_total("s", [("filter[status]", "SUBMITTED")], count) == 5
    assert cached_total("s", [("filter[status]", "SUBMITTED")], count) == 5
    assert count.calls == 2


def test_with_redis_a_total_is_reused_until_the_scope_changes(redis_url):
    count = Counter(5)
    filters = [("filter[status]", "SUBMITTED")]
    assert cached_total("s", filters, count) == 5
    assert cached_total("s", filters, count) == 5
    assert count.calls == 1
    count.value = 6
    list_changed("s")  # outside a transaction: at once
    assert cached_total("s", filters, count) == 6
    assert count.calls == 2


def test_with_redis_other_filters_and_scopes_are_counted_apart(redis_url):
    count = Counter(1)
    cached_total("s", [("filter[status]", "SUBMITTED")], count)
    cached_total("s", [("filter[status]", "FAILED")], count)
    cached_total("t", [("filter[status]", "SUBMITTED")], count)
    assert count.calls == 3


def test_with_redis_a_change_counts_only_once_its_transaction_commits(redis_url):
    count = Counter(1)
    cached_total("s", [], count)
    with transaction.atomic():
        list_changed("s")
        cached_total("s", [], count)
        assert count.calls == 1  # not yet retired
    cached_total("s", [], count)
    assert count.calls == 2
