#!/usr/bin/env python
"""
Time every Django admin page an operator uses, server side, against the database
in DATABASE_URL (the bench data: bench/load_data.py).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/adminbench REDIS_URL=redis://127.0.0.1:6379/9 \\
        .venv/bin/python bench/admin_timing.py [--repeat 3] [--budget-ms 500] [--only procurement]

The pages are found, not listed by hand: for every ModelAdmin in
`django.contrib.admin.site._registry` (narrowed by --only)

- the change list;
- each list filter with the first two choices it offers (a date filter's "today"
  and "past 7 days", a boolean's yes and no, the first two apps or statuses);
- one search per search field, with a value of that field taken from the data
  (an existing intent id, a username, a phone, an install id...);
- a sort by each sortable column, both ways (`?o=N`, `?o=-N`);
- a deep page (`?p=100`, or the last page when there are fewer);
- the date hierarchy's year, month and day of the newest row, if it has one;
- the change form and the delete confirmation of the first listed object, and the
  add form, where the operator may use them;

plus the admin index and each app's index. Requests go through Django's test
client in this process (the whole middleware stack and the real database; no
network), signed in as the superuser `bench-admin` (created if missing, with an
unusable password). Each page gets one warm-up request, then --repeat timed ones
(time.perf_counter around the request); a page whose warm-up took more than three
times the budget is timed once only. The table gives the median and the maximum,
the SQL statements of one request and the slowest statement seen.

DEBUG is turned off after start-up, as in production (no SQL log kept in memory).
Statements are cut at --statement-timeout-ms (PostgreSQL), which fails the page.

Nothing is written but the sign-in (the user, its session, its last_login): any
INSERT, UPDATE or DELETE while a page is requested is refused and fails the page.

The table goes to stdout and to bench/results/admin_timing.md (--output). The
exit status is 1 when any page is over --budget-ms or answers anything but 200
(a redirect, to the login page or to `?e=1` for a bad parameter, is a failure).
"""
from __future__ import annotations

import argparse
from contextlib import contextmanager
from dataclasses import dataclass, field
import datetime as dt
import logging
import os
from pathlib import Path
import platform
import statistics
import sys
import time
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUTPUT = ROOT / "bench" / "results" / "admin_timing.md"
ADMIN_USERNAME = "bench-admin"
WRITE_VERBS = ("INSERT", "UPDATE", "DELETE", "TRUNCATE", "CREATE", "ALTER", "DROP", "COPY")
LOOKUP_SUFFIXES = {"exact", "iexact", "contains", "icontains", "startswith", "istartswith", "search"}
SLOW_WARMUP_FACTOR = 3


@dataclass
class Page:
    """One admin page to time: what an operator does, and its URL."""

    admin: str  # "app_label.model_name", or "admin" for the index pages
    name: str
    url: str


@dataclass
class Result:
    page: Page
    status: int | str
    times_ms: list[float] = field(default_factory=list)
    queries: int = 0
    slowest_sql_ms: float = 0.0
    slowest_sql: str = ""
    error: str = ""

    @property
    def median_ms(self) -> float:
        return statistics.median(self.times_ms) if self.times_ms else 0.0

    @property
    def max_ms(self) -> float:
        return max(self.times_ms) if self.times_ms else 0.0

    def failed(self, budget_ms: float) -> bool:
        return self.status != 200 or bool(self.error) or self.median_ms > budget_ms


class WriteRefused(Exception):
    """A page tried to write to the database while it was being timed."""


class SqlRecorder:
    """
    An execute wrapper (connection.execute_wrapper): counts the statements of a
    request, keeps the slowest, and refuses every write, so that timing a page can
    never change the data it is measured on.
    """

    def __init__(self):
        self.reset()

    def reset(self):
        self.count = 0
        self.slowest_ms = 0.0
        self.slowest_sql = ""

    def __call__(self, execute, sql, params, many, context):
        verb = sql.lstrip().split(None, 1)[0].upper() if sql.strip() else ""
        if verb in WRITE_VERBS:
            raise WriteRefused(f"write refused while timing: {sql[:200]}")
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            elapsed = (time.perf_counter() - started) * 1000
            self.count += 1
            if elapsed > self.slowest_ms:
                self.slowest_ms, self.slowest_sql = elapsed, _sql_text(sql, params)


