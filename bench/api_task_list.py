"""Time the API task list (the heaviest list endpoint) and count its queries, per role and page size.

    DEBUG=1 .venv/bin/python manage.py seed_demo --tasks 20000     # once: bulk data
    DEBUG=1 .venv/bin/python bench/api_task_list.py [--runs 5]

Budget: a 200-row page answers in under 1 s with a fixed number of queries (prints, does not assert).
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rectify.settings")

import django

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from rest_framework.test import APIClient  # noqa: E402

from accounts.models import User  # noqa: E402
from inspections.models import RectificationTask  # noqa: E402

QUERIES = [
    {"page_size": 50},
    {"page_size": 200},
    {"page_size": 200, "overdue": "true"},
    {"page_size": 200, "q": "污水", "ordering": "-deadline"},
]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    print(f"database: {connection.vendor}; tasks: {RectificationTask.objects.count()}")
    for username in ("duchaban", "nanshan"):
        client = APIClient(SERVER_NAME="localhost")
        client.force_authenticate(User.objects.get(username=username))
        for params in QUERIES:
            timings = []
            for _ in range(args.runs):
                with CaptureQueriesContext(connection) as queries:
                    started = time.perf_counter()
                    response = client.get("/api/tasks/", params)
                    timings.append((time.perf_counter() - started) * 1000)
            body = response.json()
            print(
                f"{username:9} {str(params):55} count={body['count']:6} rows={len(body['results']):3} "
                f"queries={len(queries.captured_queries):2} median={statistics.median(timings):7.1f} ms "
                f"max={max(timings):7.1f} ms"
            )


if __name__ == "__main__":
    main()
