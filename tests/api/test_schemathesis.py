"""schemathesis against the live schema of a test server: no 5xx, no response that breaks the schema, and
no response carrying an object outside the token's scope (schemathesis_scope.py).

Runs the `st` CLI in a subprocess (bounded examples per operation) with a bureau token and with a unit
contact's token, against a live server on the test PostgreSQL holding a small jurisdiction built by the
services, in which another unit has its own round, finding and task.
"""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from accounts.services import api_token_issue

MAX_EXAMPLES = 20
# The fuzzing phase is bounded by MAX_EXAMPLES per operation (about a minute on 2 busy cores); the
# coverage phase (boundary values of every parameter) takes several minutes, so it is run by hand:
#   st run URL --phases coverage ...
TIME_BUDGET = 300  # seconds: a hard stop for a hung run


def _unit_scope(world) -> dict:
    """What the lead unit's contact may see, written out by hand: its tasks and their findings and rounds, the
    complaint cases assigned to it (lead or cooperating) and their batches."""
    from django.db.models import Q

    from inspections.models import ComplaintCase, RectificationTask

    tasks = RectificationTask.objects.filter(lead_unit=world.lead_unit)
    cases = ComplaintCase.objects.filter(Q(lead_unit=world.lead_unit) | Q(cooperating_units=world.lead_unit))
    assert not world.lead_unit.children.exists()  # its subtree is itself
    return {
        "tasks": list(tasks.values_list("pk", flat=True)),
        "findings": list(tasks.values_list("finding_id", flat=True)),
        "rounds": list(tasks.values_list("finding__round_id", flat=True)),
        "units": [world.lead_unit.pk],
        "reports": [],  # dispatch reports are for the bureau and leaders only
        "complaints": list(cases.values_list("pk", flat=True)),
        "complaint_batches": list(cases.values_list("batch_id", flat=True)),
    }


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("role", ["bureau", "unit"])
def test_api_survives_schemathesis(live_server, world, tmp_path, role):
    from inspections import services
    from inspections.choices import RoundKind

    world.task_in("submitted")
    world.task_in("closed")
    # Another unit's objects, in a round of their own: the unit token must never see any of them.
    other_round = services.round_create(actor=world.bureau, kind=RoundKind.PROVINCIAL, name="外单位专属督察轮次")
    services.finding_create(
        actor=world.bureau,
        inspection_round=other_round,
        summary="外单位专属反馈问题",
        tasks=[{"lead_unit": world.other_unit, "deadline_text": "2026年12月底前"}],
    )
    _complaints(world, other_round)
    user = world.bureau if role == "bureau" else world.users["unit"]
    _token, key = api_token_issue(user=user)
    env = dict(os.environ)
    env["SCHEMATHESIS_HOOKS"] = str(Path(__file__).with_name("schemathesis_scope.py"))
    scope_log = tmp_path / "scope.log"
    env["RECTIFY_SCOPE_LOG"] = str(scope_log)
    if role == "unit":
        scope_file = tmp_path / "scope.json"
        scope_file.write_text(json.dumps(_unit_scope(world)))
        env["RECTIFY_SCOPE_FILE"] = str(scope_file)
    command = [
        str(Path(sys.executable).with_name("st")),
        "run",
        f"{live_server.url}/api/schema/?format=json",
        "--header",
        f"Authorization: Token {key}",
        "--checks",
        "not_a_server_error,response_schema_conformance,in_token_scope",
        "--max-examples",
        str(MAX_EXAMPLES),
        "--phases",
        "examples,fuzzing",
        "--workers",
        "1",
        "--seed",
        "20261123",
        "--request-timeout",
        "30",
        # Logging in with random passwords would lock the demo users out (django-axes); the
        # token endpoint is covered by tests/api/test_tokens.py.
        "--exclude-path",
        "/api/token/",
        "--no-color",
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=TIME_BUDGET, cwd=tmp_path, env=env)
    output = result.stdout + result.stderr
    artifacts = Path(__file__).resolve().parents[2] / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    (artifacts / f"schemathesis-{role}.txt").write_text(output)
    assert result.returncode == 0, output[-20000:]
    # It really tested the API (a schema that failed to load would also end without failures).
    assert f"Tested: {_operations(live_server.url, key)}" in output, output[-5000:]
    generated = re.search(r"(\d+) generated, (\d+) passed", output)
    assert generated and generated.group(1) == generated.group(2), output[-5000:]
    # The scope check really ran, on lists and details that held objects.
    lines = scope_log.read_text().splitlines() if scope_log.exists() else []
    assert sum(int(line.rsplit(" ", 1)[1]) for line in lines) > 0, output[-5000:]


def _complaints(world, other_round):
    """Complaint cases: one of the lead unit (investigating), one it cooperates on, one of another unit in a batch
    of its own, one not yet assigned (the bureau's alone)."""
    from inspections.complaints import services

    batch, _ = services.batch_get_or_create(actor=world.bureau, inspection_round=world.round, number=1)
    other_batch, _ = services.batch_get_or_create(actor=world.bureau, inspection_round=other_round, number=1)

    def case(code, batch, lead_unit=None, cooperating=()):
        made = services.case_create(actor=world.bureau, batch=batch, code=code, summary=f"交办件{code}：化工厂夜间偷排")
        if lead_unit is not None:
            services.case_assign(actor=world.bureau, case=made, lead_unit=lead_unit, cooperating_units=cooperating)
        return made

    case("D0001", batch, world.lead_unit)
    case("D0002", batch, world.other_unit, cooperating=[world.lead_unit])
    case("D0003", other_batch, world.other_unit)
    case("D0004", batch)


def _operations(base_url: str, token: str) -> int:
    """How many operations the live schema has, less the excluded token endpoint."""
    import json
    import urllib.request

    request = urllib.request.Request(f"{base_url}/api/schema/?format=json", headers={"Authorization": f"Token {token}"})
    with urllib.request.urlopen(request, timeout=30) as response:
        schema = json.load(response)
    methods = {"get", "post", "put", "patch", "delete"}
    return sum(1 for path, item in schema["paths"].items() if path != "/api/token/" for m in item if m in methods)
