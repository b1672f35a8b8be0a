"""manage.py import_complaints FILE [--round ID] [--dry-run]: import an inspection team's batch of complaint cases."""

from django.core.management.base import BaseCommand, CommandError

from accounts.choices import Role
from accounts.models import User
from inspections.access import IMPORT_COMPLAINTS, can_manage_complaints
from inspections.complaints.importer import LedgerRefused, import_path
from inspections.models import InspectionRound


def command_actor(username, rule_check, rule):
    if username:
        actor = User.objects.filter(username=username).first()
        if actor is None:
            raise CommandError(f"没有账号 {username}。")
        if not rule_check(actor):
            raise CommandError(f"{username}：{rule.message}")
        return actor
    actor = (
        User.objects.filter(is_active=True, role__in=[Role.ADMIN, Role.BUREAU]).order_by("pk").first()
        or User.objects.filter(is_active=True, is_superuser=True).order_by("pk").first()
    )
    if actor is None:
        raise CommandError("没有管理员或督察办账号：请先创建一个，或用 --user 指定。")
    return actor


class Command(BaseCommand):
    help = "导入督察组交办的信访件清单（.xlsx）：全部成功才写入，有任何错误则一行都不写入；按受理编号更新。"

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--round", type=int, help="导入到的督察轮次 ID（默认：文件的“督察轮次”列或标题）")
        parser.add_argument("--dry-run", action="store_true", help="只检查并显示将要导入的内容，不写入")
        parser.add_argument("--user", help="记为操作人的督察办账号（默认：第一个管理员或督察办账号）")

    def handle(self, *args, file, round=None, dry_run=False, user=None, **options):
        actor = command_actor(user, can_manage_complaints, IMPORT_COMPLAINTS)
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
        if plan.errors:
            for error in plan.errors:
                self.stderr.write(f"第 {error.row} 行 [{error.column}]：{error.message}")
            raise CommandError(f"文件有 {len(plan.errors)} 处错误，未导入任何数据。")
        out.write(f"数据行 {plan.rows}；督察轮次：{plan.round_name}{'（新建）' if plan.round_new else ''}")
        out.write(f"批次：{'、'.join(f'第{n}批' for n in plan.batches)}（新建 {len(plan.batches_new)} 个）")
        out.write(f"交办件：新增 {plan.cases_new}，更新 {plan.cases_updated}，无变化 {plan.cases_unchanged}")
        out.write(f"重复件：{len(plan.repeats)}")
        for repeat in plan.repeats[:50]:
            how = "受理编号相同" if repeat.by_code else f"相似度 {repeat.score:.0%}"
            out.write(
                f"  第{repeat.batch}批 {repeat.code} → 第{repeat.original_batch}批 {repeat.original_code}（{how}）"
            )
        if dry_run:
            out.write(self.style.WARNING("试运行（--dry-run）：没有写入任何数据。"))
        else:
            out.write(self.style.SUCCESS("导入完成。"))
