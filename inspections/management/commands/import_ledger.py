"""manage.py import_ledger FILE [--round ID] [--dry-run]: import an inspectorate list or a ledger."""

from django.core.management.base import BaseCommand, CommandError

from accounts.choices import Role
from accounts.models import User
from inspections.access import IMPORT_LEDGER, can_import_ledger
from inspections.ledger.importer import import_path
from inspections.ledger.reader import LedgerRefused
from inspections.models import InspectionRound


class Command(BaseCommand):
    help = "导入整改台账（.xlsx）：全部成功才写入，有任何错误则一行都不写入。"

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--round", type=int, help="文件没有“督察轮次”列时导入到的督察轮次 ID")
        parser.add_argument("--dry-run", action="store_true", help="只检查并显示将要导入的内容，不写入")
        parser.add_argument("--user", help="记为操作人的督察办账号（默认：第一个管理员或督察办账号）")

    def handle(self, *args, file, round=None, dry_run=False, user=None, **options):
        actor = self._actor(user)
        default_round = None
        if round is not None:
            default_round = InspectionRound.objects.filter(pk=round).first()
            if default_round is None:
                raise CommandError(f"督察轮次 {round} 不存在。")
        try:
            plan = import_path(file, actor=actor, default_round=default_round, dry_run=dry_run)
        except LedgerRefused as exc:
            raise CommandError(exc.message) from exc
        except FileNotFoundError as exc:
            raise CommandError(f"找不到文件：{file}") from exc
        out = self.stdout
        out.write(f"数据行 {plan.rows}；督察轮次：{'、'.join(plan.rounds)}")
        out.write(f"反馈问题：新增 {plan.findings_new}，更新 {plan.findings_updated}")
        out.write(f"整改任务：新增 {plan.tasks_new}，更新 {plan.tasks_updated}，无变化 {plan.tasks_unchanged}")
        for label, names in (
            ("新建督察轮次", plan.rounds_new),
            ("新建责任单位", plan.units_new),
            ("新建领导（未启用）", plan.leaders_new),
        ):
            if names:
                out.write(f"{label}：{'、'.join(names)}")
        if plan.errors:
            for error in plan.errors:
                self.stderr.write(f"第 {error.row} 行 [{error.column}]：{error.message}")
            raise CommandError(f"文件有 {len(plan.errors)} 处错误，未导入任何数据。")
        if dry_run:
            out.write(self.style.WARNING("试运行（--dry-run）：没有写入任何数据。"))
        else:
            out.write(self.style.SUCCESS("导入完成。"))

    def _actor(self, username):
        if username:
            actor = User.objects.filter(username=username).first()
            if actor is None:
                raise CommandError(f"没有账号 {username}。")
            if not can_import_ledger(actor):
                raise CommandError(f"{username}：{IMPORT_LEDGER.message}")
            return actor
        actor = (
            User.objects.filter(is_active=True, role__in=[Role.ADMIN, Role.BUREAU]).order_by("pk").first()
            or User.objects.filter(is_active=True, is_superuser=True).order_by("pk").first()
        )
        if actor is None:
            raise CommandError("没有管理员或督察办账号：请先创建一个，或用 --user 指定。")
        return actor
