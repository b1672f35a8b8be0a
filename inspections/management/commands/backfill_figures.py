"""Build the as-of dashboard's daily snapshots of past days from the event history (and the live counters).

`inspections.summaries.figures_backfill`: one pass over the history builds many days at once (on PostgreSQL),
days already built are skipped unless --replace, so a long backfill can be stopped and run again. --all: every
day since the ledger's first task (what a bureau runs once after loading its history).
"""

from datetime import date, timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from inspections.summaries import figures_backfill, figures_roll, history_start, live_day


class Command(BaseCommand):
    help = "由任务历史记录生成过去各日的总览统计快照（截至日期查看用），并确保今天的实时计数已生成。"

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=90, help="生成最近多少天的快照（默认 90）")
        parser.add_argument(
            "--since", type=date.fromisoformat, default=None, help="从该日期起（YYYY-MM-DD），优先于 --days"
        )
        parser.add_argument("--all", action="store_true", help="生成自第一条整改任务创建之日起的全部快照")
        parser.add_argument("--replace", action="store_true", help="重新生成已有的快照")

    def handle(self, *args, days=90, since=None, replace=False, **options):
        every_day = options.get("all", False)
        if days < 0:
            raise CommandError("--days 不能为负数。")
        today = timezone.localdate()
        if live_day() != today:
            figures_roll(today=today)
        start = since or today - timedelta(days=days)
        if every_day:
            start = history_start() or today
        built = figures_backfill(start=start, end=today - timedelta(days=1), replace=replace)
        self.stdout.write(f"已生成 {built} 天的快照（{start:%Y-%m-%d} 至 {today - timedelta(days=1):%Y-%m-%d}）。")
