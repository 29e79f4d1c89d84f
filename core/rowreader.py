"""
One model row by equality on a few columns, read through a plain cursor.

On the hottest reads (the JWT user check, a signed GET by id) compiling the
ORM query took longer than running it. A `RowReader` builds its SELECT and
the ORM's per-column converters once per database and then only executes:
the instance it returns is what `Model.objects.filter(...).first()` would
give (`Model.from_db`, converters applied), minus the ORM's ordering.
"""
from __future__ import annotations

import threading

from django.db import connections, router
from django.db.models.expressions import Col


class RowReader:
    """`RowReader(User, "pk").get(user_id)`: the row whose named fields equal the values, or None."""

    def __init__(self, model, *field_names: str):
        self.model = model
        self.field_names = field_names
        self._compiled: dict[str, tuple[str, list, list]] = {}
        self._lock = threading.Lock()

    def _compile(self, connection) -> tuple[str, list, list]:
        compiled = self._compiled.get(connection.alias)
        if compiled is None:
            meta = self.model._meta
            quote = connection.ops.quote_name
            fields = meta.concrete_fields
            where_fields = [meta.pk if name == "pk" else meta.get_field(name) for name in self.field_names]
            sql = (
                f"SELECT {', '.join(quote(field.column) for field in fields)} FROM {quote(meta.db_table)} "
                f"WHERE {' AND '.join(f'{quote(field.column)} = %s' for field in where_fields)}"
            )
            converters = []
            for field in fields:
                column = Col(meta.db_table, field)
                converters.append((column, connection.ops.get_db_converters(column)
                                   + field.get_db_converters(connection)))
            compiled = (sql, where_fields, converters)
            with self._lock:
                self._compiled[connection.alias] = compiled
        return compiled

    def get(self, *values):
        """The instance whose fields (in the order given at construction) equal `values`, or None."""
        alias = router.db_for_read(self.model)
        connection = connections[alias]
        sql, where_fields, converters = self._compile(connection)
        params = [field.get_db_prep_value(value, connection) for field, value in zip(where_fields, values)]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            row = cursor.fetchone()
        if row is None:
            return None
        converted = []
        for value, (column, functions) in zip(row, converters):
            for convert in functions:
                value = convert(value, column, connection)
            converted.append(value)
        return self.model.from_db(alias, [field.attname for field in self.model._meta.concrete_fields], converted)
