"""Issue 19's scale table: every page beside the bare SQL of the rows it shows, at the size seeded.

    bash bench/run_scale.sh 100000            # throwaway PostgreSQL, seed, measure, write bench/results/
    DATABASE_URL=postgres://... DEBUG=1 .venv/bin/python bench/bench_scale.py [--runs 3] [--seed-seconds S]

Each page is fetched by URL with the Django test client (server time: the whole request in this process,
DEBUG off), logged in as the role that reads it: the leader (dashboards), a unit contact of a mid-size
unit (the unit's dashboard), the 督察办 (lists, search, round page, task detail, API). One warm-up, then
`--runs` timed runs: min / median / max. Beside it the **bare SQL**: a hand-written SELECT of the same rows
the page shows (ORDER BY + LIMIT of the page, or the grouped counts a dashboard is built from), run through
a cursor, also one warm-up and `--runs` runs; ratio = page median / bare median.

Robust to the pages changing under it (pagination, search column, dashboard summaries): pages are reached
by URL, the deep page by the list's own links (page=500 when the list numbers its pages, else its "next"
links followed), rows are counted from the HTML (data-testid="task-row" / "finding-row" or task links),
and the bare SQL's ids are compared with the ids the page shows ("same rows"). The slowest query of each
page (captured with connection.execute_wrapper) and each bare SQL are EXPLAIN ANALYZEd; the key plan lines
go to bench/results/scale-<N>-<date>.md with the table.
"""

import argparse
import os
import platform
import re
import statistics
import sys
import time
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode, urljoin, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rectify.settings")
os.environ.setdefault("DEBUG", "1")  # static files without a collectstatic manifest; DEBUG is turned off below

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.choices import Role  # noqa: E402
from accounts.models import Unit, User  # noqa: E402
from bench.cpu_clock import CpuClock  # noqa: E402
from inspections.choices import COMPLETE_STATUSES, TaskStatus  # noqa: E402
from inspections.figures import due_soon_days  # noqa: E402
from inspections.models import Finding, InspectionRound, RectificationTask, SnapshotDay, TaskEvent  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
DEEP_PAGE = 500
SLOW_PAGE_SECONDS = 30  # a page slower than this (the unpaginated round page) is timed once, not --runs times
UNREPEATED_PAGE_SECONDS = 180  # ... and one slower than this not again: its warm-up request is the figure
AS_OF_DAYS_BACK = (60, 200)  # the as-of dashboard: days this many days before today
SEARCH_TERMS = ("渗滤液", "ＶＯＣｓ")
TASK_LINK = re.compile(r'href="/tasks/(\d+)/"')
NEXT_LINK = re.compile(
    r'<a\b[^>]*?(?:rel="next"[^>]*?href="([^"]+)"|href="([^"]+)"[^>]*?rel="next")'
    r'|<a\b[^>]*?href="([^"]+)"[^>]*>\s*(?:<[^>]+>\s*)*(?:下一页|Next|next)\b',
)

T = RectificationTask._meta.db_table
F = Finding._meta.db_table
R = InspectionRound._meta.db_table
U = Unit._meta.db_table
EV = TaskEvent._meta.db_table
US = User._meta.db_table
COOP = RectificationTask.cooperating_units.through._meta.db_table
# The rows a task list shows: the columns of its table (code, summary, measures, round, unit, deadline,
# status, percent). The list's default order is the model's (round, finding number, task number).
LIST_SELECT = f"""SELECT t.id, f.number, t.number, f.summary, t.measures, r.name, u.name, t.deadline, t.deadline_text,
       t.status, t.percent
FROM {T} t JOIN {F} f ON f.id = t.finding_id JOIN {R} r ON r.id = f.round_id JOIN {U} u ON u.id = t.lead_unit_id"""
LIST_ORDER = "ORDER BY f.round_id, f.number, t.number"


def _complete_sql(column: str = "t.status") -> str:
    return f"{column} IN ({', '.join(repr(str(s)) for s in COMPLETE_STATUSES)})"


@dataclass
class Bare:
    sql: str
    params: list = field(default_factory=list)
    ids_column: int | None = 0  # which column holds the task (or finding) ids shown, for "same rows"


