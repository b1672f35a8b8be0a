"""Pages of supervision: both sides of each rule, and constant query counts of the list pages."""

from datetime import date

import pytest
from django.urls import reverse

from inspections.choices import AccountabilityMeasure, PeriodKind, SuggestionStatus, SupervisionKind
from inspections.models import SupervisionAction, SupervisionSuggestion
from inspections.supervision import services
from inspections.supervision.scoring import scores_store
from inspections.supervision.suggestions import suggestions_compute

K = SupervisionKind


def quarter_start():
    from django.utils import timezone

    from inspections.supervision.scoring import period_bounds

    return period_bounds(PeriodKind.QUARTER, timezone.localdate())[0]


def notice(ledger, unit=None, task=None):
    unit = unit or ledger.water
    return services.action_issue(
        actor=ledger.bureau, kind=K.NOTICE, target_unit=unit, tasks=[task or ledger.task(lead_unit=unit)]
    )


def test_list_and_detail_by_role(ledger, client):
    to_plant = notice(ledger, ledger.plant)
    blame = services.action_issue(
        actor=ledger.bureau,
        kind=K.ACCOUNTABILITY,
        target_unit=ledger.plant,
        tasks=[ledger.task(lead_unit=ledger.plant)],
        target_person="赵某",
        measure=AccountabilityMeasure.WARNING,
        deciding_body="市纪委监委",
    )
    for user, sees_blame in (
        (ledger.bureau, True),
        (ledger.leader, True),
        (ledger.admin, True),
        (ledger.water_user, False),
    ):
        client.force_login(user)
        page = client.get(reverse("inspections:supervision_list")).content.decode()
        assert to_plant.doc_number in page and (blame.doc_number in page) == sees_blame
        assert client.get(to_plant.get_absolute_url()).status_code == 200
        assert client.get(blame.get_absolute_url()).status_code == (200 if sees_blame else 404)
    client.force_login(ledger.town_user)
    assert to_plant.doc_number not in client.get(reverse("inspections:supervision_list")).content.decode()
    assert client.get(to_plant.get_absolute_url()).status_code == 404


def test_issue_page_bureau_only(ledger, client):
    task = ledger.task()
    for user in (ledger.water_user, ledger.leader):
        client.force_login(user)
        assert client.get(reverse("inspections:supervision_issue")).status_code == 403
    client.force_login(ledger.bureau)
    assert client.get(reverse("inspections:supervision_issue") + f"?task={task.pk}").status_code == 200
    response = client.post(
        reverse("inspections:supervision_issue"),
        {
            "kind": K.NOTICE,
            "target_unit": ledger.water.pk,
            "tasks": [task.pk],
            "issued_on": "2026-05-06",
            "reply_due": "2026-05-16",
        },
    )
    action = SupervisionAction.objects.get()
    assert response.status_code == 302 and response["Location"] == action.get_absolute_url()


def test_unit_replies_on_the_page_others_cannot(ledger, client):
    action = notice(ledger)
    client.force_login(ledger.town_user)
    assert client.post(reverse("inspections:supervision_reply", args=[action.pk]), {"text": "x"}).status_code == 404
    client.force_login(ledger.bureau)
    assert client.post(reverse("inspections:supervision_reply", args=[action.pk]), {"text": "x"}).status_code == 403
    client.force_login(ledger.water_user)
    page = client.get(action.get_absolute_url()).content.decode()
    assert 'data-testid="reply-form"' in page
    client.post(reverse("inspections:supervision_reply", args=[action.pk]), {"text": "已整改", "files": [ledger.pdf()]})
    action.refresh_from_db()
    assert action.reply_text == "已整改" and action.reply_files.count() == 1


def test_suggestion_page_issue_prefilled_and_dismiss(ledger, client):
    task = ledger.task()
    suggestions_compute(today=date(2024, 3, 15))
    suggestion = SupervisionSuggestion.objects.get()
    client.force_login(ledger.water_user)
    assert client.get(reverse("inspections:supervision_suggestions")).status_code == 403
    client.force_login(ledger.bureau)
    page = client.get(reverse("inspections:supervision_suggestions")).content.decode()
    assert task.code in page and "督办通知" in page
    form = client.get(reverse("inspections:supervision_issue") + f"?suggestion={suggestion.pk}").context["form"]
    assert form.initial["kind"] == K.NOTICE and form.initial["tasks"] == [task.pk]
    client.post(reverse("inspections:supervision_dismiss", args=[suggestion.pk]), {"reason": ""})
    suggestion.refresh_from_db()
    assert suggestion.status == SuggestionStatus.OPEN
    client.post(reverse("inspections:supervision_dismiss", args=[suggestion.pk]), {"reason": "已现场督导"})
    suggestion.refresh_from_db()
    assert suggestion.status == SuggestionStatus.DISMISSED


