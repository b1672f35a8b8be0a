"""The OpenAPI schema is valid, warning-free and describes every endpoint, filter, error and action."""

import pytest
import yaml
from django.core.management import call_command

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def schema(tmp_path_factory, django_db_blocker):
    path = tmp_path_factory.mktemp("schema") / "openapi.yaml"
    with django_db_blocker.unblock():
        call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(path))
    return yaml.safe_load(path.read_text())


def test_every_task_filter_is_a_documented_parameter(schema):
    import django_filters

    from inspections.filtersets import TaskFilterSet

    documented = {p["name"] for p in schema["paths"]["/api/tasks/"]["get"]["parameters"]}
    expected = set()
    for name, field in TaskFilterSet.base_filters.items():
        # A range filter takes two query parameters, NAME_after and NAME_before.
        ranged = isinstance(field, django_filters.DateFromToRangeFilter)
        expected |= {f"{name}_after", f"{name}_before"} if ranged else {name}
    assert expected <= documented
    assert {"page", "page_size"} <= documented


@pytest.mark.parametrize("action", ["start", "submit", "verify", "reject", "close", "keep-long-term", "reopen"])
def test_every_workflow_action_is_documented_with_its_errors(schema, action):
    operation = schema["paths"][f"/api/tasks/{{id}}/{action}/"]["post"]
    assert {"200", "400", "401", "403", "404", "409"} <= set(operation["responses"])
    error = operation["responses"]["409"]["content"]["application/json"]["schema"]["$ref"]
    assert error == "#/components/schemas/Error"
    body = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    assert ("reason" in schema["components"]["schemas"][body].get("required", [])) == (action in ("reject", "reopen"))


def test_every_operation_documents_errors(schema):
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            if path == "/api/token/":
                continue
            assert {"401", "403", "404"} <= set(operation["responses"]), (method, path)


def test_evidence_upload_is_multipart_and_download_binary(schema):
    upload = schema["paths"]["/api/tasks/{task_pk}/evidence/"]["post"]["requestBody"]["content"]
    assert list(upload) == ["multipart/form-data"]
    created = schema["paths"]["/api/tasks/{task_pk}/evidence/"]["post"]["responses"]["201"]["content"]
    assert created["application/json"]["schema"] == {
        "type": "array",
        "items": {"$ref": "#/components/schemas/Evidence"},
    }
    download = schema["paths"]["/api/evidence/{id}/download/"]["get"]["responses"]["200"]["content"]
    assert download["application/octet-stream"]["schema"] == {"type": "string", "format": "binary"}


def test_swagger_ui_is_served_locally(client, world):
    client.force_login(world.users["bureau"])
    page = client.get("/api/docs/").content.decode()
    assert "swagger-ui" in page
    assert "cdn" not in page.lower() and "unpkg" not in page.lower()
    assert client.get("/api/schema/", HTTP_ACCEPT="application/json").status_code == 200


def test_schema_and_docs_are_not_for_anonymous_visitors(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert schema.status_code == 401 and schema["WWW-Authenticate"].startswith("Token")
    docs = client.get("/api/docs/")
    assert docs.status_code == 302 and docs["Location"].startswith("/accounts/login/")


def test_task_edit_is_a_documented_patch_with_a_required_version(schema):
    operations = schema["paths"]["/api/tasks/{id}/"]
    assert set(operations) == {"get", "patch"}  # partial updates only, no PUT
    patch = operations["patch"]
    assert {"200", "400", "401", "403", "404", "409"} <= set(patch["responses"])
    assert patch["responses"]["200"]["content"]["application/json"]["schema"]["$ref"] == "#/components/schemas/Task"
    body = patch["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    component = schema["components"]["schemas"][body]
    assert component["required"] == ["expected_version"]
    assert {
        "lead_unit",
        "cooperating_units",
        "responsible_person",
        "goal",
        "measures",
        "deadline_text",
        "assigned_on",
    } <= set(component["properties"])


def test_complaint_operations_are_documented(schema):
    """Batches and cases: every operation has a summary and its errors; every move needs the version."""
    paths = {p: ops for p, ops in schema["paths"].items() if p.startswith("/api/complaint")}
    moves = {"assign", "report", "close", "sign-off", "return", "decline", "reopen", "follow-up", "to-task"}
    assert {f"/api/complaints/{{id}}/{move}/" for move in moves} <= set(paths)
    assert {
        "/api/complaints/",
        "/api/complaints/{id}/",
        "/api/complaint-batches/",
        "/api/complaint-batches/{id}/",
    } <= set(paths)
    for path, operations in paths.items():
        for method, operation in operations.items():
            if method not in ("get", "post"):
                continue
            assert operation.get("summary"), (method, path)
            assert {"401", "403", "404"} <= set(operation["responses"]), (method, path)
            if method == "post":
                assert {"200", "400", "409"} <= set(operation["responses"]), (method, path)
                body = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
                assert "expected_version" in schema["components"]["schemas"][body]["required"], path
    documented = {p["name"] for p in paths["/api/complaints/"]["get"]["parameters"]}
    assert {"q", "round", "batch", "status", "lead_unit", "overdue", "repeat", "page"} <= documented
