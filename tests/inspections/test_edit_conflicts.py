"""Edit conflicts (issue 18 item 3): after "该任务已被他人修改" the page shows theirs against mine and a form
carrying my changes on the new version, so saving again applies them; the typed text is never lost."""

import re

import pytest
from django.urls import reverse

from inspections import services
from inspections.models import RectificationTask

pytestmark = pytest.mark.django_db


def edit_data(task, **changes):
    data = {
        "version": task.version,
        "lead_unit": task.lead_unit_id,
        "responsible_person": task.responsible_person,
        "goal": task.goal,
        "measures": task.measures,
        "deadline_text": task.deadline_text,
        "assigned_on": task.assigned_on.isoformat(),
    }
    data.update(changes)
    return data


def hidden_version(html):
    return int(re.search(r'name="version" value="(\d+)"', html)[1])


def test_theirs_and_mine_are_merged_and_saved_on_the_new_version(client, ledger):
    task = ledger.task()
    opened = edit_data(task, goal="我的新目标：全部达标")
    services.task_update(actor=ledger.admin, task=task, measures="他人改的措施：新建管网")  # saved first
    client.force_login(ledger.bureau)
    url = reverse("inspections:task_edit", args=[task.pk])

    response = client.post(url, opened)
    assert response.status_code == 409
    html = response.content.decode()
    assert 'data-testid="edit-conflict"' in html
    rows = response.context["conflicts"]
    by_name = {r.name: r for r in rows}
    assert by_name["measures"].outcome == "theirs" and "他人改的措施" in by_name["measures"].theirs
    assert by_name["goal"].outcome == "mine" and by_name["goal"].mine == "我的新目标：全部达标"
    # The form: mine for goal, theirs for measures, the new version.
    form = response.context["form"]
    assert form["goal"].value() == "我的新目标：全部达标"
    assert form["measures"].value() == "他人改的措施：新建管网"
    assert hidden_version(html) == RectificationTask.objects.get(pk=task.pk).version

    # Saving the offered form applies my change on top of theirs.
    again = client.post(url, {k: form[k].value() for k in opened})
    assert again.status_code == 302
    task.refresh_from_db()
    assert (task.goal, task.measures) == ("我的新目标：全部达标", "他人改的措施：新建管网")


def test_both_changed_the_same_field(client, ledger):
    task = ledger.task()
    opened = edit_data(task, measures="我的措施")
    services.task_update(actor=ledger.admin, task=task, measures="他人的措施")
    client.force_login(ledger.bureau)
    response = client.post(reverse("inspections:task_edit", args=[task.pk]), opened)
    assert response.status_code == 409
    (row,) = response.context["conflicts"]
    assert (row.name, row.outcome, row.theirs, row.mine) == ("measures", "both", "他人的措施", "我的措施")
    assert response.context["form"]["measures"].value() == "我的措施"


def test_a_progress_report_typed_during_a_change_is_kept_and_can_be_resent(client, ledger):
    task = ledger.task()
    stale = task.version
    services.task_update(actor=ledger.admin, task=task, measures="他人的措施")
    client.force_login(ledger.water_user)
    url = reverse("inspections:task_progress", args=[task.pk])
    data = {"version": stale, "text": "已完成管网铺设三公里", "percent": 40, "investment": "12.5"}
    response = client.post(url, data)
    assert response.status_code == 409
    html = response.content.decode()
    assert "已完成管网铺设三公里" in html
    fresh = RectificationTask.objects.get(pk=task.pk).version
    assert f'name="version" value="{fresh}"' in html
    assert client.post(url, {**data, "version": fresh}).status_code == 302