def test_ranking_page_and_xlsx(ledger, client):
    ledger.task()
    ledger.task(lead_unit=ledger.town)
    start = quarter_start()
    scores_store(kind=PeriodKind.QUARTER, start=start)
    url = reverse("inspections:supervision_ranking") + f"?period_kind=quarter&period_start={start}"
    client.force_login(ledger.water_user)
    assert client.get(url).status_code == 404
    client.force_login(ledger.leader)
    page = client.get(url).content.decode()
    assert ledger.water.name in page and ledger.town.name in page and "lead_unit=" in page
    response = client.get(
        reverse("inspections:supervision_ranking_export") + f"?period_kind=quarter&period_start={start}"
    )
    assert response.status_code == 200
    from io import BytesIO

    from openpyxl import load_workbook

    ws = load_workbook(BytesIO(response.content)).active
    names = {ws.cell(row=r, column=2).value for r in range(5, 7)}
    assert names == {ledger.water.name, ledger.town.name}
    assert all(ws.cell(row=r, column=2).data_type == "s" for r in range(5, 7))


def test_xlsx_writes_text_as_text(ledger):
    from io import BytesIO

    from openpyxl import load_workbook

    from accounts.services import unit_create
    from inspections.models import AssessmentScore
    from inspections.supervision.xlsx import ranking_workbook

    evil = unit_create(name='=HYPERLINK("http://x","y")', code="EVIL", kind="department", parent=ledger.city)
    score = AssessmentScore(unit=evil, rank=1, total=99, breakdown={"items": {}})
    ws = load_workbook(
        BytesIO(ranking_workbook([score], title="t", start=date(2024, 1, 1), end=date(2024, 3, 31)))
    ).active
    assert ws.cell(row=5, column=2).data_type == "s" and ws.cell(row=5, column=2).value.startswith("=HYPERLINK")


@pytest.mark.parametrize("page", ["list", "suggestions", "ranking"])
def test_query_counts_do_not_grow_with_rows(ledger, client, django_assert_max_num_queries, page):
    def grow(n):
        for _i in range(n):
            task = ledger.task()
            notice(ledger, task=task)
        suggestions_compute(today=date(2024, 3, 15))
        scores_store(kind=PeriodKind.QUARTER, start=quarter_start())

    url = {
        "list": reverse("inspections:supervision_list"),
        "suggestions": reverse("inspections:supervision_suggestions"),
        "ranking": reverse("inspections:supervision_ranking") + f"?period_kind=quarter&period_start={quarter_start()}",
    }[page]
    client.force_login(ledger.bureau)
    grow(2)
    client.get(url)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    grow(6)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(url).status_code == 200


def test_issue_form_task_choices_follow_the_target_unit(ledger, client):
    from django.urls import reverse

    water_task = ledger.task()
    town_task = ledger.task(lead_unit=ledger.town)
    url = reverse("inspections:supervision_issue_tasks")
    client.force_login(ledger.bureau)
    form = client.get(reverse("inspections:supervision_issue")).content.decode()
    assert f'hx-get="{url}"' in form and 'hx-target="#issue-tasks"' in form and 'id="issue-tasks"' in form
    town = client.get(url, {"target_unit": ledger.town.pk}).content.decode()
    assert f'value="{town_task.pk}"' in town and f'value="{water_task.pk}"' not in town
    water = client.get(url, {"target_unit": ledger.water.pk}).content.decode()
    assert f'value="{water_task.pk}"' in water and f'value="{town_task.pk}"' not in water
    for bad in ("abc", "999999", ""):
        response = client.get(url, {"target_unit": bad})
        assert response.status_code == 200 and 'data-testid="no-tasks"' in response.content.decode()
    client.force_login(ledger.water_user)
    assert client.get(url, {"target_unit": ledger.water.pk}).status_code == 403
