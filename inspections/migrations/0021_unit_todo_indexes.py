# A unit's to-do counts as index ranges (issue 19: a unit's dashboard at 1M tasks).

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("inspections", "0020_supervision_gaps"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="rectificationtask",
            index=models.Index(fields=["lead_unit", "status", "deadline"], name="task_lead_status_deadline"),
        ),
        migrations.AddIndex(
            model_name="taskevent",
            index=models.Index(
                condition=models.Q(("action", "reject"), ("kind", "transition")),
                fields=["task"],
                name="event_task_rejected",
            ),
        ),
    ]
