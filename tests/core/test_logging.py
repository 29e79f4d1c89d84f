"""core.logging: the JSON formatter, and a configured process that prints nothing but JSON lines
on stderr (Django's console handlers replaced, warnings and uncaught exceptions captured)."""
import json
import logging
import os
import re
import subprocess
import sys

from core.logging import DropRunserverAccessLines, JsonFormatter
from tests.support.live import ROOT

TS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def record(msg="http.request", args=(), exc_info=None, **extra):
    entry = logging.LogRecord("core.request", logging.INFO, __file__, 1, msg, args, exc_info)
    entry.__dict__.update(extra)
    return entry


def test_a_record_is_one_json_object_with_its_extra_fields():
    entry = record(request_id="r1", status=200)
    entry.created = 1772015400.5  # 2026-02-25T10:30:00.500Z
    entry.msecs = 500.0
    line = JsonFormatter().format(entry)
    assert "\n" not in line
    parsed = json.loads(line)
    assert parsed == {"ts": "2026-02-25T10:30:00.500Z", "level": "INFO", "logger": "core.request",
                      "event": "http.request", "pid": os.getpid(), "request_id": "r1", "status": 200}


def test_a_traceback_is_a_field_of_the_same_line():
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        line = JsonFormatter().format(record("request.unhandled_exception", exc_info=sys.exc_info()))
    assert line.count("\n") == 0
    parsed = json.loads(line)
    assert parsed["exc_info"].startswith("Traceback (most recent call last)")
    assert parsed["exc_info"].endswith("RuntimeError: boom")
    assert TS.match(parsed["ts"])


def test_values_json_cannot_encode_are_written_as_text():
    parsed = json.loads(JsonFormatter().format(record(request=object(), path="/路径")))
    assert parsed["request"].startswith("<object object at")
    assert parsed["path"] == "/路径"


def test_runserver_access_lines_are_dropped_and_its_other_messages_kept():
    keep = DropRunserverAccessLines()
    assert not keep.filter(record('"%s" %s %s', ("GET / HTTP/1.1", "200", "5")))
    assert keep.filter(record("code %d, message %s", (400, "Bad request syntax ('x')")))


def own_handlers(logger_name: str) -> list:
    """A logger's handlers, less those pytest adds to capture logs."""
    return [h for h in logging.getLogger(logger_name).handlers if not type(h).__module__.startswith("_pytest")]


def test_djangos_plain_console_handlers_are_replaced():
    assert own_handlers("django") == []
    assert logging.getLogger("django").propagate
    assert [type(h.formatter) for h in own_handlers("django.server")] == [JsonFormatter]
    assert [type(h.formatter) for h in own_handlers("")] == [JsonFormatter]


def run_configured(code: str) -> subprocess.CompletedProcess:
    """Python code run after django.setup() with the service's settings, in a process of its own."""
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "DJANGO_ENV", "DJANGO_DEBUG"}}
    env["DJANGO_SETTINGS_MODULE"] = "config.settings"
    script = "import django; django.setup()\n" + code
    return subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)


def stderr_entries(done: subprocess.CompletedProcess) -> list[dict]:
    lines = done.stderr.splitlines()
    assert lines, done
    return [json.loads(line) for line in lines]  # fails on any line that is not JSON


def test_a_python_warning_is_a_json_line():
    done = run_configured("import warnings\nwarnings.warn('old thing', DeprecationWarning)")
    [entry] = stderr_entries(done)
    assert entry["logger"] == "py.warnings" and entry["level"] == "WARNING"
    assert "DeprecationWarning: old thing" in entry["event"]


def test_an_exception_uncaught_in_a_thread_is_one_json_line():
    done = run_configured(
        "import threading\nt = threading.Thread(target=lambda: 1 / 0, name='worker-x')\nt.start(); t.join()"
    )
    [entry] = stderr_entries(done)
    assert (entry["logger"], entry["level"], entry["event"]) == ("core.uncaught", "CRITICAL", "thread.uncaught_exception")
    assert entry["thread_name"] == "worker-x"
    assert entry["exc_info"].endswith("ZeroDivisionError: division by zero")


def test_an_exception_uncaught_in_the_main_thread_is_one_json_line():
    done = run_configured("raise LookupError('nothing here')")
    assert done.returncode == 1
    [entry] = stderr_entries(done)
    assert entry["event"] == "process.uncaught_exception"
    assert entry["exc_info"].endswith("LookupError: nothing here")


def test_an_interactive_session_keeps_pythons_own_traceback():
    # what code.interact (manage.py shell) sets; its console reports errors through sys.excepthook
    done = run_configured("import sys\nsys.ps1 = '>>> '\nraise LookupError('typed by a person')")
    assert done.returncode == 1
    assert done.stderr.startswith("Traceback (most recent call last)")
    assert done.stderr.rstrip().endswith("LookupError: typed by a person")
