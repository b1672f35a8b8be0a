"""Delete expired ledger exports and files no record refers to (inspections.housekeeping.services).

The same clean-up runs daily from Celery beat; `--dry-run` lists what would go and changes nothing.
"""

from django.conf import settings
from django.core.management.base import BaseCommand

from inspections.housekeeping.services import GRACE, storage_clean


class Command(BaseCommand):
    help = "删除超过保留期限（EXPORT_RETENTION_DAYS 天）的导出文件，以及没有任何记录引用的佐证材料和导入预览文件。"

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="只列出将删除的文件，不删除、不修改任何记录")

    def handle(self, *args, dry_run=False, **options):
        result = storage_clean(dry_run=dry_run)
        verb = "将删除" if dry_run else "已删除"
        for title, root, names in (
            ("导出文件", settings.EXPORT_ROOT, result.export_files),
            ("孤立的佐证材料", settings.MEDIA_ROOT, result.evidence_files),
            ("未确认的导入预览", settings.MEDIA_ROOT, result.import_files),
        ):
            for name in names:
                self.stdout.write(f"{verb}{title}：{root}/{name}")
        if result.expired_jobs:
            self.stdout.write(
                f"{'将标记' if dry_run else '已标记'}为文件已过期的导出任务：{len(result.expired_jobs)} 个"
            )
        if result.interrupted_jobs:
            self.stdout.write(
                f"{'将标记' if dry_run else '已标记'}为失败的中断导出任务：{len(result.interrupted_jobs)} 个"
            )
        if result.evidence_skipped:
            self.stderr.write(
                "数据库中没有任何佐证材料记录，未清理佐证材料目录（请确认 DATABASE_URL 指向正确的数据库）。"
            )
        for name in result.errors:
            self.stderr.write(f"无法删除：{name}（下次运行时重试）")
        self.stdout.write(
            f"{'试运行，未删除任何文件' if dry_run else '完成'}：共 {result.files} 个文件，"
            f"{result.freed_bytes / 1024 / 1024:.1f} MB（导出文件保留 {settings.EXPORT_RETENTION_DAYS} 天，"
            f"孤立文件宽限 {GRACE.total_seconds() / 3600:.0f} 小时）。"
        )
