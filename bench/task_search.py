"""Chinese search of the task list on PostgreSQL: plans and timings with N bulk tasks.

Run: bash bench/task_search.sh [N]   (starts a throwaway PostgreSQL like scripts/test.sh)
Prints the LC_CTYPE, the trigrams pg_trgm makes of a Chinese term, EXPLAIN ANALYZE of the
task list's search query (first page, as the list view runs it), and the median of 5 timings.
Budget: a search page under 150 ms at 20,000 tasks.
"""

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rectify.settings")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from accounts.models import User  # noqa: E402
from inspections.demo.bulk import seed_bulk  # noqa: E402
from inspections.models import RectificationTask  # noqa: E402
from inspections.selectors import task_list  # noqa: E402

TERMS = ("渗滤液", "黑臭水体", "不存在的词语", "垃圾")


def main(n: int) -> None:
    call_command("migrate", verbosity=0)
    if not User.objects.filter(username="bench").exists():
        User.objects.create_superuser("bench", role="admin", password=None)
    if RectificationTask.objects.count() < n:
        seed_bulk(tasks=n, seed=7)
    user = User.objects.get(username="bench")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
        cursor.execute("SELECT current_setting('lc_ctype'), show_trgm('渗滤液')")
        lc_ctype, trigrams = cursor.fetchone()
    print(f"tasks={RectificationTask.objects.count()} lc_ctype={lc_ctype} show_trgm('渗滤液')={trigrams}")
    for term in TERMS:
        qs = task_list(user=user, filters={"q": term})
        page = qs[:20]
        sql, params = page.query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN ANALYZE " + sql, params)
            plan = "\n".join("    " + row[0] for row in cursor.fetchall())
        timings = []
        for _ in range(5):
            start = time.perf_counter()
            count = qs.count()
            rows = list(page)
            timings.append((time.perf_counter() - start) * 1000)
        used = sorted({w for w in plan.split() if w.endswith("_trgm")})
        print(
            f"\nq={term!r} ({len(term)} chars): {count} matches, first page {len(rows)} rows, "
            f"count+page median {statistics.median(timings):.1f} ms, trigram indexes used: {used or 'none'}"
        )
        print(plan)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20000)
