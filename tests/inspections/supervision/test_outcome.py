"""Recording an action's outcome writes the tasks' timeline (never for 问责) and is in the API for bureau staff."""

from django.utils import timezone
from rest_framework.test import APIClient

from inspections.choices import AccountabilityMeasure, EventKind, SupervisionKind
from inspections.models import TaskEvent
from inspections.supervision import services

K = SupervisionKind


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_outcome_is_in_each_task_timeline(ledger):
    first, second = ledger.task(), ledger.task()
    action = services.action_issue(actor=ledger.bureau, kind=K.NOTICE, target_unit=ledger.water, tasks=[first, second])
    services.action_record_outcome(actor=ledger.bureau, action=action, outcome="已按期整改到位")
    events = TaskEvent.objects.filter(kind=EventKind.SUPERVISION_OUTCOME).order_by("task_id")
    assert [e.task_id for e in events] == sorted([first.pk, second.pk])
    assert all(action.doc_number in e.reason and "已按期整改到位" in e.reason for e in events)
    assert {e.actor_id for e in events} == {ledger.bureau.pk} and {e.action for e in events} == {K.NOTICE}


def test_accountability_outcome_stays_off_the_task_timeline(ledger):
    task = ledger.task()
    action = services.action_issue(
        actor=ledger.bureau,
        kind=K.ACCOUNTABILITY,
        target_unit=ledger.water,
        tasks=[task],
        target_person="赵某",
        measure=AccountabilityMeasure.WARNING,
        deciding_body="市纪委监委",
    )
    services.action_record_outcome(actor=ledger.bureau, action=action, outcome="已执行")
    assert not TaskEvent.objects.filter(task=task, kind=EventKind.SUPERVISION_OUTCOME).exists()


def test_outcome_endpoint_only_for_bureau_staff(ledger):
    task = ledger.task()
    action = services.action_issue(
        actor=ledger.bureau,
        kind=K.INTERVIEW,
        target_unit=ledger.water,
        tasks=[task],
        target_person="王局长",
        interview_place="区政府",
        interview_at=timezone.now(),
    )
    url = f"/api/supervision/actions/{action.pk}/outcome/"
    body = {"outcome": "已约谈，限期整改", "minutes": "会议纪要：三点要求"}
    assert api(ledger.town_user).post(url, body, format="json").status_code == 404  # not addressed to it
    for user in (ledger.water_user, ledger.leader):
        assert api(user).post(url, body, format="json").status_code == 403
    assert not TaskEvent.objects.filter(kind=EventKind.SUPERVISION_OUTCOME).exists()
    assert api(ledger.bureau).post(url, {"outcome": ""}, format="json").status_code == 400
    done = api(ledger.bureau).post(url, body, format="json")
    assert done.status_code == 200, done.content
    assert done.json()["outcome"] == "已约谈，限期整改" and done.json()["minutes"] == "会议纪要：三点要求"
    assert done.json()["outcome_at"]
    assert TaskEvent.objects.filter(task=task, kind=EventKind.SUPERVISION_OUTCOME).count() == 1
    assert api(ledger.water_user).get(f"/api/supervision/actions/{action.pk}/").json()["outcome"] == "已约谈，限期整改"
