"""Delete field-level history older than the retention period (settings.HISTORY_RETENTION_DAYS).

Same selection as simple-history's `clean_old_history --auto`, with one difference: for each object
the newest record older than the cutoff is kept (unless it records a deletion), so the first change
inside the retention period still has something to be compared against on the object's page.
"""
from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from simple_history.management.commands.clean_old_history import Command as CleanOldHistory


class Command(BaseCommand):
    help = "删除超过保留期限（默认 HISTORY_RETENTION_DAYS 天）的字段修改历史。"

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=None,
                            help="保留最近多少天的历史（默认 settings.HISTORY_RETENTION_DAYS）")
        parser.add_argument("--dry-run", action="store_true", help="只统计将删除的条数，不删除")

    def handle(self, *args, days=None, dry_run=False, **options):
        days = settings.HISTORY_RETENTION_DAYS if days is None else days
        if days < 1:
            raise CommandError("--days 必须是正整数。")
        cutoff = timezone.now() - timedelta(days=days)
        total = 0
        finder = CleanOldHistory()
        finder.verbosity = 0
        for model, history_model in sorted(finder._auto_models(), key=lambda m: m[0]._meta.label):
            doomed = prunable(history_model, cutoff)
            with transaction.atomic():
                count = doomed.count() if dry_run else doomed.delete()[0]
            total += count
            verb = "将删除" if dry_run else "已删除"
            self.stdout.write(f"{model._meta.label}（{model._meta.verbose_name}）：{verb} {count} 条历史记录")
        self.stdout.write(
            f"{'试运行，未删除任何记录' if dry_run else '完成'}：{cutoff:%Y-%m-%d} 之前的历史共 {total} 条。"
        )


def prunable(history_model, cutoff):
    """Records older than `cutoff`, minus each object's newest such record unless it is a deletion."""
    old = history_model.objects.filter(history_date__lt=cutoff)
    baseline = (
        old.filter(id=OuterRef("id")).order_by("-history_date", "-history_id").values("history_id")[:1]
    )
    keep = old.exclude(history_type="-").filter(history_id=Subquery(baseline))
    return old.exclude(history_id__in=keep.values("history_id"))
