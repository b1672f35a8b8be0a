"""A unit's 督办 timeline: its actions (issued, replied, outcome) and its tasks' events, newest first, paged in the
database with a constant number of queries; a unit reads its own subtree's pages only; 问责 only for the bureau."""

from datetime import date

from django.urls import reverse

from inspections import services as core
from inspections.choices import AccountabilityMeasure, SupervisionKind
from inspections.supervision import services

from .test_scores import at

K = SupervisionKind


def url(unit):
    return reverse("inspections:supervision_unit_timeline", args=[unit.pk])


def build(ledger):
    with at(date(2026, 3, 2)):
        task = ledger.task(deadline_text="2030年12月31日前")
        town_task = ledger.task(lead_unit=ledger.town, deadline_text="2030年12月31日前")
    with at(date(2026, 3, 3)):
        core.task_progress_add(actor=ledger.water_user, task=task, text="开始截污纳管", percent=10)
    with at(date(2026, 3, 4)):
        notice = services.action_issue(
            actor=ledger.bureau, kind=K.NOTICE, target_unit=ledger.water, tasks=[task], title="水务局督办通知"
        )
        town_notice = services.action_issue(
            actor=ledger.bureau, kind=K.NOTICE, target_unit=ledger.town, tasks=[town_task], title="南山镇督办通知"
        )
    with at(date(2026, 3, 5)):
        services.action_reply(actor=ledger.water_user, action=notice, text="已制定整改方案")
    with at(date(2026, 3, 6)):
        services.action_record_outcome(actor=ledger.bureau, action=notice, outcome="督办事项办结")
    with at(date(2026, 3, 7)):
        secret = services.action_issue(
            actor=ledger.bureau,
            kind=K.ACCOUNTABILITY,
            target_unit=ledger.water,
            tasks=[task],
            target_person="赵某",
            measure=AccountabilityMeasure.WARNING,
            deciding_body="市纪委监委",
            title="问责决定",
        )
    return task, notice, town_notice, secret


def test_newest_first_with_actions_once_and_task_events(ledger, client):
    task, notice, town_notice, secret = build(ledger)
    client.force_login(ledger.water_user)
    page = client.get(url(ledger.water))
    assert page.status_code == 200
    entries = page.context["entries"]
    kinds = [e.entry for e in entries]
    # outcome, reply, issued: one row each (not one per task); then the task's own events, newest first.
    assert kinds[:3] == ["outcome", "reply", "issued"] and all(e.action == notice for e in entries[:3])
    assert [e.at for e in entries] == sorted((e.at for e in entries), reverse=True)
    events = [e.event for e in entries if e.event]
    assert {e.task_id for e in events} == {task.pk} and "progress" in kinds and "created" in kinds
    html = page.content.decode()
    assert "已制定整改方案" in html and "督办事项办结" in html and notice.doc_number in html
    assert town_notice.doc_number not in html and "问责决定" not in html  # another unit's; 问责 hidden from units
    client.force_login(ledger.leader)
    assert "问责决定" in client.get(url(ledger.water)).content.decode()


def test_units_read_only_their_subtree(ledger, client):
    build(ledger)
    client.force_login(ledger.water_user)
    assert client.get(url(ledger.plant)).status_code == 200  # below it
    assert client.get(url(ledger.town)).status_code == 404
    assert client.get(reverse("inspections:supervision_unit_timeline", args=[999999])).status_code == 404
    client.force_login(ledger.plant_user)
    assert client.get(url(ledger.water)).status_code == 404
    client.force_login(ledger.town_user)
    assert client.get(url(ledger.town)).status_code == 200


def test_reachable_from_the_action_and_ranking_pages(ledger, client):
    _task, notice, _t, _s = build(ledger)
    from inspections.choices import PeriodKind
    from inspections.supervision.scoring import scores_store

    scores_store(kind=PeriodKind.QUARTER, start=date(2026, 1, 1))
    client.force_login(ledger.bureau)
    for page in (notice.get_absolute_url(), reverse("inspections:supervision_list")):
        assert url(ledger.water) in client.get(page).content.decode()
    ranking = client.get(reverse("inspections:supervision_ranking") + "?period_kind=quarter&period_start=2026-01-01")
    assert url(ledger.water) in ranking.content.decode()


def test_paged_with_constant_queries(ledger, client, django_assert_max_num_queries):
    build(ledger)
    client.force_login(ledger.bureau)
    with django_assert_max_num_queries(14) as few:
        client.get(url(ledger.water))
    tasks = [ledger.task(deadline_text="2030年12月31日前") for _ in range(12)]
    for i, task in enumerate(tasks):
        core.task_progress_add(actor=ledger.water_user, task=task, text=f"进展{i}", percent=20)
        action = services.action_issue(actor=ledger.bureau, kind=K.LETTER, target_unit=ledger.water, tasks=[task])
        services.action_reply(actor=ledger.water_user, action=action, text=f"回复{i}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        first = client.get(url(ledger.water))
    assert len(first.context["entries"]) == 50 and first.context["page"].paginator.num_pages == 2
    second = client.get(url(ledger.water) + "?page=2")
    assert second.status_code == 200 and 0 < len(second.context["entries"]) <= 50
    assert client.get(url(ledger.water) + "?page=abc").status_code == 200
    seen = [(e.entry, e.action and e.action.pk, e.event and e.event.pk) for e in first.context["entries"]]
    seen += [(e.entry, e.action and e.action.pk, e.event and e.event.pk) for e in second.context["entries"]]
    assert len(seen) == len(set(seen))
