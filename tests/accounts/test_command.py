"""manage.py set_user_status: batch status changes from the command line."""
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from accounts.models import StatusChangeBatch, User
from accounts.tokens import token_issue
from tests.accounts.conftest import make_user
from tests.support.assertions import assert_accounts_error

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = StringIO()
    call_command("set_user_status", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def trio(db):
    return [make_user(name) for name in ("amy", "ben", "cai")]


def statuses():
    return dict(User.objects.values_list("username", "status"))


def test_deactivating_by_ids_changes_records_and_summarises(trio, api):
    token = token_issue(user=trio[0])
    out = run("inactive", "--ids", str(trio[0].pk), str(trio[1].pk))
    assert statuses() == {"amy": "inactive", "ben": "inactive", "cai": "active"}
    assert "batch 1/1: 2 users, changed 2" in out
    assert out.strip().splitlines()[-1] == "2 users requested, 2 set to inactive, 0 already inactive, 0 skipped (the actor)"
    record = StatusChangeBatch.objects.get()
    assert (record.source, record.changed_ids, record.actor) == ("command", [trio[0].pk, trio[1].pk], None)
    assert record.actor_label.startswith("cli via manage.py")
    assert_accounts_error(api.get("/api/v1/users/profile", HTTP_AUTHORIZATION=f"Bearer {token}"), 403, "账户已被禁用")


def test_usernames_and_comma_lists_work(trio):
    run("inactive", "--usernames", "amy,ben", "--ids", f"{trio[2].pk}")
    assert set(statuses().values()) == {"inactive"}


def test_a_dry_run_changes_and_records_nothing(trio):
    out = run("inactive", "--usernames", "amy", "ben", "--dry-run")
    assert statuses() == {"amy": "active", "ben": "active", "cai": "active"}
    assert StatusChangeBatch.objects.count() == 0
    assert "would change 2" in out
    assert out.strip().splitlines()[-1].startswith("DRY RUN: 2 users requested, 2 would be set to inactive")


def test_ids_and_usernames_come_from_files(trio, tmp_path):
    ids = tmp_path / "ids.txt"
    ids.write_text(f"# users to lock\n{trio[0].pk}, {trio[1].pk}\n\n")
    names = tmp_path / "names.txt"
    names.write_text("cai  # the third\n")
    out = run("inactive", "--ids-file", str(ids), "--usernames-file", str(names))
    assert set(statuses().values()) == {"inactive"}
    assert "3 users requested, 3 set to inactive" in out


def test_the_command_acts_as_a_superuser_whoever_the_actor_is(trio):
    # An operator at the shell can already write the database: staff and superusers are not off limits.
    User.objects.create_superuser("root", "rootpass1")
    make_user("colleague", is_staff=True)
    make_user("clerk", is_staff=True)  # no permissions at all: only named in the record
    out = run("inactive", "--usernames", "root", "colleague", "--actor", "clerk")
    assert (statuses()["root"], statuses()["colleague"], statuses()["clerk"]) == ("inactive", "inactive", "active")
    assert "2 users requested, 2 set to inactive" in out
    record = StatusChangeBatch.objects.get()
    assert (record.actor.username, record.changed_count, record.skipped_privileged_ids) == ("clerk", 2, [])


def test_the_actor_is_recorded_and_never_changes_itself(trio):
    boss = make_user("boss", is_staff=True)
    out = run("inactive", "--usernames", "boss", "amy", "--actor", "boss")
    assert statuses()["boss"] == "active" and statuses()["amy"] == "inactive"
    assert "1 skipped (the actor)" in out
    record = StatusChangeBatch.objects.get()
    assert record.actor == boss and record.skipped_self


@pytest.mark.parametrize("args, message", [
    (["inactive"], "no users given"),
    (["inactive", "--ids", "12x"], "not a user id: 12x"),
    (["inactive", "--ids", "0"], "not a user id: 0"),
    (["inactive", "--ids", "999999"], "no user with id 999999"),
    (["inactive", "--usernames", "ghost"], "no user named ghost"),
    (["inactive", "--ids-file", "/nonexistent/ids.txt"], "cannot read /nonexistent/ids.txt"),
    (["inactive", "--usernames", "amy", "--actor", "ghost"], "no user named ghost (--actor)"),
])
def test_bad_input_fails_and_changes_nothing(trio, args, message):
    with pytest.raises(CommandError, match=message.replace("(", r"\(").replace(")", r"\)")):
        run(*args)
    assert set(statuses().values()) == {"active"}
    assert StatusChangeBatch.objects.count() == 0


def test_one_unknown_id_among_good_ones_changes_nothing(trio):
    with pytest.raises(CommandError, match="no user with id 424242"):
        run("inactive", "--ids", str(trio[0].pk), "424242")
    assert statuses()["amy"] == "active"


def test_an_invalid_status_is_refused(trio):
    with pytest.raises(CommandError):
        run("deleted", "--ids", str(trio[0].pk))


def test_large_inputs_are_split_into_recorded_batches_of_a_thousand(db):
    User.objects.bulk_create([User(username=f"bulk{n}", password="!") for n in range(1203)])
    out = run("inactive", "--usernames", *[f"bulk{n}" for n in range(1203)])
    assert "batch 1/2: 1000 users, changed 1000" in out and "batch 2/2: 203 users, changed 203" in out
    assert list(StatusChangeBatch.objects.order_by("id").values_list("changed_count", flat=True)) == [1000, 203]
    assert User.objects.filter(status="inactive").count() == 1203


def test_the_exit_status_is_non_zero_on_bad_input(trio):
    import subprocess
    import sys
    from pathlib import Path

    result = subprocess.run([sys.executable, "manage.py", "set_user_status", "inactive", "--ids", "nope"],
                            cwd=Path(__file__).resolve().parents[2], capture_output=True, text=True)
    assert result.returncode == 1
    assert "not a user id: nope" in result.stderr