@dataclass
class Result:
    name: str
    url: str
    role: str
    goal_ms: float | None
    ratio_goal: float | None = None
    times: list[float] = field(default_factory=list)
    bare_times: list[float] = field(default_factory=list)
    cpu: float | None = None
    rows: int | None = None
    queries: int | None = None
    same_rows: str = ""
    note: str = ""
    bare: Bare | None = None
    page_plan: list[str] = field(default_factory=list)
    page_sql_ms: float | None = None
    page_sql: str = ""
    bare_plan: list[str] = field(default_factory=list)
    error: str = ""

    @property
    def median(self):
        return statistics.median(self.times) if self.times else None

    @property
    def bare_median(self):
        return statistics.median(self.bare_times) if self.bare_times else None

    @property
    def ratio(self):
        if self.median is None or not self.bare_median:
            return None
        return self.median / self.bare_median

    @property
    def passed(self) -> str:
        if self.error or self.median is None:
            return "error"
        if self.goal_ms is None:
            return "—"
        ok = self.median < self.goal_ms
        if self.ratio_goal is not None and self.ratio is not None:
            ok = ok and self.ratio <= self.ratio_goal
        return "yes" if ok else "**no**"


class QueryLog:
    """Every query of one request with its time (connection.execute_wrapper): count and the slowest."""

    def __init__(self):
        self.queries: list[tuple[float, str, object]] = []

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.queries.append(((time.perf_counter() - started) * 1000, sql, None if many else params))


def timed(fn, runs: int, clock: CpuClock, *, warm_up: bool = True) -> tuple[list[float], float | None]:
    """Wall milliseconds of each run (after one warm-up call unless the caller made it), and the median CPU ms."""
    if warm_up:
        fn()
    times, cpu = [], []
    for _ in range(runs):
        cpu_start = clock.now()
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
        cpu_end = clock.now()
        if cpu_start is not None and cpu_end is not None:
            cpu.append((cpu_end - cpu_start) * 1000)
    return times, statistics.median(cpu) if cpu else None


def run_bare(bare: Bare) -> list:
    with connection.cursor() as cursor:
        cursor.execute(bare.sql, bare.params)
        return cursor.fetchall()


PLAN_KEYS = re.compile(
    r"Scan|Join|Nested Loop|Aggregate|Sort|Limit|Gather|Subquery|SubPlan|InitPlan|Hash|Materialize|"
    r"Rows Removed|Heap Fetches|Planning Time|Execution Time|Unique|WindowAgg|Append|CTE"
)


def explain(sql: str, params) -> list[str]:
    """EXPLAIN ANALYZE key lines: every plan node (with actual times and rows), filters' removed rows, totals."""
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
        lines = [row[0] for row in cursor.fetchall()]
    keep = [line for line in lines if PLAN_KEYS.search(line)]
    if len(keep) > 40:
        keep = keep[:36] + ["  ..."] + [line for line in keep[-3:]]
    return keep


def shown_task_ids(html: str) -> list[int]:
    seen, ids = set(), []
    for match in TASK_LINK.finditer(html):
        pk = int(match[1])
        if pk not in seen:
            seen.add(pk)
            ids.append(pk)
    return ids


def count_rows(html: str, testid: str) -> int:
    return html.count(f'data-testid="{testid}"')


def next_link(html: str, base: str) -> str | None:
    for match in NEXT_LINK.finditer(html):
        href = next(g for g in match.groups() if g)
        return urljoin(base, href.replace("&amp;", "&"))
    return None


