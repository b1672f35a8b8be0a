# The cooperation rows of a unit's subtree read from an index alone (issue 19: a unit's dashboard at 1M tasks).
#
# Every query of a unit user's view starts from "the tasks a unit of my subtree cooperates on": the ids of its
# cooperation rows by unit. Django's own index on unit_id makes that a heap visit per row (a bitmap heap scan of
# about one page per row, 1,233 pages for 1,768 rows at 300k tasks, done by four queries of the dashboard);
# (unit_id, rectificationtask_id) answers it as an index-only scan (24 pages). The table is the implicit
# through table of RectificationTask.cooperating_units, which has no Meta to declare an index on, hence SQL.

from django.db import migrations

TABLE = "inspections_rectificationtask_cooperating_units"


class Migration(migrations.Migration):
    dependencies = [
        ("inspections", "0021_unit_todo_indexes"),
    ]

    operations = [
        migrations.RunSQL(
            f"CREATE INDEX task_coop_unit_task ON {TABLE} (unit_id, rectificationtask_id)",
            "DROP INDEX task_coop_unit_task",
        ),
    ]
