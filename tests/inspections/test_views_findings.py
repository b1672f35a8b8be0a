"""The finding form: one finding split into N tasks in one post; errors per field, nothing saved on error."""

import pytest
from django.urls import reverse
from workflow_setup import world

from inspections.models import Finding, RectificationTask

pytestmark = pytest.mark.django_db


def finding_post(world, rows, **finding):
    data = {
        "summary": "黑臭水体整治不到位",
        "category": "black_odorous",
        "source": "feedback",
        "responsible_leader": world.leader.pk,
        "tasks-TOTAL_FORMS": len(rows),
        "tasks-INITIAL_FORMS": 0,
        "tasks-MIN_NUM_FORMS": 1,
        "tasks-MAX_NUM_FORMS": 50,
        **finding,
    }
    for i, row in enumerate(rows):
        for key, value in row.items():
            data[f"tasks-{i}-{key}"] = value
    return data


def test_staff_split_a_finding_into_tasks(client, world):
    client.force_login(world.staff)
    rows = [
        {
            "lead_unit": world.housing.pk,
            "cooperating_units": [world.township.pk, world.housing.pk],
            "deadline_text": "2099年6月底前",
            "measures": "截污纳管",
        },
        {"lead_unit": world.township.pk, "deadline_text": "立行立改", "goal": "消除黑臭"},
    ]
    response = client.post(reverse("inspections:finding_create", args=[world.round.pk]), finding_post(world, rows))
    assert response.status_code == 302
    finding = Finding.objects.get(summary="黑臭水体整治不到位")
    tasks = list(finding.tasks.order_by("number"))
    assert [t.lead_unit for t in tasks] == [world.housing, world.township]
    assert list(tasks[0].cooperating_units.all()) == [world.township]  # the lead unit is not its own helper
    assert tasks[0].deadline.isoformat() == "2099-06-30"
    assert tasks[1].deadline_kind == "immediate"


def test_bad_deadline_text_is_a_field_error_and_nothing_is_saved(client, world):
    client.force_login(world.staff)
    rows = [
        {"lead_unit": world.housing.pk, "deadline_text": "2099年6月底前"},
        {"lead_unit": world.township.pk, "deadline_text": "尽快吧"},
    ]
    before = RectificationTask.objects.count()
    response = client.post(reverse("inspections:finding_create", args=[world.round.pk]), finding_post(world, rows))
    assert response.status_code == 400
    formset = response.context["formset"]
    assert "deadline_text" in formset.forms[1].errors and not formset.forms[0].errors
    assert "无法识别的整改时限" in response.content.decode()
    assert not Finding.objects.filter(summary="黑臭水体整治不到位").exists()
    assert RectificationTask.objects.count() == before


def test_missing_summary_and_no_tasks_are_refused(client, world):
    client.force_login(world.staff)
    response = client.post(
        reverse("inspections:finding_create", args=[world.round.pk]), finding_post(world, [], summary="")
    )
    assert response.status_code == 400
    assert "summary" in response.context["form"].errors
    assert response.context["formset"].non_form_errors()


def test_duplicate_finding_number_is_a_field_error(client, world):
    client.force_login(world.staff)
    rows = [{"lead_unit": world.housing.pk, "deadline_text": "2099年6月底前"}]
    response = client.post(
        reverse("inspections:finding_create", args=[world.round.pk]),
        finding_post(world, rows, number=world.finding.number),
    )
    assert response.status_code == 400
    assert "number" in response.context["form"].errors


@pytest.mark.parametrize("who", ["leader", "housing_user"])
def test_other_roles_may_not_register_findings(client, world, who):
    client.force_login(getattr(world, who))
    rows = [{"lead_unit": world.housing.pk, "deadline_text": "2099年6月底前"}]
    response = client.post(reverse("inspections:finding_create", args=[world.round.pk]), finding_post(world, rows))
    assert response.status_code == 403
    assert not Finding.objects.filter(summary="黑臭水体整治不到位").exists()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025年6月底前", "2025年6月30日"),
        ("2023年底前完成阶段性整改，2025年底前全面完成", "2023年12月31日"),
        ("乱写", "无法识别"),
    ],
)
def test_deadline_preview(client, world, text, expected):
    client.force_login(world.housing_user)
    response = client.get(reverse("inspections:deadline_preview"), {"tasks-3-deadline_text": text})
    assert response.status_code == 200
    assert expected in response.content.decode()


def test_deadline_preview_counts_immediate_fixes_from_the_assignment_date(client, world, settings):
    settings.IMMEDIATE_DEADLINE_DAYS = 30
    client.force_login(world.staff)
    url = reverse("inspections:deadline_preview")
    response = client.get(url, {"deadline_text": "立行立改", "assigned_on": "2025-01-01"})
    assert "2025年1月31日" in response.content.decode()
    # A date that does not exist or is out of range is ignored (today counts), never a 500.
    for bad in ("2025-02-30", "9999-12-31", "abc"):
        response = client.get(url, {"deadline_text": "立行立改", "assigned_on": bad})
        assert response.status_code == 200 and "2025年1月31日" not in response.content.decode()
        assert 'data-testid="deadline-preview"' in response.content.decode()
