"""
Trigram indexes behind the admin's substring search (PostgreSQL only).

The admin searches users by username, nickname, real name, email and phone, and
batch records by the actor's name, with icontains: on PostgreSQL Django writes
`UPPER("col"::text) LIKE UPPER('%term%')`, which no B-tree can serve. A GIN
index with pg_trgm's operator class on that same expression can, for terms of
three characters or more. SQLite (the embedded default) gets no such index and
needs none at its size. Creating the extension needs a role allowed to (pg_trgm
is a trusted extension since PostgreSQL 13: the database owner may); it is left
in place on the way back, as other apps may use it.
"""
from django.db import migrations

# (index name, table, column)
_INDEXES = [
    ("accounts_user_username_trgm", "accounts_user", "username"),
    ("accounts_user_nickname_trgm", "accounts_user", "nickname"),
    ("accounts_user_real_name_trgm", "accounts_user", "real_name"),
    ("accounts_user_email_trgm", "accounts_user", "email"),
    ("accounts_user_phone_trgm", "accounts_user", "phone"),
    ("accounts_batch_actor_label_trgm", "accounts_status_change_batch", "actor_label"),
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, table, column in _INDEXES:
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" USING gin ((UPPER("{column}"::text)) gin_trgm_ops)')


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _, _ in _INDEXES:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


class Migration(migrations.Migration):
    dependencies = [("accounts", "0004_chinese_labels_and_filter_indexes")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
