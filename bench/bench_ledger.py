"""Benchmark of the ledger (整改台账) in Excel, on PostgreSQL.

Budgets: export of 100,000 tasks under 20 s with peak memory under 300 MB (printed beside a bare
openpyxl write-only loop writing rows of the same content: the ratio is our overhead), import of
10,000 rows under 30 s (and, measured beside it, a re-import of a revised copy whose 10,000 rows all
conflict with work done since: system values kept, then --prefer-file). Each measurement runs in its own child process so its peak RSS is its own.

Run on a throwaway PostgreSQL (starts one, seeds 100,000 tasks, runs, tears down):
    bash bench/run_bench_ledger.sh
or against a database you already seeded (`manage.py seed_demo --tasks 100000 --seed 1`):
    DATABASE_URL=postgres://... .venv/bin/python bench/bench_ledger.py
"""

import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.child import run_child  # noqa: E402

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rectify.settings")

EXPORT_TASKS = 100_000
IMPORT_ROWS = 10_000
BUDGETS = {"export_s": 20.0, "export_mb": 300.0, "import_s": 30.0}


def _setup():
    import django

    django.setup()


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _cpu() -> float:
    """This process's CPU seconds: on a shared machine wall time mostly measures the neighbours."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class Timer:
    def __enter__(self):
        self.wall, self.cpu = time.perf_counter(), _cpu()
        return self

    def __exit__(self, *exc):
        self.wall, self.cpu = time.perf_counter() - self.wall, _cpu() - self.cpu


def _tasks(pks=None):
    """The seeded 100,000-task round through the same FilterSet as the screens (a round filter)."""
    from inspections.filtersets import TaskFilterSet
    from inspections.models import InspectionRound, RectificationTask

    bench_round = InspectionRound.objects.get(name=f"压测轮次（seed=1，{EXPORT_TASKS}项）")
    tasks = TaskFilterSet({"round": str(bench_round.pk)}, queryset=RectificationTask.objects.with_schedule()).qs
    return tasks.filter(pk__in=pks) if pks is not None else tasks


def _first_pks(count: int) -> list:
    return list(_tasks().order_by("pk").values_list("pk", flat=True)[:count])


def child_export(out: str) -> dict:
    _setup()
    from inspections.ledger.export import write_ledger

    with Timer() as timer:
        rows = write_ledger(_tasks(), out)
    return {"rows": rows, "seconds": timer.wall, "cpu": timer.cpu, "peak_mb": _peak_mb()}


def child_bare(out: str, rows: int) -> dict:
    """A bare write-only loop: the same kind of rows (real ones, cycled), plain values, no query, no styles."""
    _setup()
    from openpyxl import Workbook

    from inspections.ledger.export import cooperating_names, ledger_rows, row_values

    tasks = _tasks(_first_pks(1000))
    cooperating = cooperating_names(tasks)
    sample = [list(row_values(row, n, cooperating).values()) for n, row in enumerate(ledger_rows(tasks), start=1)]
    with Timer() as timer:
        wb = Workbook(write_only=True)
        ws = wb.create_sheet()
        for n in range(rows):
            ws.append(sample[n % len(sample)])
        wb.save(out)
    return {"rows": rows, "seconds": timer.wall, "cpu": timer.cpu, "peak_mb": _peak_mb()}


def _bench_actor():
    from accounts.choices import Role
    from accounts.models import User

    actor = User.objects.filter(role__in=[Role.ADMIN, Role.BUREAU], is_active=True).order_by("pk").first()
    if actor is None:  # seed_demo --tasks alone makes no staff account
        actor = User.objects.create_user("bench_bureau", role=Role.BUREAU, full_name="压测督察办")
    return actor


def child_import(path: str) -> dict:
    _setup()
    from inspections.ledger.services import ledger_import

    actor = _bench_actor()
    with Timer() as first:
        plan = ledger_import(path=path, actor=actor)
    assert plan.written and plan.tasks_new == IMPORT_ROWS, plan.errors[:5]
    with Timer() as second:
        again = ledger_import(path=path, actor=actor)
    assert again.tasks_unchanged == IMPORT_ROWS
    return {
        "rows": plan.rows,
        "seconds": first.wall,
        "cpu": first.cpu,
        "reimport_seconds": second.wall,
        "peak_mb": _peak_mb(),
    }


def touch_imported(round_name: str) -> None:
    """Someone works on every imported task after the file's date (one event each): the re-import conflicts."""
    _setup()
    from django.utils import timezone

    from inspections.choices import EventKind
    from inspections.models import RectificationTask, TaskEvent

    actor = _bench_actor()
    now = timezone.now()
    ids = RectificationTask.objects.filter(round__name=round_name).values_list("pk", flat=True)
    TaskEvent.objects.bulk_create(
        [TaskEvent(task_id=pk, actor=actor, at=now, kind=EventKind.EDITED, reason="压测：导入后修改") for pk in ids],
        batch_size=2000,
    )


def child_conflicts(path: str, prefer_file: str) -> dict:
    """Re-import a copy whose every row differs from tasks changed since: 10,000 conflicts."""
    _setup()
    from inspections.ledger.services import ledger_import

    actor = _bench_actor()
    with Timer() as timer:
        plan = ledger_import(path=path, actor=actor, prefer_file=prefer_file == "1")
    assert plan.written and len(plan.conflicts) == IMPORT_ROWS, (len(plan.conflicts), plan.errors[:5])
    return {"conflicts": len(plan.conflicts), "seconds": timer.wall, "cpu": timer.cpu, "peak_mb": _peak_mb()}


