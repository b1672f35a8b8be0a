"""pg_trgm GIN indexes for the task list's Chinese search (PostgreSQL only; a no-op on SQLite).

Chinese has no spaces, so PostgreSQL's full-text parser cannot split it into words (and zhparser is
not a stock extension). The search therefore stays `icontains`, which Django writes on PostgreSQL as
UPPER(col::text) LIKE UPPER('%term%'); GIN indexes on that very expression with pg_trgm's opclass
accelerate it for terms of three or more characters, provided the cluster's LC_CTYPE is a
UTF-8 locale that classes CJK characters as alphanumeric (C.UTF-8 in scripts/test.sh, en_US.utf8 in
the postgres:15 image of docker-compose.yml). Shorter terms still work, by a scan.
"""

from django.db import migrations

INDEXES = [
    ("finding_summary_trgm", "inspections_finding", "summary"),
    ("finding_description_trgm", "inspections_finding", "description"),
    ("task_measures_trgm", "inspections_rectificationtask", "measures"),
    ("task_goal_trgm", "inspections_rectificationtask", "goal"),
]


def create_trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, table, column in INDEXES:
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" USING gin ((UPPER("{column}"::text)) gin_trgm_ops)'
        )


def drop_trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _table, _column in INDEXES:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


class Migration(migrations.Migration):
    dependencies = [("inspections", "0001_initial")]

    operations = [migrations.RunPython(create_trigram_indexes, drop_trigram_indexes, elidable=False)]