class Bench:
    def __init__(self, runs: int, only: list[str] | None = None):
        self.runs = runs
        self.only = only or []
        self.per_page = 20
        self.clock = CpuClock()
        self.today = timezone.localdate()
        self.clients: dict[str, Client] = {}
        self.results: list[Result] = []
        self.bulk_round = (
            InspectionRound.objects.filter(name__startswith="压测轮次").order_by("-pk").first()
            or InspectionRound.objects.order_by("-pk").first()
        )

    # --- who reads what -----------------------------------------------------------------------------
    def client(self, role: str) -> Client:
        if role not in self.clients:
            client = Client(SERVER_NAME="localhost")
            client.force_login(self.user(role))
            self.clients[role] = client
        return self.clients[role]

    def user(self, role: str) -> User:
        if role == "leader":
            return User.objects.filter(role=Role.LEADER, is_active=True).order_by("pk").first()
        if role == "bureau":
            return User.objects.filter(role=Role.BUREAU, is_active=True).order_by("pk").first()
        return self.unit_user()

    def mid_unit(self) -> Unit:
        """The unit contact's unit: of the units one level below the bulk root, the one whose subtree leads
        the median number of tasks (a mid-size unit, not the heaviest)."""
        root = Unit.objects.filter(code="BULK").first() or Unit.objects.filter(parent__isnull=True).first()
        children = list(Unit.objects.filter(parent=root).order_by("pk"))
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT lead_unit_id, count(*) FROM {T} GROUP BY 1")
            per_unit = dict(cursor.fetchall())
        paths = {u.pk: u.path for u in Unit.objects.filter(path__startswith=root.path)}
        sizes = {c.pk: sum(n for pk, n in per_unit.items() if paths.get(pk, "").startswith(c.path)) for c in children}
        ranked = sorted(children, key=lambda c: (sizes[c.pk], c.pk))
        return ranked[len(ranked) // 2]

    def unit_user(self) -> User:
        from accounts.services import user_create

        existing = User.objects.filter(username="bench_scale_unit").first()
        if existing:
            return existing
        return user_create(
            username="bench_scale_unit", password=None, role=Role.UNIT, unit=self.mid_unit(), full_name="规模测试联络员"
        )

    # --- one page -----------------------------------------------------------------------------------
    def measure(self, result: Result, *, rows_testid: str | None = "task-row", bare: Bare | None = None):
        """The warm-up request (its queries logged: count, slowest, plan), then the timed runs."""
        if not self.wanted(result.name):
            return
        client = self.client(result.role)
        print(f"  {result.name} ... ", end="", flush=True)
        log = QueryLog()
        started = time.perf_counter()
        with connection.execute_wrapper(log):
            response = client.get(result.url)
        warm_up = time.perf_counter() - started
        if response.status_code != 200:
            result.error = f"HTTP {response.status_code}"
            print(result.error)
            self.results.append(result)
            return response
        body = response.content.decode()
        if rows_testid and result.rows is None:
            result.rows = count_rows(body, rows_testid)
        result.queries = len(log.queries)
        runs = self.runs
        if warm_up > SLOW_PAGE_SECONDS:
            runs = 1
            result.note = (result.note + "; " if result.note else "") + f"1 timed run (warm-up took {warm_up:.0f} s)"
        if warm_up > UNREPEATED_PAGE_SECONDS:
            result.times = [warm_up * 1000]
            result.note = result.note.replace("1 timed run", "not repeated: the figure is the warm-up request")
        else:
            result.times, result.cpu = timed(lambda: client.get(result.url), runs, self.clock, warm_up=False)
        ms, sql, params = max(log.queries, key=lambda q: q[0]) if log.queries else (None, "", None)
        result.page_sql_ms, result.page_sql = ms, sql
        if sql.lstrip().upper().startswith(("SELECT", "WITH")):
            try:
                result.page_plan = explain(sql, params)
            except Exception as exc:  # a plan we cannot reproduce is reported, not fatal
                result.page_plan = [f"(EXPLAIN failed: {exc})"]
        if bare is not None:
            self.measure_bare(result, bare)
            if bare.ids_column is not None and rows_testid == "task-row":
                page_ids = shown_task_ids(body)
                bare_ids = [row[bare.ids_column] for row in run_bare(bare)]
                result.same_rows = "yes" if page_ids == bare_ids else f"no ({len(page_ids)} vs {len(bare_ids)} ids)"
        print(f"median {result.median:.0f} ms" + (f", bare {result.bare_median:.1f} ms" if result.bare_times else ""))
        self.results.append(result)
        self.checkpoint(partial=True)
        return response

    def wanted(self, name: str) -> bool:
        return not self.only or any(part in name for part in self.only)

    def measure_bare(self, result: Result, bare: Bare):
        result.bare = bare
        result.bare_times, _cpu = timed(lambda: run_bare(bare), self.runs, self.clock)
        result.bare_plan = explain(bare.sql, bare.params)

    # --- the pages ------------------------------------------------------------------------------------
    def dashboards(self):
        day = self.today
        soon = day + timedelta(days=due_soon_days())
        grouped = f"""SELECT t.round_id, t.category, t.lead_unit_id, {_complete_sql()} AS complete, count(*),
       count(*) FILTER (WHERE t.deadline < %s), count(*) FILTER (WHERE t.deadline BETWEEN %s AND %s)
FROM {T} t {{where}}
GROUP BY GROUPING SETS ((t.round_id, t.category, 4), (t.lead_unit_id, 4))"""
        self.measure(
            Result("leader dashboard", "/dashboard/", "leader", 150),
            rows_testid=None,
            bare=Bare(grouped.format(where=""), [day, day, soon], None),
        )
        unit = self.unit_user().unit
        scope = f"""WHERE t.lead_unit_id IN (SELECT id FROM {U} WHERE path LIKE %s)
   OR t.id IN (SELECT c.rectificationtask_id FROM {COOP} c JOIN {U} cu ON cu.id = c.unit_id WHERE cu.path LIKE %s)"""
        size = RectificationTask.objects.filter(lead_unit__path__startswith=unit.path).count()
        self.measure(
            Result("a unit's dashboard", "/dashboard/", "unit", 100, note=f"{unit.name}: leads {size} tasks"),
            rows_testid=None,
            bare=Bare(grouped.format(where=scope), [day, day, soon, unit.path + "%", unit.path + "%"], None),
        )
        for days_back in AS_OF_DAYS_BACK:
            as_of = day - timedelta(days=days_back)
            end = timezone.make_aware(datetime.combine(as_of + timedelta(days=1), datetime.min.time()))
            bare_as_of = f"""SELECT t.round_id, t.category, {_complete_sql("coalesce(s.to_status, t.status)")} AS complete,
       count(*), count(*) FILTER (WHERE t.deadline < %s)
FROM {T} t LEFT JOIN (
    SELECT DISTINCT ON (e.task_id) e.task_id, e.to_status FROM {EV} e
    WHERE e.at < %s AND e.to_status <> '' ORDER BY e.task_id, e.at DESC
) s ON s.task_id = t.id
WHERE t.created_at < %s
GROUP BY 1, 2, 3"""
            snapshot = SnapshotDay.objects.filter(day=as_of).exists()
            self.measure(
                Result(
                    f"as-of dashboard ({days_back} days back)",
                    f"/dashboard/?as_of={as_of.isoformat()}",
                    "leader",
                    300,
                    note=f"{as_of} ({'a snapshot' if snapshot else 'no snapshot: replayed'})",
                ),
                rows_testid=None,
                bare=Bare(bare_as_of, [as_of, end, end], None),
            )
        # A unit contact's board of a past day: its led tasks from the snapshots (per lead unit), the tasks led
        # elsewhere that its units cooperate on replayed as of that day. Bare SQL: every task it sees, replayed.
        as_of = day - timedelta(days=AS_OF_DAYS_BACK[0])
        end = timezone.make_aware(datetime.combine(as_of + timedelta(days=1), datetime.min.time()))
        bare_unit_as_of = f"""SELECT t.round_id, t.category, {_complete_sql("coalesce(s.to_status, t.status)")} AS complete,
       count(*), count(*) FILTER (WHERE t.deadline < %s)
FROM {T} t LEFT JOIN LATERAL (
    SELECT e.to_status FROM {EV} e
    WHERE e.task_id = t.id AND e.at < %s AND e.to_status <> '' ORDER BY e.at DESC, e.id DESC LIMIT 1
) s ON TRUE
WHERE (t.lead_unit_id IN (SELECT id FROM {U} WHERE path LIKE %s)
   OR t.id IN (SELECT c.rectificationtask_id FROM {COOP} c JOIN {U} cu ON cu.id = c.unit_id WHERE cu.path LIKE %s))
  AND t.created_at < %s
GROUP BY 1, 2, 3"""
        self.measure(
            Result(
                f"a unit's as-of dashboard ({AS_OF_DAYS_BACK[0]} days back)",
                f"/dashboard/?as_of={as_of.isoformat()}",
                "unit",
                300,
                note=f"{unit.name}, {as_of}",
            ),
            rows_testid=None,
            bare=Bare(bare_unit_as_of, [as_of, end, unit.path + "%", unit.path + "%", end], None),
        )

    def lists(self):
        first = self.client("bureau").get("/tasks/")
        # The page's own size: the rows the default page shows (20 today).
        per_page = (count_rows(first.content.decode(), "task-row") if first.status_code == 200 else 0) or 20
        self.per_page = per_page
        self.measure(
            Result("task list, default", "/tasks/", "bureau", 100, 2),
            bare=Bare(f"{LIST_SELECT} {LIST_ORDER} LIMIT %s", [per_page]),
        )
        rid = self.bulk_round.pk
        self.measure(
            Result("task list, by round", f"/tasks/?round={rid}", "bureau", 100, 2),
            bare=Bare(f"{LIST_SELECT} WHERE t.round_id = %s {LIST_ORDER} LIMIT %s", [rid, per_page]),
        )
        unit = self.unit_user().unit
        self.measure(
            Result("task list, by unit", f"/tasks/?lead_unit={unit.pk}", "bureau", 100, 2, note=unit.name),
            bare=Bare(
                f"{LIST_SELECT} WHERE u.path LIKE %s {LIST_ORDER} LIMIT %s".replace(
                    "WHERE u.path LIKE %s", f"WHERE t.lead_unit_id IN (SELECT id FROM {U} WHERE path LIKE %s)"
                ),
                [unit.path + "%", per_page],
            ),
        )
        status = TaskStatus.IN_PROGRESS
        self.measure(
            Result("task list, by status", f"/tasks/?status={status}", "bureau", 100, 2, note=str(status)),
            bare=Bare(f"{LIST_SELECT} WHERE t.status = %s {LIST_ORDER} LIMIT %s", [str(status), per_page]),
        )
        self.measure(
            Result("task list, overdue", "/tasks/?overdue=true", "bureau", 100, 2),
            bare=Bare(
                f"{LIST_SELECT} WHERE t.deadline < %s AND NOT {_complete_sql()} {LIST_ORDER} LIMIT %s",
                [self.today, per_page],
            ),
        )
        self.deep_page(per_page)

    def deep_page(self, per_page: int):
        """Page 500 when the list numbers its pages (its own links lead to 499/501), else its "next" links."""
        client = self.client("bureau")
        url = f"/tasks/?page={DEEP_PAGE}"
        body = client.get(url).content.decode()
        numbered = re.search(rf"[?&;]page={DEEP_PAGE - 1}\b|[?&;]page={DEEP_PAGE + 1}\b", body)
        hops, note = DEEP_PAGE - 1, "page=500"
        if not numbered:
            url, hops = "/tasks/", 0
            body = client.get(url).content.decode()
            while hops < DEEP_PAGE - 1:
                link = next_link(body, url)
                if not link:
                    break
                url, hops = link, hops + 1
                body = client.get(url).content.decode()
            parts = urlsplit(url)
            url = parts.path + ("?" + parts.query if parts.query else "")
            note = f"{hops} 'next' links followed"
        offset = hops * per_page
        self.measure(
            Result(f"task list, page {hops + 1}", url, "bureau", 100, 2, note=note),
            bare=Bare(f"{LIST_SELECT} {LIST_ORDER} LIMIT %s OFFSET %s", [per_page, offset]),
        )

    def search(self, per_page: int):
        columns = {c.name for c in connection.introspection.get_table_description(connection.cursor(), T)}
        document = next((c for c in sorted(columns) if c.startswith("search")), None)
        for term in SEARCH_TERMS:
            folded = unicodedata.normalize("NFKC", term)
            like = f"%{folded}%"
            if document:  # the denormalised search document, once it exists
                where, params = f"t.{document} ILIKE %s", [like]
            else:
                where = f"""(t.finding_id IN (SELECT id FROM {F} WHERE summary ILIKE %s OR description ILIKE %s)
    OR t.measures ILIKE %s OR t.goal ILIKE %s OR t.responsible_person ILIKE %s
    OR t.lead_unit_id IN (SELECT id FROM {U} WHERE name ILIKE %s))"""
                params = [like] * 6
            self.measure(
                Result(f"search {term}", "/tasks/?" + urlencode({"q": term}), "bureau", 200, 2),
                bare=Bare(f"{LIST_SELECT} WHERE {where} {LIST_ORDER} LIMIT %s", [*params, per_page]),
            )
        return document

    def round_page(self):
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT round_id, count(*) FROM {F} GROUP BY 1 ORDER BY 2 DESC LIMIT 1")
            rid, n_findings = cursor.fetchone()
        url = f"/rounds/{rid}/"
        result = Result("round page (largest round)", url, "bureau", 100, note=f"{n_findings} findings")
        response = self.measure(result, rows_testid="finding-row", bare=None)
        shown = result.rows or 0
        if response.status_code == 200:
            bare = Bare(
                f"""SELECT f.id, f.number, f.summary, f.category, f.source, l.full_name FROM {F} f
LEFT JOIN {US} l ON l.id = f.responsible_leader_id WHERE f.round_id = %s ORDER BY f.number LIMIT %s""",
                [rid, max(shown, 1)],
                None,
            )
            self.measure_bare(result, bare)

    def detail(self):
        # The task with the longest timeline among the bulk round's, and one without any move, so the query
        # count can be compared (it must not grow with the timeline).
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT t.id FROM {T} t WHERE t.round_id = %s AND t.status = %s ORDER BY t.id LIMIT 1",
                [self.bulk_round.pk, str(TaskStatus.CLOSED)],
            )
            busy = cursor.fetchone()[0]
            cursor.execute(
                f"SELECT t.id FROM {T} t WHERE t.round_id = %s AND t.status = %s ORDER BY t.id LIMIT 1",
                [self.bulk_round.pk, str(TaskStatus.NOT_STARTED)],
            )
            quiet = cursor.fetchone()[0]
        bare = Bare(
            f"""SELECT t.*, f.number, f.summary, f.description, r.name, u.name,
       (SELECT json_agg(e ORDER BY e.at) FROM {EV} e WHERE e.task_id = t.id)
FROM {T} t JOIN {F} f ON f.id = t.finding_id JOIN {R} r ON r.id = f.round_id JOIN {U} u ON u.id = t.lead_unit_id
WHERE t.id = %s""",
            [busy],
            None,
        )
        result = Result("task detail", f"/tasks/{busy}/", "bureau", 40)
        self.measure(result, rows_testid=None, bare=bare)
        log = QueryLog()
        with connection.execute_wrapper(log):
            self.client("bureau").get(f"/tasks/{quiet}/")
        result.note = f"queries: {result.queries} (closed task) / {len(log.queries)} (not started task)"

    def api(self, per_page: int = 200):
        url = f"/api/tasks/?page_size={per_page}"
        result = Result("API /api/tasks/?page_size=200", url, "bureau", None)
        response = self.measure(result, rows_testid=None, bare=Bare(f"{LIST_SELECT} {LIST_ORDER} LIMIT %s", [per_page]))
        if response is not None and response.status_code == 200:
            ids = [row.get("id") for row in response.json().get("results", [])]
            result.rows = len(ids)
            bare_ids = [row[0] for row in run_bare(result.bare)]
            result.same_rows = "yes" if ids == bare_ids else f"no ({len(ids)} vs {len(bare_ids)} ids)"

    def run(self):
        # The round page last: unpaginated, it takes minutes at 1M tasks.
        for step in (self.dashboards, self.lists, lambda: self.search(self.per_page), self.detail, self.api):
            step()
            self.checkpoint(partial=True)
        if self.wanted("round page"):
            self.round_page()

    def checkpoint(self, *, partial: bool) -> None:
        """Replaced by main(): writes the results so far (a run stopped at 1M tasks still leaves its figures)."""


