"""manage.py complaint_disclosure [--round ID] [--batch N] --out FILE: the 边督边改 公开一览表 as xlsx."""

from django.core.management.base import BaseCommand, CommandError

from inspections.access import VIEW_COMPLAINT_REPORTS, can_view_complaint_reports
from inspections.complaints.services import disclosure_write
from inspections.models import ComplaintBatch, InspectionRound

from .import_complaints import command_actor


class Command(BaseCommand):
    help = "导出交办件边督边改公开一览表（.xlsx），一个批次或整个进驻期间；不含投诉人信息。"

    def add_arguments(self, parser):
        parser.add_argument("--round", type=int, help="督察轮次 ID（默认：最近交办的轮次）")
        parser.add_argument("--batch", type=int, help="批次（默认：全部批次）")
        parser.add_argument("--out", required=True, help="输出文件（.xlsx）")
        parser.add_argument("--user", help="以该账号的权限导出（默认：第一个管理员或督察办账号）")

    def handle(self, *args, round=None, batch=None, out, user=None, **options):
        actor = command_actor(user, can_view_complaint_reports, VIEW_COMPLAINT_REPORTS)
        if round is None:
            latest = ComplaintBatch.objects.order_by("-received_on", "-pk").first()
            if latest is None:
                raise CommandError("还没有任何交办件。")
            round = latest.round_id
        elif not InspectionRound.objects.filter(pk=round).exists():
            raise CommandError(f"督察轮次 {round} 不存在。")
        if batch is not None and not ComplaintBatch.objects.filter(round_id=round, number=batch).exists():
            raise CommandError(f"该督察轮次没有第{batch}批交办件。")
        written = disclosure_write(user=actor, round_id=round, batch_number=batch, target=out)
        self.stdout.write(self.style.SUCCESS(f"已导出 {written} 件：{out}"))
