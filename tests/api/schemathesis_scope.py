"""A schemathesis check (loaded through SCHEMATHESIS_HOOKS by test_schemathesis.py): no response carries an
object outside the token's scope.

The allowed ids come from the JSON file named by RECTIFY_SCOPE_FILE, written by the test by hand (not asked
of inspections.access, which is what is being checked). Every checked response appends one line to
RECTIFY_SCOPE_LOG, so the test can tell that the check really ran.
"""

import json
import os
import re

import schemathesis

# (path pattern, which kind the objects of the body are, their reference fields → kind)
FAMILIES = [
    (re.compile(r"^/api/tasks/(\d+/)?$"), "tasks", {"finding": "findings", "round": "rounds"}),
    (re.compile(r"^/api/tasks/[^/]+/(progress|evidence|events)/$"), None, {"task": "tasks"}),
    (re.compile(r"^/api/findings/(\d+/)?$"), "findings", {"round": "rounds"}),
    (re.compile(r"^/api/rounds/(\d+/)?$"), "rounds", {}),
    (re.compile(r"^/api/units/(\d+/)?$"), "units", {}),
    (re.compile(r"^/api/reports/(\d+/)?$"), "reports", {}),
    # Complaint cases: lists, details and every move's answer (the case), and the batches.
    (re.compile(r"^/api/complaints/(\d+/)?([a-z-]+/)?$"), "complaints", {"batch": "complaint_batches"}),
    (re.compile(r"^/api/complaint-batches/(\d+/)?$"), "complaint_batches", {}),
]


def _scope():
    path = os.environ.get("RECTIFY_SCOPE_FILE")
    if not path:
        return None
    with open(path) as handle:
        return {kind: set(ids) for kind, ids in json.load(handle).items()}


def _objects(body):
    if isinstance(body, dict) and isinstance(body.get("results"), list):
        return body["results"]
    if isinstance(body, list):
        return body
    return [body] if isinstance(body, dict) and "id" in body else []


@schemathesis.check
def in_token_scope(ctx, response, case):
    """Every object in a 2xx body, and every object it points to, is one the token's user may see."""
    scope = _scope()  # None: the token sees everything (bureau); the objects are still counted
    if not 200 <= response.status_code < 300:
        return None
    path = case.formatted_path if hasattr(case, "formatted_path") else case.path
    path = path.split("?", 1)[0]
    try:
        body = response.json()
    except Exception:
        return None  # a file download
    outside = []
    checked = 0
    if path == "/api/dashboard/":
        rounds = [row.get("round") for row in body.get("rounds", [])]
        outside += [f"round {r}" for r in rounds if scope and r not in scope["rounds"]]
        checked += len(rounds)
    for pattern, kind, references in FAMILIES:
        if not pattern.match(path):
            continue
        for item in _objects(body):
            checked += 1
            if scope is None:
                continue
            if kind and item.get("id") not in scope[kind]:
                outside.append(f"{kind} {item.get('id')}")
            for field, ref_kind in references.items():
                if field in item and item[field] not in scope[ref_kind]:
                    outside.append(f"{field} {item[field]}")
    log = os.environ.get("RECTIFY_SCOPE_LOG")
    if log:
        with open(log, "a") as handle:
            handle.write(f"{response.status_code} {path} {checked}\n")
    if outside:
        raise AssertionError(f"{path}: objects outside the token's scope: {', '.join(outside)}")
    return None
