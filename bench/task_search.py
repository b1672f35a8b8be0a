"""Chinese search of the task list on PostgreSQL: plans, query counts and timings with N bulk tasks.

Run: bash bench/task_search.sh [N]   (a throwaway PostgreSQL like scripts/test.sh, or DATABASE_URL's; seeds N
bulk tasks when fewer are present). For each term it prints the median (of 5, after one warm-up) server time
of the task list page (Django test Client, logged-in superuser), how many SQL statements the page ran and
how many of them carried the search condition, the median of the search query alone (count + first page:
what the page's queries over the search cost), and the key lines of EXPLAIN ANALYZE of the first page.
Budget (issue 19): Chinese search < 200 ms at 1,000,000 tasks.

Terms: 渗滤液 and ＶＯＣｓ (typed full-width), a unit's name, a two-character term (黑臭: no trigram, so a
sequential scan of the documents) and a task code.

Measured 2026-12-03 at 300,000 tasks (seed_demo --tasks 300000 --seed 1, PostgreSQL 15.18, LC_CTYPE C.UTF-8;
show_trgm('渗滤液') = 4 trigrams): the before/after table is in README ("Search"). Plan lines relied on:
    count of 渗滤液:  Bitmap Index Scan on task_search_text_trgm (actual rows=24521) → Bitmap Heap Scan,
                     Recheck Cond: (search_text ~~ '%渗滤液%'), Heap Blocks: exact=8062; 95 ms
    count of vocs:   Bitmap Index Scan on task_search_text_trgm (rows=24869); 114 ms
    page of a unit:  Bitmap Index Scan on task_search_text_trgm (rows=1944) → top-N heapsort, LIMIT 20
    task code 3-2:   Recheck Cond: (search_text ~~ '3-2\n%'), Bitmap Index Scan rows=1, Heap Blocks: exact=1
    count of 黑臭:   Parallel Seq Scan, Filter: (search_text ~~ '%黑臭%') (two characters: no trigram); 243 ms
    first pages of broad terms: Limit ← Index Scan using finding_number_unique_in_round (the list order),
                     the LIKE as a filter on the joined task rows, stopping after 20 (under 16 ms)
Before, the same terms ran `UPPER(col) LIKE` over finding summary/description (a BitmapOr of two trigram
indexes inside an IN-subquery) OR'ed with the task's own columns and a unit-name subquery: the OR kept the
task table's indexes out, so every count read the whole table (500-1,250 ms at 300,000).
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
from django.db import connection, reset_queries  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402

from accounts.models import User  # noqa: E402
from inspections.models import RectificationTask  # noqa: E402
from inspections.selectors import task_list  # noqa: E402

TERMS = ("渗滤液", "ＶＯＣｓ", "压测部门07", "黑臭", "3-2")
RUNS = 5
PLAN_KEYS = ("Scan", "Recheck", "Heap Blocks", "Rows Removed", "Execution Time", "Limit", "Sort Method", "BitmapOr")


def main(n: int) -> None:
    call_command("migrate", verbosity=0)
    if not User.objects.filter(username="bench").exists():
        User.objects.create_superuser("bench", role="admin", password=None)
    if RectificationTask.objects.count() < n:
        from inspections.demo.bulk import seed_bulk

        seed_bulk(tasks=n, seed=1)
    user = User.objects.get(username="bench")
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
        cursor.execute("SELECT current_setting('lc_ctype'), show_trgm('渗滤液')")
        lc_ctype, trigrams = cursor.fetchone()
    print(f"tasks={RectificationTask.objects.count()} lc_ctype={lc_ctype} show_trgm('渗滤液')={trigrams}")
    url = reverse("inspections:task_list")
    rows = []
    for term in TERMS:
        client.get(url, {"q": term})  # warm-up
        page_ms = []
        for _ in range(RUNS):
            start = time.perf_counter()
            response = client.get(url, {"q": term})
            page_ms.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200, response.status_code
        with CaptureQueriesContext(connection) as queries:
            client.get(url, {"q": term})
        total = len(queries.captured_queries)
        searching = sum(1 for q in queries.captured_queries if "LIKE" in q["sql"])
        qs = task_list(user=user, filters={"q": term})
        page = qs[:20]
        query_ms = []
        for _ in range(RUNS):
            start = time.perf_counter()
            count = qs.count()
            shown = list(page)
            query_ms.append((time.perf_counter() - start) * 1000)
        sql, params = page.query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS OFF) " + sql, params)
            plan = [row[0] for row in cursor.fetchall()]
        reset_queries()
        rows.append((term, count, statistics.median(page_ms), total, searching, statistics.median(query_ms)))
        print(
            f"\nq={term!r}: {count} matches ({len(shown)} shown); list page median {statistics.median(page_ms):.1f} ms "
            f"(min {min(page_ms):.1f}, max {max(page_ms):.1f}); {total} queries, {searching} with the search; "
            f"count + first page {statistics.median(query_ms):.1f} ms"
        )
        for line in plan:
            if any(key in line for key in PLAN_KEYS):
                print("    " + line.strip()[:160])
    print("\n| q | matches | list page median | queries (searching) | count + page |")
    print("|---|---:|---:|---:|---:|")
    for term, count, page_median, total, searching, query_median in rows:
        print(f"| {term} | {count} | {page_median:.0f} ms | {total} ({searching}) | {query_median:.0f} ms |")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20000)
