"""The figure pages of issue 19 alone (leader dashboard, a unit's dashboard, round page, round list), timed with
bench_scale.py's own harness (Django test client, DEBUG off, the same users, CpuClock): one warm-up, then N runs,
median wall and CPU ms (this process plus its PostgreSQL backend). Quicker than the whole scale table when
comparing two versions of these pages on one seeded database:

    DATABASE_URL=postgres://... DEBUG=1 .venv/bin/python bench/bench_figure_pages.py [runs=7]
"""

import importlib.util
import os
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
_spec = importlib.util.spec_from_file_location("bench_scale", ROOT / "bench" / "bench_scale.py")
bench_scale = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench_scale)  # sets Django up

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402


def main() -> None:
    settings.DEBUG = False
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 7
    bench = bench_scale.Bench(runs)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT round_id, count(*) FROM {bench_scale.F} GROUP BY 1 ORDER BY 2 DESC LIMIT 1")
        largest, findings = cursor.fetchone()
    pages = [
        ("leader dashboard", "/dashboard/", "leader"),
        ("a unit's dashboard", "/dashboard/", "unit"),
        (f"round page ({findings} findings), bureau", f"/rounds/{largest}/", "bureau"),
        ("round page, unit contact", f"/rounds/{bench.bulk_round.pk}/", "unit"),
        ("round list, leader", "/rounds/", "leader"),
    ]
    print(f"load {os.getloadavg()[0]:.2f}; unit: {bench.unit_user().unit.name}")
    for name, url, role in pages:
        client = bench.client(role)
        response = client.get(url)  # the warm-up
        assert response.status_code == 200, (url, response.status_code)
        times, cpu = bench_scale.timed(lambda url=url, client=client: client.get(url), runs, bench.clock, warm_up=False)
        print(f"{name:38s} wall median {statistics.median(times):8.1f} ms  CPU median {cpu:8.1f} ms")


if __name__ == "__main__":
    main()
