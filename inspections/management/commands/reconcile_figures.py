"""Prove the dashboard's summary counters equal a recomputation from the tasks and events; --repair fixes them.

The recomputation is `inspections.summaries.figures_reconcile` (the same classification the counters are
kept with). Exit status 1 when differences were found and not repaired, so a cron job can alert.
"""

from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from inspections.models import SnapshotDay
from inspections.summaries import figures_reconcile


class Command(BaseCommand):
    help = "核对总览统计汇总表与任务、历史记录重新计算的结果；--repair 以重新计算的结果修复。"

    def add_arguments(self, parser):
        parser.add_argument("--repair", action="store_true", help="发现差异时以重新计算的结果修复汇总表")
        parser.add_argument(
            "--days", type=int, default=7, help="同时核对最近多少天已生成的每日快照（默认 7；0 表示不核对快照）"
        )
        parser.add_argument("--limit", type=int, default=50, help="最多列出多少条差异（默认 50）")

    def handle(self, *args, repair=False, days=7, limit=50, **options):
        if days < 0 or limit < 0:
            raise CommandError("--days 和 --limit 不能为负数。")
        today = timezone.localdate()
        snapshot_days = list(
            SnapshotDay.objects.filter(day__gte=today - timedelta(days=days))
            .order_by("day")
            .values_list("day", flat=True)
        )
        differences = figures_reconcile(repair=repair, snapshot_days=snapshot_days)
        for difference in differences[:limit]:
            self.stdout.write(
                f"{difference.table} {difference.day:%Y-%m-%d} {difference.key}: "
                f"汇总 {difference.stored}，重新计算 {difference.actual}"
            )
        if len(differences) > limit:
            self.stdout.write(f"……另有 {len(differences) - limit} 条差异未列出")
        checked = f"实时计数及 {len(snapshot_days)} 天快照"
        if not differences:
            self.stdout.write(f"一致：{checked}与重新计算的结果相同。")
        elif repair:
            self.stdout.write(f"已修复：{checked}中 {len(differences)} 处差异。")
        else:
            self.stdout.write(f"发现 {len(differences)} 处差异（{checked}）；加 --repair 修复。")
            raise SystemExit(1)
