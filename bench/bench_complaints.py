"""Benchmark of complaint cases (交办件) on PostgreSQL: import of a 5,000-case stay (30 daily batches) of which
20 % are repeats (half the same 受理编号 again, half reworded texts of the same place), then the disclosure
list (公开一览表) of all of them.

Budget: the import under 30 s. Prints the figures and how many planted repeats were linked.
    bash bench/run_bench_complaints.sh [--profile]
"""

import os
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rectify.settings")

import django  # noqa: E402

django.setup()

from openpyxl import Workbook  # noqa: E402

from accounts.choices import Role, UnitKind  # noqa: E402
from accounts.models import Unit, User  # noqa: E402
from inspections.complaints.importer import run_import  # noqa: E402
from inspections.complaints.services import disclosure_write  # noqa: E402
from inspections.models import ComplaintCase  # noqa: E402

CASES, BATCHES, REPEAT_SHARE = 5000, 30, 0.20
BUDGET_S = 30.0
PLACES = [f"{n}镇" for n in "东南西北中上下前后左右新老大小青红白金银"] + [f"{n}区" for n in "城东城西城南城北高新开发"]
SUBJECTS = [
    "化工厂",
    "养猪场",
    "砂石厂",
    "印染厂",
    "电镀厂",
    "搅拌站",
    "餐饮店",
    "洗车场",
    "塑料厂",
    "屠宰场",
    "造纸厂",
    "铸造厂",
]
PROBLEMS = [
    "夜间偷排污水，河道发黑发臭",
    "排放刺鼻废气，周边居民无法开窗",
    "生产噪声扰民，夜间持续到凌晨",
    "粉尘污染严重，附近农田庄稼落满灰尘",
    "危险废物露天堆放，雨天流入雨水管",
    "油烟直排，楼上住户苦不堪言",
]
REWORD = [("夜间", "晚上"), ("严重", "很大"), ("周边", "附近"), ("，", "。"), ("排放", "排出")]


def build(path: Path, rng: random.Random) -> dict:
    """Write the stay's file; returns the planted repeats, (batch, code) of the repeat → code of its original."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet()
    ws.append(["第三轮中央生态环境保护督察第五督察组交办XX市群众信访举报件"])
    ws.append(["序号", "受理编号", "交办问题基本情况", "行政区域", "污染类型", "交办批次"])
    originals, planted, used = [], {}, set()
    per_batch = CASES // BATCHES
    n = 0
    for batch in range(1, BATCHES + 1):
        for seq in range(1, per_batch + 1):
            n += 1
            if originals and rng.random() < REPEAT_SHARE:
                original_code, text, place, _b = rng.choice(originals)
                code = original_code
                if rng.random() < 0.5:
                    if _b == batch or (batch, code) in used:
                        code = f"D{n:06d}"
                    used.add((batch, code))
                    ws.append([seq, code, text + "（再次反映）", place, "其他", batch])
                else:
                    for a, b in REWORD:
                        text = text.replace(a, b)
                    code = f"D{n:06d}"
                    ws.append([seq, code, "群众反映" + text, place, "其他", batch])
                planted[(batch, code)] = original_code
                continue
            place = rng.choice(PLACES)
            text = f"{place}{rng.choice('甲乙丙丁戊己庚辛')}{rng.randint(1, 99)}号{rng.choice(SUBJECTS)}{rng.choice(PROBLEMS)}，编号{n}的举报人多次反映未果。"
            code = f"{'D' if n % 2 else 'X'}{n:06d}"
            originals.append((code, text, place, batch))
            ws.append([seq, code, text, place, "大气", batch])
    wb.save(path)
    return planted


def main():
    rng = random.Random(17)
    root = Unit.objects.filter(parent__isnull=True).first() or Unit.objects.create(
        name="XX市生态环境局", code="BENCH", kind=UnitKind.BUREAU
    )
    actor = User.objects.filter(role=Role.BUREAU).first() or User.objects.create(
        username="bench-bureau", role=Role.BUREAU, unit=root
    )
    ComplaintCase.objects.all().delete()
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "stay.xlsx"
        planted = build(source, rng)
        profiler = None
        if "--profile" in sys.argv:
            import cProfile

            profiler = cProfile.Profile()
            profiler.enable()
        started = time.perf_counter()
        plan = run_import(source, actor=actor)
        import_s = time.perf_counter() - started
        if profiler is not None:
            import pstats

            profiler.disable()
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
        assert plan.ok, plan.errors[:5]
        started = time.perf_counter()
        written = disclosure_write(
            user=actor, round_id=ComplaintCase.objects.first().round_id, batch_number=None, target=Path(tmp) / "d.xlsx"
        )
        export_s = time.perf_counter() - started
    links = {
        (batch, code): (original, summary, original_summary)
        for batch, code, original, summary, original_summary in ComplaintCase.objects.filter(
            repeat_of__isnull=False
        ).values_list("batch__number", "code", "repeat_of__code", "summary", "repeat_of__summary")
    }
    linked = len(links)
    right = sum(1 for key, (original, *_texts) in links.items() if planted.get(key) == original)
    extra = [(key, link) for key, link in links.items() if key not in planted]
    wrong = [(key, link) for key, link in links.items() if key in planted and planted[key] != link[0]]
    missed = [key for key in planted if key not in links]
    print(
        f"import: {plan.rows} rows, {len(plan.batches)} batches, {plan.cases_new} cases in {import_s:.1f} s (budget {BUDGET_S:.0f} s)"
    )
    print(f"repeats: planted {len(planted)}, linked {linked} ({len(plan.repeats)} in the plan)")
    print(
        f"  to the planted original {right}, to another case {len(wrong)}, missed {len(missed)}, "
        f"links between cases not planted as repeats {len(extra)}"
    )
    for (batch, code), (original, summary, original_summary) in extra[:5]:
        print(f"  extra: 第{batch}批 {code} {summary}\n      → {original} {original_summary}")
    print(f"disclosure of all {written} cases: {export_s:.1f} s")
    print("OK" if import_s <= BUDGET_S else "OVER BUDGET")


if __name__ == "__main__":
    main()
