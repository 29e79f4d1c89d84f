"""manage.py take_presence_snapshot, alone and raced by several processes."""
import os
import subprocess
import sys

import pytest
from django.core.management import CommandError, call_command

from presence.models import PresenceSnapshot
from tests.support.live import ROOT


def test_the_command_takes_this_minutes_snapshot_once(store_name, capsys):
    call_command("take_presence_snapshot", at="2026-05-04T12:00:30Z")
    call_command("take_presence_snapshot", at="2026-05-04T12:00:59+00:00")
    out = capsys.readouterr().out.splitlines()
    assert out == [
        "taken: 2026-05-04T12:00:00.000Z count=0 window=180s",
        "already taken: 2026-05-04T12:00:00.000Z count=0 window=180s",
    ]
    assert PresenceSnapshot.objects.count() == 1


def test_the_command_without_arguments_takes_the_current_minute(db, capsys):
    call_command("take_presence_snapshot")
    assert capsys.readouterr().out.startswith("taken: ")
    assert PresenceSnapshot.objects.count() == 1


@pytest.mark.parametrize("at", ["noon", "2026-05-04T12:00:30"])
def test_the_command_refuses_an_instant_it_cannot_place(db, at):
    with pytest.raises(CommandError, match="ISO 8601 instant with an offset"):
        call_command("take_presence_snapshot", at=at)


def test_processes_racing_for_one_minute_make_exactly_one_snapshot(migrated_sqlite):
    path, _token = migrated_sqlite
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env.update({"SQLITE_PATH": path, "DJANGO_SETTINGS_MODULE": "config.settings", "LOG_LEVEL": "WARNING"})
    command = [sys.executable, "manage.py", "take_presence_snapshot", "--at", "2026-05-04T13:00:30Z"]
    racers = [subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
              for _ in range(6)]
    outputs = [racer.communicate(timeout=60) for racer in racers]
    assert [racer.returncode for racer in racers] == [0] * 6, outputs
    lines = sorted(out.strip() for out, _err in outputs)
    assert [line.split(" count=")[0] for line in lines] == ["already taken: 2026-05-04T13:00:00.000Z"] * 5 + [
        "taken: 2026-05-04T13:00:00.000Z"]
    assert len({line.split(" count=")[1] for line in lines}) == 1  # every taker answers the winner's row
