"""What /health and /system-stats report about the running process (002 §4, contract §5)."""
import os
import platform
import resource
import sys
import time

import django
from django.conf import settings

from core.timeutil import PROCESS_STARTED_MONOTONIC, isoformat_z, utc_now


def uptime() -> float:
    """Seconds since the process started, two decimals (002 shows `1234.56`)."""
    return round(time.monotonic() - PROCESS_STARTED_MONOTONIC, 2)


def _proc_status_bytes() -> dict[str, int]:
    """VmRSS, VmHWM and VmSize of this process from /proc (Linux), in bytes."""
    figures: dict[str, int] = {}
    try:
        with open("/proc/self/status", encoding="ascii", errors="replace") as status:
            for line in status:
                name, _, rest = line.partition(":")
                if name in {"VmRSS", "VmHWM", "VmSize"}:
                    amount, _, unit = rest.strip().partition(" ")
                    figures[name] = int(amount) * (1024 if unit.strip().lower() == "kb" else 1)
    except (OSError, ValueError):
        pass
    return figures


def memory_usage() -> dict[str, int | None]:
    """The process's real memory figures in bytes; the peak falls back to getrusage off Linux."""
    figures = _proc_status_bytes()
    peak = figures.get("VmHWM")
    if peak is None:
        maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        peak = maxrss if sys.platform == "darwin" else maxrss * 1024  # bytes on macOS, KiB elsewhere
    return {"rss": figures.get("VmRSS"), "peakRss": peak, "virtual": figures.get("VmSize")}


def health_report() -> dict:
    return {
        "status": "OK",
        "timestamp": isoformat_z(utc_now()),
        "uptime": uptime(),
        "environment": settings.APP_ENV,
    }


def system_stats() -> dict:
    return {
        "status": "OK",
        "timestamp": isoformat_z(utc_now()),
        "environment": settings.APP_ENV,
        "pythonVersion": platform.python_version(),
        "pythonImplementation": platform.python_implementation(),
        "djangoVersion": django.get_version(),
        "memoryUsage": memory_usage(),
        "uptime": uptime(),
        "cpuCount": os.cpu_count(),
        "platform": sys.platform,
        "architecture": platform.machine(),
        "pid": os.getpid(),
    }
