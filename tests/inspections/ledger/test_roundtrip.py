"""An exported ledger imported into an empty database gives back the same ledger."""

import pytest

from accounts.choices import Role
from accounts.models import Unit, User
from inspections.ledger.export import write_ledger
from inspections.ledger.importer import run_import
from inspections.models import (
    Evidence,
    Finding,
    InspectionRound,
    Notification,
    ProgressUpdate,
    RectificationTask,
    TaskEvent,
)
from inspections.selectors import task_filterset


def snapshot():
    rows = []
    tasks = RectificationTask.objects.select_related("finding__round", "finding__responsible_leader", "lead_unit")
    for task in tasks.prefetch_related("cooperating_units").order_by(
        "finding__round__name", "finding__number", "number"
    ):
        finding = task.finding
        rows.append(
            (
                finding.round.name,
                finding.number,
                finding.summary,
                finding.category,
                finding.region,
                finding.responsible_leader.full_name if finding.responsible_leader else "",
                task.number,
                task.lead_unit.name,
                sorted(u.name for u in task.cooperating_units.all()),
                task.responsible_person,
                task.goal,
                task.measures,
                task.deadline_text,
                task.deadline,
                task.deadline_kind,
                task.milestones,
                task.status,
                task.investment,
            )
        )
    return rows


def empty_database():
    for model in (TaskEvent, ProgressUpdate, Evidence, Notification):
        model.objects.all().delete()
    RectificationTask.cooperating_units.through.objects.all().delete()
    RectificationTask.objects.all().delete()
    Finding.objects.all().delete()
    InspectionRound.objects.all().delete()
    User.objects.all().delete()
    for unit in Unit.objects.order_by("-path"):  # leaves first (parents are protected)
        unit.delete()


@pytest.mark.django_db
def test_export_then_import_into_empty_database_gives_the_same_ledger(tmp_path, people, ledger_round):
    before = snapshot()
    unit_names = set(Unit.objects.filter(led_tasks__isnull=False).values_list("name", flat=True)) | set(
        Unit.objects.filter(cooperating_tasks__isnull=False).values_list("name", flat=True)
    )
    path = tmp_path / "ledger.xlsx"
    assert write_ledger(task_filterset(user=people["admin"]).qs, path) == 6

    empty_database()
    assert RectificationTask.objects.count() == Unit.objects.count() == 0
    admin = User.objects.create_user("restorer", password="x", role=Role.ADMIN, full_name="恢复")

    plan = run_import(path, actor=admin)
    assert plan.ok and plan.written, plan.errors
    assert plan.rounds_new == ["第二轮中央生态环境保护督察"]
    assert set(plan.units_new) == unit_names
    assert snapshot() == before
    assert set(Unit.objects.values_list("name", flat=True)) == unit_names
    # The status history exists: every task starts with a creation event.
    assert TaskEvent.objects.filter(kind="created").count() == 6

    # And the ledger re-imported over itself changes nothing.
    again = run_import(path, actor=admin)
    assert (again.tasks_new, again.tasks_updated, again.tasks_unchanged) == (0, 0, 6)
    assert snapshot() == before