def make_import_file(path: str, name: str, revised: str = "") -> None:
    """10,000 real task rows from the seeded data, under a new round name so every row is new."""
    _setup()
    from openpyxl import Workbook

    from inspections.ledger.columns import COLUMNS
    from inspections.ledger.export import cooperating_names, ledger_rows, row_values

    subset = _tasks(_first_pks(IMPORT_ROWS))
    cooperating = cooperating_names(subset)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet()
    ws.append(["导入压测台账"])
    ws.append([c.header for c in COLUMNS])
    for n, row in enumerate(ledger_rows(subset), start=1):
        values = row_values(row, n, cooperating)
        values["round"] = name
        if revised:
            values["measures"] = f"{values['measures']}{revised}"
            values["remark"] = revised
        ws.append(list(values.values()))
    wb.save(path)


def main() -> None:
    _setup()
    from django.db import connection

    from inspections.models import RectificationTask

    total = RectificationTask.objects.count()
    print(f"database: {connection.vendor}; tasks in database: {total}")
    if connection.vendor != "postgresql":
        print("WARNING: the budgets are for PostgreSQL")
    if total < EXPORT_TASKS:
        raise SystemExit(f"need at least {EXPORT_TASKS} tasks: manage.py seed_demo --tasks {EXPORT_TASKS} --seed 1")
    connection.close()
    with tempfile.TemporaryDirectory() as tmp:
        ours = run_child(__file__, "export", f"{tmp}/ledger.xlsx")
        size_mb = os.path.getsize(f"{tmp}/ledger.xlsx") / 1024 / 1024
        _report_export(ours, size_mb)
        bare = run_child(__file__, "bare", f"{tmp}/bare.xlsx", str(ours["rows"]))
        _report_bare(ours, bare)
        import_file, revised_file = f"{tmp}/import.xlsx", f"{tmp}/revised.xlsx"
        name = f"导入压测轮次（{time.strftime('%Y%m%d%H%M%S')}）"
        run_child(__file__, "make-import", import_file, name)
        run_child(__file__, "make-import", revised_file, name, "（修订）")
        imported = run_child(__file__, "import", import_file)
        _report_import(imported)
        run_child(__file__, "touch", name)
        kept = run_child(__file__, "conflicts", revised_file, "0")
        taken = run_child(__file__, "conflicts", revised_file, "1")
        _report_conflicts(kept, taken)
    ok = (
        ours["seconds"] < BUDGETS["export_s"]
        and ours["peak_mb"] < BUDGETS["export_mb"]
        and imported["seconds"] < BUDGETS["import_s"]
    )
    print("within budget" if ok else "OVER BUDGET (wall time; see the CPU figures on a shared machine)")


def _report_export(ours, size_mb):
    print(
        f"export  {ours['rows']:>7} tasks: {ours['seconds']:6.1f} s wall, {ours['cpu']:6.1f} s CPU, peak RSS "
        f"{ours['peak_mb']:4.0f} MB, file {size_mb:.1f} MB  (budget {BUDGETS['export_s']:.0f} s, "
        f"{BUDGETS['export_mb']:.0f} MB)",
        flush=True,
    )


def _report_bare(ours, bare):
    print(
        f"bare openpyxl write-only loop, same rows: {bare['seconds']:6.1f} s wall, {bare['cpu']:6.1f} s CPU, "
        f"peak RSS {bare['peak_mb']:4.0f} MB"
    )
    print(
        f"overhead ratio (ours / bare): wall {ours['seconds'] / bare['seconds']:.2f}, "
        f"CPU {ours['cpu'] / bare['cpu']:.2f}",
        flush=True,
    )


def _report_import(imported):
    print(
        f"import  {imported['rows']:>7} rows:  {imported['seconds']:6.1f} s wall, {imported['cpu']:6.1f} s CPU "
        f"(re-import, nothing changed: {imported['reimport_seconds']:.1f} s), peak RSS {imported['peak_mb']:.0f} MB "
        f"(budget {BUDGETS['import_s']:.0f} s)",
        flush=True,
    )


def _report_conflicts(kept, taken):
    print(
        f"re-import {kept['conflicts']:>5} conflicts: system values kept {kept['seconds']:6.1f} s wall, "
        f"{kept['cpu']:6.1f} s CPU, peak RSS {kept['peak_mb']:.0f} MB; --prefer-file (all written) "
        f"{taken['seconds']:6.1f} s wall, {taken['cpu']:6.1f} s CPU, peak RSS {taken['peak_mb']:.0f} MB",
        flush=True,
    )


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] != "main":
        mode, args = sys.argv[1], sys.argv[2:]
        if mode == "export":
            print(json.dumps(child_export(args[0])))
        elif mode == "bare":
            print(json.dumps(child_bare(args[0], int(args[1]))))
        elif mode == "make-import":
            make_import_file(*args)
            print(json.dumps({}))
        elif mode == "touch":
            touch_imported(args[0])
            print(json.dumps({}))
        elif mode == "conflicts":
            print(json.dumps(child_conflicts(args[0], args[1])))
        elif mode == "import":
            print(json.dumps(child_import(args[0])))
        else:
            raise SystemExit(f"unknown mode {mode}")
    else:
        main()
