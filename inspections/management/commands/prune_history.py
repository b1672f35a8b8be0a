"""Delete field-level history older than the retention period (settings.HISTORY_RETENTION_DAYS).

The selection is `inspections.history.history_prune` (also run daily by Celery beat).
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from inspections.housekeeping.history import history_prune


class Command(BaseCommand):
    help = "删除超过保留期限（默认 HISTORY_RETENTION_DAYS 天）的字段修改历史。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--days", type=int, default=None, help="保留最近多少天的历史（默认 settings.HISTORY_RETENTION_DAYS）"
        )
        parser.add_argument("--dry-run", action="store_true", help="只统计将删除的条数，不删除")

    def handle(self, *args, days=None, dry_run=False, **options):
        days = settings.HISTORY_RETENTION_DAYS if days is None else days
        if days < 1:
            raise CommandError("--days 必须是正整数。")
        result = history_prune(days=days, dry_run=dry_run)
        verb = "将删除" if dry_run else "已删除"
        for model, count in result.counts:
            self.stdout.write(f"{model._meta.label}（{model._meta.verbose_name}）：{verb} {count} 条历史记录")
        self.stdout.write(
            f"{'试运行，未删除任何记录' if dry_run else '完成'}：{result.cutoff:%Y-%m-%d} 之前的历史共 {result.total} 条。"
        )
