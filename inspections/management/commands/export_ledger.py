"""manage.py export_ledger --out FILE [--round ID]: write the ledger workbook from the shell."""

from django.core.management.base import BaseCommand, CommandError

from inspections.filtersets import TaskFilterSet
from inspections.ledger.export import export_title, write_ledger
from inspections.models import InspectionRound, RectificationTask


class Command(BaseCommand):
    help = "导出整改台账（Excel），可只导出一个督察轮次。"

    def add_arguments(self, parser):
        parser.add_argument("--out", required=True, help="输出文件路径（.xlsx）")
        parser.add_argument("--round", type=int, help="督察轮次 ID")

    def handle(self, *args, out, round=None, **options):
        # The shell sees the whole jurisdiction; the same FilterSet as the screens narrows it.
        if round is not None and not InspectionRound.objects.filter(pk=round).exists():
            raise CommandError(f"督察轮次 {round} 不存在。")
        filters = {"round": str(round)} if round is not None else None
        filterset = TaskFilterSet(filters, queryset=RectificationTask.objects.with_schedule())
        tasks = filterset.qs
        count = write_ledger(tasks, out, title=export_title(tasks))
        self.stdout.write(self.style.SUCCESS(f"已导出 {count} 项整改任务到 {out}"))
