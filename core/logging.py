"""Structured logging: one JSON object per line, with the fields passed as `extra`."""
import json
import logging
import os

from core.timeutil import isoformat_z, utc_now

_STANDARD_ATTRS = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """Formats a record as `{"ts", "level", "logger", "event", "pid", ...extra}` (pid: which worker process)."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": isoformat_z(utc_now()),
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
        return json.dumps(entry, ensure_ascii=False, default=str)


def set_caller(request, caller: str) -> None:
    """Name who made the request (`app:<id>` or `user:<id>`) for the request log line."""
    django_request = getattr(request, "_request", request)
    django_request.caller = caller
