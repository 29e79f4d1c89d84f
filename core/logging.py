"""Structured logging: one JSON object per line, with the fields passed as `extra`.

`configure` is Django's LOGGING_CONFIG (settings.py) and the formatter is also gunicorn's
(gunicorn.conf.py, logconfig_dict), so that everything the service prints on stderr, from
Django, runserver, its autoreloader, Python warnings and gunicorn alike, is one JSON object a
line. This module imports nothing from Django: gunicorn's master uses it before Django starts.
"""
import json
import logging
import logging.config
import os
import sys
import threading
import time

_STANDARD_ATTRS = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}

# runserver's access line ('"GET / HTTP/1.1" 200 5'): the service writes its own per request.
RUNSERVER_ACCESS_FORMAT = '"%s" %s %s'


class JsonFormatter(logging.Formatter):
    """Formats a record as `{"ts", "level", "logger", "event", "pid", ...extra}` (pid: which worker process).

    `ts` is when the record was made, in UTC with milliseconds (2026-02-25T10:30:00.000Z); a
    traceback is the `exc_info` field of the same object, never lines of its own.
    """

    converter = time.gmtime
    default_time_format = "%Y-%m-%dT%H:%M:%S"
    default_msec_format = "%s.%03dZ"

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": self.formatTime(record),
            "level": record.levelname,
            "logger": record.name,
            "event": record.getMessage(),
            "pid": os.getpid(),
        }
        for key, value in record.__dict__.items():
            if key not in _STANDARD_ATTRS and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exc_info"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack_info"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class DropRunserverAccessLines(logging.Filter):
    """Drops runserver's access lines (the `http.request` line says the same and more); keeps
    its other messages (a malformed request line, HTTPS spoken to the HTTP server)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.msg != RUNSERVER_ACCESS_FORMAT


_uncaught = logging.getLogger("core.uncaught")


def _log_uncaught_exception(exc_type, exc, tb) -> None:
    """sys.excepthook: an exception nobody caught, as one JSON line. Ctrl-C, and an interactive
    session (`manage.py shell`, whose console reports each error through this hook), keep
    Python's own traceback for the person typing."""
    if issubclass(exc_type, KeyboardInterrupt) or hasattr(sys, "ps1"):
        sys.__excepthook__(exc_type, exc, tb)
        return
    _uncaught.critical("process.uncaught_exception", exc_info=(exc_type, exc, tb))


def _log_uncaught_thread_exception(args) -> None:
    """threading.excepthook: e.g. runserver's main thread failing to load the URLconf under the reloader."""
    if args.exc_type is SystemExit:
        return
    _uncaught.critical("thread.uncaught_exception", exc_info=(args.exc_type, args.exc_value, args.exc_traceback),
                       extra={"thread_name": getattr(args.thread, "name", None)})


def configure(config: dict) -> None:
    """Django's LOGGING_CONFIG: apply LOGGING, route Python warnings through logging (logger
    `py.warnings`) and uncaught exceptions too (`core.uncaught`), so that they are JSON lines,
    not their own stderr text. Hooks somebody else installed (pytest's) are left in place."""
    logging.config.dictConfig(config)
    logging.captureWarnings(True)
    if sys.excepthook is sys.__excepthook__:
        sys.excepthook = _log_uncaught_exception
    if threading.excepthook is threading.__excepthook__:
        threading.excepthook = _log_uncaught_thread_exception


def set_caller(request, caller: str) -> None:
    """Name who made the request (`app:<id>` or `user:<id>`) for the request log line."""
    django_request = getattr(request, "_request", request)
    django_request.caller = caller