def fmt(ms) -> str:
    return "—" if ms is None else (f"{ms:,.0f}" if ms >= 100 else f"{ms:.1f}")


def table(results: list[Result]) -> str:
    lines = [
        "| page | min ms | median ms | max ms | bare SQL median ms | ratio | goal | pass? "
        "| CPU ms | rows | queries | same rows |",
        "|---|---:|---:|---:|---:|---:|---|---|---:|---:|---:|---|",
    ]
    for r in results:
        goal = (
            "—" if r.goal_ms is None else f"< {r.goal_ms:.0f} ms" + (f", ≤ {r.ratio_goal:.0f}×" if r.ratio_goal else "")
        )
        ratio = "—" if r.ratio is None else f"{r.ratio:.1f}×"
        times = r.times or [None]
        lines.append(
            f"| {r.name} | {fmt(min(times) if r.times else None)} | {fmt(r.median)} | "
            f"{fmt(max(times) if r.times else None)} | {fmt(r.bare_median)} | {ratio} | {goal} | {r.passed} | {fmt(r.cpu)} | "
            f"{'' if r.rows is None else r.rows} | {'' if r.queries is None else r.queries} | {r.same_rows} |"
        )
    return "\n".join(lines)


def database_facts() -> dict:
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
        counts = {}
        for label, table_name in (("tasks", T), ("findings", F), ("events", EV), ("units", U)):
            cursor.execute(f"SELECT count(*) FROM {table_name}")
            counts[label] = cursor.fetchone()[0]
    return {"version": version.split()[0], **counts}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed-seconds", type=float, default=None, help="printed in the results (run_scale.sh)")
    parser.add_argument("--label", default=None, help="N in the results file name (default: the task count)")
    parser.add_argument("--out", default=None, help="results file (default bench/results/scale-<N>-<date>.md)")
    parser.add_argument(
        "--only", action="append", default=None, help="measure only the rows whose name contains this (repeatable)"
    )
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("bench_scale.py needs PostgreSQL (DATABASE_URL=postgres://...)")
    settings.DEBUG = False  # as in production: no query log, no template debug info
    facts = database_facts()
    label = args.label or str(facts["tasks"])
    print(
        f"PostgreSQL {facts['version']}: {facts['tasks']:,} tasks, {facts['findings']:,} findings, "
        f"{facts['events']:,} events; load average {os.getloadavg()[0]:.2f}",
        flush=True,
    )
    bench = Bench(args.runs, args.only)
    args.load_before = os.getloadavg()[0]
    started = time.monotonic()
    day = timezone.localdate().isoformat()
    out = Path(args.out) if args.out else RESULTS / f"scale-{label}-{day}.md"
    out.parent.mkdir(parents=True, exist_ok=True)

    def checkpoint(*, partial: bool) -> None:
        text = report(bench, facts, table(bench.results), args, time.monotonic() - started)
        if partial:
            text = text.replace("\n", "\n\n**Partial: the benchmark was still running when this was written.**\n", 1)
        out.write_text(text, encoding="utf-8")

    bench.checkpoint = checkpoint
    bench.run()
    output = table(bench.results)
    print()
    print(output)
    checkpoint(partial=False)
    print(f"\nwritten: {out.relative_to(Path.cwd()) if out.is_relative_to(Path.cwd()) else out}")


