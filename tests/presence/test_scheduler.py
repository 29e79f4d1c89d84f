"""When the snapshot clock starts: in serving processes only, never in tests or other commands."""
import pytest

from presence import apps, scheduler


@pytest.mark.parametrize(
    ("argv", "run_main", "serving"),
    [
        (["manage.py", "runserver"], "true", True),  # the reloader's child serves
        (["manage.py", "runserver"], None, False),  # the reloader's parent only watches files
        (["manage.py", "runserver", "--noreload"], None, True),
        (["manage.py", "migrate"], "true", False),
        (["manage.py", "take_presence_snapshot"], None, False),
        (["pytest"], None, False),
    ],
)
def test_runserver_starts_the_clock_only_in_the_serving_process(monkeypatch, argv, run_main, serving):
    monkeypatch.setattr("sys.argv", argv)
    if run_main is None:
        monkeypatch.delenv("RUN_MAIN", raising=False)
    else:
        monkeypatch.setenv("RUN_MAIN", run_main)
    assert apps._serving_with_runserver() is serving


def test_the_clock_can_be_switched_off(settings):
    settings.PRESENCE_SNAPSHOTS_AUTOSTART = False
    assert scheduler.start_snapshot_scheduler() is None

