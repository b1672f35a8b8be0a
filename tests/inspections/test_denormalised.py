"""The task's copies of its finding's round and category stay equal to the finding's on every write path."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import F, Q
from django.urls import reverse
from ledger.conftest import workbook_file

from accounts.services import user_role_group_sync
from inspections import services
from inspections.choices import Category
from inspections.ledger.services import ledger_import
from inspections.models import Finding, RectificationTask

HEADER = ["序号", "督察轮次", "问题编号", "反馈问题", "问题类别", "牵头单位", "整改时限"]
ROUND_NAME = "第二轮中央生态环境保护督察"


def out_of_step():
    """Tasks whose copies differ from their finding's round or category (the invariant says: none)."""
    return RectificationTask.objects.filter(~Q(round_id=F("finding__round_id")) | ~Q(category=F("finding__category")))


def assert_in_step(expected_tasks=None):
    assert not out_of_step().exists()
    if expected_tasks is not None:
        assert RectificationTask.objects.count() == expected_tasks


@pytest.mark.django_db
def test_task_assign_copies_the_findings_round_and_category(ledger):
    task = ledger.task()
    assert (task.round_id, task.category) == (ledger.round.pk, Category.OTHER)
    finding = task.finding
    second = services.task_assign(
        actor=ledger.bureau, finding=finding, number=2, lead_unit=ledger.town, deadline_text="2024年12月31日前"
    )
    second.refresh_from_db()
    assert (second.round_id, second.category) == (finding.round_id, finding.category)
    assert_in_step(2)


@pytest.mark.django_db
def test_finding_update_of_category_moves_its_tasks(ledger):
    task = ledger.task()
    services.task_assign(
        actor=ledger.bureau, finding=task.finding, number=2, lead_unit=ledger.town, deadline_text="2024年12月31日前"
    )
    other = ledger.task()
    finding = Finding.objects.get(pk=task.finding_id)
    services.finding_update(actor=ledger.bureau, finding=finding, category=Category.WATER)
    assert set(finding.tasks.values_list("category", flat=True)) == {Category.WATER}
    assert RectificationTask.objects.get(pk=other.pk).category == Category.OTHER  # another finding's task
    assert_in_step(3)


@pytest.mark.django_db
def test_task_list_filters_by_the_copied_round_and_category(client, ledger):
    water = ledger.task()
    services.finding_update(actor=ledger.bureau, finding=water.finding, category=Category.WATER)
    ledger.task()
    client.force_login(ledger.bureau)
    url = reverse("inspections:task_list")
    assert client.get(url, {"category": Category.WATER}).context["page"].paginator.count == 1
    assert client.get(url, {"round": ledger.round.pk}).context["page"].paginator.count == 2


def _admin_post_data(response) -> dict:
    """The change form's current values, as the browser would post them back (main form and inlines)."""
    data = {}

    def add(form):
        for bound in form:
            value = bound.value()
            if value is None:
                continue
            if isinstance(value, list | tuple) and not isinstance(bound.field.prepare_value(value), str):
                data[bound.html_name] = [bound.field.prepare_value(v) for v in value]
            else:
                data[bound.html_name] = bound.field.prepare_value(value)

    add(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        add(formset.management_form)
        for form in formset.forms:
            add(form)
    return data


@pytest.mark.django_db
def test_admin_change_of_a_findings_category_moves_its_tasks(client, ledger):
    task = ledger.task()
    user_role_group_sync(ledger.bureau)  # bureau staff may open the admin
    client.force_login(ledger.bureau)
    url = reverse("admin:inspections_finding_change", args=[task.finding_id])
    page = client.get(url)
    assert page.status_code == 200, (page.status_code, page.get("Location"))
    data = _admin_post_data(page)
    assert data["category"] == Category.OTHER
    data["category"] = Category.AIR
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else response
    assert Finding.objects.get(pk=task.finding_id).category == Category.AIR
    assert RectificationTask.objects.get(pk=task.pk).category == Category.AIR
    assert_in_step(1)


@pytest.mark.django_db
def test_ledger_import_copies_and_reimport_with_a_changed_category_moves_the_tasks(tmp_path, ledger):
    rows = [
        [1, ROUND_NAME, 1, "河道垃圾", "水污染", "南山镇", "2024-06-30"],
        [2, ROUND_NAME, 1, "河道垃圾", "水污染", "市住房和城乡建设局", "2024-09-30"],
        [3, ROUND_NAME, 2, "工地扬尘", "扬尘", "南山镇", "2024年底前"],
    ]
    plan = ledger_import(path=workbook_file(tmp_path / "v1.xlsx", [HEADER, *rows]), actor=ledger.bureau)
    assert plan.written, plan.errors
    imported = RectificationTask.objects.filter(finding__round__name=ROUND_NAME)
    assert sorted(imported.values_list("category", flat=True)) == [Category.DUST, Category.WATER, Category.WATER]
    assert_in_step(3)

    for line in rows[:2]:
        line[4] = "大气污染"
    plan = ledger_import(path=workbook_file(tmp_path / "v2.xlsx", [HEADER, *rows]), actor=ledger.bureau)
    assert plan.written, plan.errors
    assert plan.findings_updated == 1
    assert sorted(imported.values_list("category", flat=True)) == [Category.AIR, Category.AIR, Category.DUST]
    assert_in_step(3)


@pytest.mark.django_db
def test_seed_demo_with_bulk_tasks_fills_both_columns():
    call_command("seed_demo", "--tasks", "300", "--seed", "5", stdout=StringIO())
    bulk = RectificationTask.objects.filter(finding__round__name__startswith="压测轮次")
    assert bulk.count() == 300
    assert_in_step()