def report(bench: Bench, facts: dict, output: str, args, elapsed: float) -> str:
    seed = f"{args.seed_seconds:.0f} s" if args.seed_seconds is not None else "not measured (existing database)"
    head = [
        f"# Scale benchmark: {facts['tasks']:,} tasks ({timezone.localdate().isoformat()})",
        "",
        f"- data: {facts['tasks']:,} tasks, {facts['findings']:,} findings, {facts['events']:,} events, "
        f"{facts['units']:,} units (`seed_demo` + `seed_demo --tasks N --seed 1`)",
        f"- `seed_demo --tasks N --seed 1`: {seed}",
        f"- PostgreSQL {facts['version']}, Python {platform.python_version()}, {os.cpu_count()} cores shared "
        f"(load average {args.load_before:.2f} at the start, {os.getloadavg()[0]:.2f} at the end); {args.runs} runs "
        f"after one warm-up; "
        f"benchmark took {elapsed:.0f} s",
        "- server time: Django test client, logged in (leader: dashboards; a unit contact: the unit's dashboard; "
        "督察办: the rest); bare SQL: a hand-written SELECT of the rows the page shows, through a cursor",
        "- command: `bash bench/run_scale.sh N` (or `bench/bench_scale.py` on an existing DATABASE_URL)",
        "- columns: min/median/max = wall server time of the page; ratio = page median / bare SQL median; "
        "CPU ms = median CPU time per request of this process plus its PostgreSQL backend (and parallel workers): "
        "what the request costs on an idle core, whatever the neighbours do; rows = rows the page shows; "
        "queries = queries of one request; same rows = the bare SQL returns the ids the page links, in order",
        "",
        output,
        "",
        "Notes: " + "; ".join(f"{r.name}: {r.note}" for r in bench.results if r.note) + ".",
        "",
        "## Plans (EXPLAIN ANALYZE key lines)",
    ]
    for r in bench.results:
        head += ["", f"### {r.name} — `{r.url}`", ""]
        if r.error:
            head += [f"Error: {r.error}"]
            continue
        if r.page_plan:
            head += [
                f"Page's slowest query ({fmt(r.page_sql_ms)} ms of {r.queries} queries): "
                f"`{r.page_sql[:300].replace('`', '')}{'…' if len(r.page_sql) > 300 else ''}`",
                "",
                "```",
                *r.page_plan,
                "```",
            ]
        if r.bare is not None:
            head += ["", "Bare SQL:", "", "```sql", r.bare.sql, "```", "", "```", *r.bare_plan, "```"]
    return "\n".join(head) + "\n"


if __name__ == "__main__":
    main()
