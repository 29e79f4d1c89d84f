"""Reading Django admin pages in tests: a change list's rows and headers, and the SQL a page ran."""
import html
import re

from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.admin import EstimatedCountPaginator


def result_rows(response) -> list[dict[str, str]]:
    """Each row of an admin change list as {field: the cell's text}, from the cells' field-<name> classes."""
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="changelist"' in page, "not a change list"
    table = re.search(r'<table id="result_list">.*?</table>', page, re.S)
    if table is None:  # the admin shows no table for an empty result
        return []
    body = table.group().split("<tbody>", 1)[1]
    return [{field: html.unescape(re.sub(r"<[^>]+>", "", cell)).strip()
             for field, cell in re.findall(r'<t[hd] class="field-([a-z_]+)[^"]*"[^>]*>(.*?)</t[hd]>', row, re.S)}
            for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)]


def sortable_columns(response) -> list[str]:
    """The change list's columns whose header sorts the list."""
    return re.findall(r'<th scope="col" class="sortable column-([a-z_]+)', response.content.decode())


def page_text(response) -> str:
    """The page's visible text, tags removed and white space collapsed."""
    text = re.sub(r"<(script|style)\b.*?</\1>", " ", response.content.decode(), flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", text)))


def get_with_queries(client, monkeypatch, url, params=None):
    """
    GET an admin page as at production size: the estimated-count paginator takes the
    planner's estimate for every result (on PostgreSQL; SQLite has none). Returns the
    response and the SQL it ran.
    """
    monkeypatch.setattr(EstimatedCountPaginator, "EXACT_BELOW", 0)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return response, [query["sql"] for query in queries.captured_queries]


def assert_no_table_scans(sqls: list[str]) -> None:
    """
    No date-hierarchy MIN/MAX, no DISTINCT (filter lookups, date lists), and no COUNT:
    on PostgreSQL the page count is the planner's estimate; on SQLite, which has no
    estimate, the paginator's one exact count is the only COUNT.
    """
    for sql in sqls:
        upper = sql.upper()
        assert "MIN(" not in upper and "MAX(" not in upper and "DISTINCT" not in upper, sql
    counts = [sql for sql in sqls if "COUNT(" in sql.upper()]
    if connection.vendor == "postgresql":
        assert counts == []
        assert any(sql.startswith("EXPLAIN") for sql in sqls)
    else:
        assert len(counts) <= 1, counts