def _sql_text(sql, params) -> str:
    """The statement on one line, its column list cut (it says nothing about the cost), a few params."""
    text = " ".join(sql.split())
    if text.upper().startswith("SELECT ") and " FROM " in text:
        columns, rest = text[len("SELECT "):].split(" FROM ", 1)
        if len(columns) > 60 and "(" not in columns:
            text = f"SELECT … FROM {rest}"
    if params:
        text += f"  -- params {list(params)[:6]!r}"[:300]
    return text


def setup_django():
    """For a run as a script: the project's settings from the environment, DEBUG off."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.conf import settings

    # DEBUG keeps every statement's text in memory (connection.queries); production does not.
    settings.DEBUG = False
    # One access-log line per request would bury the progress lines on stderr.
    logging.getLogger("core.request").setLevel(logging.WARNING)


def admin_user():
    """The superuser the pages are requested as: `bench-admin`, created on first use."""
    from django.contrib.auth import get_user_model

    User = get_user_model()
    user = User.objects.filter(username=ADMIN_USERNAME).first()
    if user is None:
        user = User.objects.create_superuser(ADMIN_USERNAME, password=None)
    return user


def make_client(user):
    """A test client signed in as `user`, addressing a host ALLOWED_HOSTS accepts."""
    from django.conf import settings
    from django.test import Client

    hosts = [host for host in settings.ALLOWED_HOSTS if host not in ("*", "") and not host.startswith(".")]
    host = hosts[0] if hosts else "localhost"
    client = Client(raise_request_exception=False, HTTP_HOST=host, SERVER_NAME=host)
    client.force_login(user)
    return client


def _get(client, url, recorder):
    from django.conf import settings
    from django.db import connection

    recorder.reset()
    with connection.execute_wrapper(recorder):
        started = time.perf_counter()
        response = client.get(url, secure=bool(getattr(settings, "SECURE_SSL_REDIRECT", False)))
        elapsed = (time.perf_counter() - started) * 1000
    return response, elapsed


def selected_admins(only: list[str] | None):
    """(model, model_admin) pairs of the default admin site, in app and model order, narrowed by --only."""
    from django.contrib import admin

    pairs = sorted(admin.site._registry.items(), key=lambda item: (item[0]._meta.app_label, item[0]._meta.model_name))
    if not only:
        return pairs
    wanted = {name.lower() for name in only}
    return [(model, model_admin) for model, model_admin in pairs
            if {model._meta.app_label, model._meta.model_name, model._meta.label_lower} & wanted]


def _field_path(search_field: str) -> str:
    path = search_field.lstrip("=^@")
    parts = path.split("__")
    if len(parts) > 1 and parts[-1] in LOOKUP_SUFFIXES:
        parts = parts[:-1]
    return "__".join(parts)


def search_term(model, search_field: str) -> str | None:
    """
    A value operators would type for this field: that of an existing row, one of the
    newer ones (by primary key), so a search finds something as a real one does.
    """
    path = _field_path(search_field)
    queryset = model._default_manager.exclude(**{f"{path}__isnull": True})
    try:
        queryset = queryset.exclude(**{path: ""})
    except (TypeError, ValueError):  # not a text field: "" is no value of it
        pass
    values = list(queryset.order_by("-pk").values_list(path, flat=True)[137:138]) or \
        list(queryset.order_by("-pk").values_list(path, flat=True)[:1])
    return str(values[0])[:200] if values else None


def discover(client, model, model_admin, recorder) -> list[Page]:
    """The pages of one ModelAdmin, read off its change list as the operator sees it."""
    from django.contrib.admin.utils import quote
    from django.contrib.admin.views.main import ORDER_VAR, PAGE_VAR, SEARCH_VAR
    from django.urls import reverse
    from django.utils import timezone

    opts = model._meta
    label = f"{opts.app_label}.{opts.model_name}"
    base = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
    pages = [Page(label, "change list", base)]
    response, _ = _get(client, base, recorder)
    cl = (getattr(response, "context_data", None) or {}).get("cl")
    if response.status_code != 200 or cl is None:
        return pages  # timed as it is: its status fails it

    for spec in cl.filter_specs:
        offered = [choice for choice in spec.choices(cl) if not choice.get("selected")]
        for choice in offered[:2]:
            pages.append(Page(label, f"filter {spec.title}: {choice['display']}", base + choice["query_string"]))

    for search_field in cl.search_fields:
        term = search_term(model, search_field)
        if term is not None:
            pages.append(Page(label, f"search {search_field}", f"{base}?{urlencode({SEARCH_VAR: term})}"))

    for index, name in enumerate(cl.list_display):
        if name != "action_checkbox" and cl.get_ordering_field(name) is not None:
            pages.append(Page(label, f"sort {name}", f"{base}?{ORDER_VAR}={index}"))
            pages.append(Page(label, f"sort {name} desc", f"{base}?{ORDER_VAR}=-{index}"))

    deep = min(100, cl.paginator.num_pages)
    if deep > 1:
        pages.append(Page(label, f"page {deep}", f"{base}?{PAGE_VAR}={deep}"))

    first = cl.result_list[0] if len(cl.result_list) else None
    if cl.date_hierarchy and "__" not in cl.date_hierarchy and first is not None:
        value = getattr(first, cl.date_hierarchy)
        if isinstance(value, dt.datetime) and timezone.is_aware(value):
            value = timezone.localtime(value)
        if value is not None:
            drill = {}
            for part in ("year", "month", "day"):
                drill[f"{cl.date_hierarchy}__{part}"] = getattr(value, part)
                pages.append(Page(label, f"date hierarchy {part}", f"{base}?{urlencode(drill)}"))

    request = response.wsgi_request
    if first is not None:
        pk = quote(first.pk)
        pages.append(Page(label, "change form", reverse(f"admin:{opts.app_label}_{opts.model_name}_change",
                                                        args=[pk])))
        if model_admin.has_delete_permission(request, first):
            pages.append(Page(label, "delete confirmation",
                              reverse(f"admin:{opts.app_label}_{opts.model_name}_delete", args=[pk])))
    if model_admin.has_add_permission(request):
        pages.append(Page(label, "add form", reverse(f"admin:{opts.app_label}_{opts.model_name}_add")))
    return pages


def discover_all(client, only: list[str] | None, recorder) -> list[Page]:
    """The admin index, each selected app's index, then each selected ModelAdmin's pages."""
    from django.urls import reverse

    admins = selected_admins(only)
    pages = [Page("admin", "index", reverse("admin:index"))]
    for app_label in dict.fromkeys(model._meta.app_label for model, _ in admins):
        pages.append(Page("admin", f"app index {app_label}", reverse("admin:app_list", args=[app_label])))
    for model, model_admin in admins:
        pages += discover(client, model, model_admin, recorder)
    return pages


def measure(client, page: Page, repeat: int, budget_ms: float, recorder) -> Result:
    """One warm-up, then `repeat` timed requests (one only when the warm-up was far over budget)."""
    response, warmup_ms = _get(client, page.url, recorder)
    runs = 1 if warmup_ms > SLOW_WARMUP_FACTOR * budget_ms else repeat
    result = Result(page, response.status_code)
    for _ in range(runs):
        response, elapsed = _get(client, page.url, recorder)
        result.times_ms.append(elapsed)
        result.queries = recorder.count
        if recorder.slowest_ms > result.slowest_sql_ms:
            result.slowest_sql_ms, result.slowest_sql = recorder.slowest_ms, recorder.slowest_sql
        if response.status_code != 200:
            result.status = response.status_code
    if result.status in (301, 302):
        result.error = f"redirect to {response.get('Location')}"
    elif result.status != 200:
        exc = getattr(response, "exc_info", None)
        result.error = f"{exc[0].__name__}: {str(exc[1])[:200]}" if exc else ""
    return result


@contextmanager
def statement_timeout(ms: int):
    """Cut every statement at `ms` while timing (PostgreSQL only): a runaway page fails, it does not hang."""
    from django.db import connection
    from django.db.backends.signals import connection_created

    def apply(sender, connection, value=int(ms), **kwargs):
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(f"SET statement_timeout = {int(value)}")

    connection_created.connect(apply)
    if connection.connection is not None:
        apply(None, connection)
    try:
        yield
    finally:
        connection_created.disconnect(apply)
        if connection.connection is not None:
            apply(None, connection, value=0)  # 0: PostgreSQL's default, no limit


def describe_data() -> str:
    """What the pages ran against: the database and the size of its biggest admin tables."""
    from django.contrib import admin
    from django.db import connection

    settings_dict = connection.settings_dict
    where = f"{connection.vendor} `{settings_dict.get('NAME')}`"
    sizes = []
    if connection.vendor == "postgresql":
        tables = sorted({model._meta.db_table for model in admin.site._registry})
        with connection.cursor() as cursor:
            cursor.execute("SELECT relname, reltuples::bigint FROM pg_class WHERE relname = ANY(%s) "
                           "ORDER BY reltuples DESC", [tables])
            sizes = [f"{name} ~{rows:,}" for name, rows in cursor.fetchall() if rows >= 1000]
    return where + (f" ({', '.join(sizes)} rows, planner estimates)" if sizes else "")


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (f"{os.cpu_count()} CPUs ({cpu}), {platform.system()} {platform.release()}, "
            f"Python {platform.python_version()}")


def render(results: list[Result], budget_ms: float, repeat: int, header: str) -> str:
    """The Markdown report: the table, then the slowest statement of each failing page."""
    lines = [header, "",
             "| page | URL | median ms | max ms | queries | slowest SQL ms | status |",
             "|---|---|---:|---:|---:|---:|---|"]
    for r in results:
        status = str(r.status)
        if r.error:
            status += f" ({r.error[:80]})"
        elif r.median_ms > budget_ms:
            status += " over budget"
        url = r.page.url.replace("|", "%7C")
        lines.append(f"| {r.page.admin} {r.page.name} | `{url}` | {r.median_ms:.0f} | {r.max_ms:.0f} | {r.queries} | "
                     f"{r.slowest_sql_ms:.0f} | {status} |")
    failing = [r for r in results if r.failed(budget_ms)]
    lines += ["", f"{len(results)} pages, {len(failing)} failing (over {budget_ms:.0f} ms median or not 200); "
                  f"{repeat} timed request(s) per page after a warm-up."]
    if failing:
        lines += ["", "### Slowest statement of each failing page", ""]
        for r in sorted(failing, key=lambda r: -r.median_ms):
            lines.append(f"- **{r.page.admin} {r.page.name}** ({r.median_ms:.0f} ms, {r.queries} queries, "
                         f"slowest {r.slowest_sql_ms:.0f} ms): `{r.slowest_sql[:400]}`"
                         + (f" — {r.error}" if r.error else ""))
    return "\n".join(lines) + "\n"


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3, help="timed requests per page after the warm-up (3)")
    parser.add_argument("--budget-ms", type=float, default=500, help="median server time a page may take (500)")
    parser.add_argument("--only", action="append", metavar="APP_OR_MODEL",
                        help="only these admins: an app label (procurement), a model name (intent) or "
                             "app.model (procurement.intent); repeatable, or comma-separated")
    parser.add_argument("--statement-timeout-ms", type=int, default=30_000,
                        help="PostgreSQL statement_timeout while timing (30000)")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help=f"Markdown file ({DEFAULT_OUTPUT})")
    args = parser.parse_args(argv)
    if args.only:
        args.only = [name.strip() for value in args.only for name in value.split(",") if name.strip()]
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    return args


def main(argv=None) -> int:
    """Discover, time, report; 0 when every page answered 200 within the budget, else 1."""
    args = parse_args(argv)
    if args.only and not selected_admins(args.only):
        print(f"admin_timing: no registered admin matches {args.only}", file=sys.stderr)
        return 2
    recorder = SqlRecorder()
    client = make_client(admin_user())
    started = time.monotonic()
    results = []
    with statement_timeout(args.statement_timeout_ms):
        pages = discover_all(client, args.only, recorder)
        for page in pages:
            result = measure(client, page, args.repeat, args.budget_ms, recorder)
            results.append(result)
            print(f"admin_timing: {result.median_ms:8.0f} ms  {result.status}  {page.admin} {page.name}",
                  file=sys.stderr, flush=True)
    header = (f"Admin pages, server time ({dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, "
              f"{time.monotonic() - started:.0f} s): {describe_data()}; {machine()}; budget {args.budget_ms:.0f} ms.")
    report = render(results, args.budget_ms, args.repeat, header)
    print(report)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(report)
    return 1 if any(r.failed(args.budget_ms) for r in results) else 0


if __name__ == "__main__":
    setup_django()
    sys.exit(main())
