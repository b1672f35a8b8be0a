"""The daily 督办建议 job through a real Redis and a real Celery worker: sent by its beat entry's name,
run twice (as after a restart), the suggestions are made once."""

import json
import os
from datetime import date

import pytest
from celery.contrib.testing.worker import start_worker
from django_celery_beat.models import PeriodicTask

from accounts.choices import Role
from accounts.services import unit_create, user_create
from inspections import services
from inspections.choices import RoundKind, SupervisionKind
from inspections.models import SupervisionSuggestion, WarningObservation
from rectify.celery import app

REDIS_URL = os.environ.get("TEST_REDIS_URL")

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(not REDIS_URL, reason="TEST_REDIS_URL is not set: run through scripts/test.sh"),
]


@pytest.fixture
def worker():
    previous = {key: app.conf[key] for key in ("broker_url", "result_backend", "task_always_eager")}
    app.conf.update(broker_url=REDIS_URL, result_backend=REDIS_URL, task_always_eager=False)
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=30):
            yield app
    finally:
        app.conf.update(previous)


@pytest.mark.django_db(transaction=True)
def test_daily_suggestions_job_is_idempotent_through_the_worker(worker):
    # A transactional test may follow another that flushed the tables: put back the default rules.
    import importlib

    from django.apps import apps

    importlib.import_module("inspections.migrations.0013_supervision").default_rules(apps, None)
    unit = unit_create(name="集成测试水务局", code="IT-SW2", kind="department")
    bureau = user_create(username="it_bureau2", password=None, role=Role.BUREAU)
    leader = user_create(username="it_leader2", password=None, role=Role.LEADER)
    inspection_round = services.round_create(actor=bureau, kind=RoundKind.CENTRAL, batch=3, name="督办集成测试轮次")
    services.finding_create(
        actor=bureau,
        inspection_round=inspection_round,
        summary="进度滞后的问题",
        responsible_leader=leader,
        tasks=[
            {"lead_unit": unit, "deadline_text": "2024年12月31日前", "assigned_on": date(2024, 1, 1)},
            {"lead_unit": unit, "deadline_text": "2024年12月31日前", "assigned_on": date(2024, 1, 1)},
        ],
    )
    entry = PeriodicTask.objects.get(task="inspections.supervision.compute_suggestions")
    kwargs = {**json.loads(entry.kwargs), "today": "2024-03-15"}
    first = worker.send_task(entry.task, args=json.loads(entry.args), kwargs=kwargs).get(timeout=120)
    second = worker.send_task(entry.task, args=json.loads(entry.args), kwargs=kwargs).get(timeout=120)
    assert first["created"] == 2 and second["created"] == 0
    assert SupervisionSuggestion.objects.filter(suggested_kind=SupervisionKind.NOTICE).count() == 2
    assert WarningObservation.objects.count() == 2
