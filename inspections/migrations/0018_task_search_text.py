"""The task's search document (inspections/search.py): the column, its backfill and its pg_trgm GIN index.

On PostgreSQL the backfill is one UPDATE in SQL (the same recipe as search.DOCUMENT_SQL, copied here so the
migration does not change when the app does), then the GIN index is built over the filled column; the task
list's former per-column trigram indexes on measures and goal are dropped (nothing searches those columns
any more; the finding's summary/description indexes stay for the findings list). Elsewhere (SQLite) the
documents are built in Python. Measured at 300,000 tasks: see bench/task_search.py's docstring.
"""

import unicodedata

from django.db import migrations, models

TASK_INDEXES = (("task_measures_trgm", "measures"), ("task_goal_trgm", "goal"))

BACKFILL = """
UPDATE inspections_rectificationtask AS target SET search_text = d.document
FROM (
    SELECT t.id, translate(f.number::text || '-' || t.number::text, '0123456789-', '０１２３４５６７８９－')
        || E'\\n' || lower(normalize(concat_ws(E'\\n',
        f.summary, f.description, t.goal, t.measures, t.remark, t.responsible_person, t.leader_text, lu.name,
        co.names
    ), NFKC)) AS document
      FROM inspections_rectificationtask t
      JOIN inspections_finding f ON f.id = t.finding_id
      JOIN accounts_unit lu ON lu.id = t.lead_unit_id
      LEFT JOIN (
          SELECT tc.rectificationtask_id, string_agg(cu.name, E'\\n' ORDER BY cu.name COLLATE "C") AS names
            FROM inspections_rectificationtask_cooperating_units tc JOIN accounts_unit cu ON cu.id = tc.unit_id
           GROUP BY tc.rectificationtask_id
      ) co ON co.rectificationtask_id = t.id
) d
WHERE d.id = target.id
"""


def _fold(text):
    return unicodedata.normalize("NFKC", text or "").lower()


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        schema_editor.execute(BACKFILL)
        schema_editor.execute(
            'CREATE INDEX IF NOT EXISTS "task_search_text_trgm" ON "inspections_rectificationtask" '
            'USING gin ("search_text" gin_trgm_ops)'
        )
        for name, _column in TASK_INDEXES:
            schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')
        return
    task_model = apps.get_model("inspections", "RectificationTask")
    tasks = task_model.objects.select_related("finding", "lead_unit").prefetch_related("cooperating_units")
    changed = []
    for task in tasks.order_by("pk").iterator(2000):
        parts = [
            task.finding.summary,
            task.finding.description,
            task.goal,
            task.measures,
            task.remark,
            task.responsible_person,
            task.leader_text,
            task.lead_unit.name,
        ]
        names = sorted(unit.name for unit in task.cooperating_units.all())
        if names:
            parts.append("\n".join(names))
        code = f"{task.finding.number}-{task.number}".translate(str.maketrans("0123456789-", "０１２３４５６７８９－"))
        task.search_text = code + "\n" + _fold("\n".join(parts))
        changed.append(task)
    task_model.objects.bulk_update(changed, ["search_text"], batch_size=2000)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute('DROP INDEX IF EXISTS "task_search_text_trgm"')
    for name, column in TASK_INDEXES:
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{name}" ON "inspections_rectificationtask" '
            f'USING gin ((UPPER("{column}"::text)) gin_trgm_ops)'
        )


class Migration(migrations.Migration):
    dependencies = [
        ("inspections", "0017_closure_chain"),
    ]

    operations = [
        migrations.AddField(
            model_name="rectificationtask",
            name="search_text",
            field=models.TextField(blank=True, db_default="", default="", editable=False, verbose_name="检索文本"),
        ),
        migrations.RunPython(forwards, backwards),
    ]
