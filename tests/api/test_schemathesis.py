"""schemathesis against the live schema of a test server: no 5xx, no response that breaks the schema.

Runs the `st` CLI in a subprocess (bounded examples per operation) as a bureau user with a token,
against a live server on the test PostgreSQL holding a small jurisdiction built by the services.
"""

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


@pytest.mark.django_db(transaction=True)
def test_api_survives_schemathesis(live_server, world, tmp_path):
    world.task_in("submitted")
    world.task_in("closed")
    _token, key = api_token_issue(user=world.bureau)
    command = [
        str(Path(sys.executable).with_name("st")),
        "run",
        f"{live_server.url}/api/schema/?format=json",
        "--header",
        f"Authorization: Token {key}",
        "--checks",
        "not_a_server_error,response_schema_conformance",
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
    result = subprocess.run(command, capture_output=True, text=True, timeout=TIME_BUDGET, cwd=tmp_path)
    output = result.stdout + result.stderr
    artifacts = Path(__file__).resolve().parents[2] / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    (artifacts / "schemathesis.txt").write_text(output)
    assert result.returncode == 0, output[-20000:]
    # It really tested the API (a schema that failed to load would also end without failures).
    assert f"Tested: {_operations(live_server.url, key)}" in output, output[-5000:]
    generated = re.search(r"(\d+) generated, (\d+) passed", output)
    assert generated and generated.group(1) == generated.group(2), output[-5000:]


def _operations(base_url: str, token: str) -> int:
    """How many operations the live schema has, less the excluded token endpoint."""
    import json
    import urllib.request

    request = urllib.request.Request(f"{base_url}/api/schema/?format=json", headers={"Authorization": f"Token {token}"})
    with urllib.request.urlopen(request, timeout=30) as response:
        schema = json.load(response)
    methods = {"get", "post", "put", "patch", "delete"}
    return sum(1 for path, item in schema["paths"].items() if path != "/api/token/" for m in item if m in methods)
