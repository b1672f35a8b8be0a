"""manage.py import_ledger FILE [--round ID] [--as-of DATE] [--prefer-file] [--dry-run]: import a ledger."""

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from inspections.access import IMPORT_LEDGER, can_import_ledger
from inspections.errors import NotAllowed
from inspections.ledger.reader import LedgerRefused
from inspections.ledger.services import ledger_import
from inspections.models import InspectionRound


class Command(BaseCommand):
    help = (
        "导入整改台账（.xlsx）：全部成功才写入，有任何错误则一行都不写入。"
        "不会回退任务状态；填报日期之后系统中有更新的任务默认保留系统中的值（--prefer-file 以文件为准）。"
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--round", type=int, help="文件没有“督察轮次”列时导入到的督察轮次 ID")
        parser.add_argument("--as-of", help="文件的填报日期（YYYY-MM-DD），优先于文件标题行中的填报日期/截至日期")
        parser.add_argument(
            "--prefer-file",
            action="store_true",
            help="填报日期之后系统中有更新的任务，也采用文件中的值（状态仍不会回退，已销号任务仍不修改）",
        )
        parser.add_argument(
            "--create-leaders", action="store_true", help="为系统中没有账号的责任领导姓名新建未启用的领导账号"
        )
        parser.add_argument("--dry-run", action="store_true", help="只检查并显示将要导入的内容，不写入")
        parser.add_argument("--user", help="记为操作人的督察办账号（默认：第一个管理员或督察办账号）")

    def handle(self, *args, file, round=None, as_of=None, prefer_file=False, create_leaders=False, **options):
        actor = self._actor(options.get("user"))
        default_round = None
        if round is not None:
            default_round = InspectionRound.objects.filter(pk=round).first()
            if default_round is None:
                raise CommandError(f"督察轮次 {round} 不存在。")
        if as_of:
            try:
                as_of = date.fromisoformat(as_of)
            except ValueError as exc:
                raise CommandError(f"--as-of 应为 YYYY-MM-DD 格式的日期，不是“{as_of}”。") from exc
        try:
            plan = ledger_import(
                actor=actor,
                path=file,
                default_round=default_round,
                as_of=as_of,
                dry_run=options.get("dry_run", False),
                prefer_file=prefer_file,
                create_leaders=create_leaders,
            )
        except LedgerRefused as exc:
            raise CommandError(exc.message) from exc
        except NotAllowed as exc:
            raise CommandError(exc.message) from exc
        except FileNotFoundError as exc:
            raise CommandError(f"找不到文件：{file}") from exc
        self._report(plan, dry_run=options.get("dry_run", False), prefer_file=prefer_file)

    def _report(self, plan, *, dry_run, prefer_file):
        out = self.stdout
        source = {"given": "--as-of", "file": "文件标题行", "today": "文件未注明，按今天"}[plan.as_of_source]
        out.write(f"填报日期：{plan.as_of}（{source}）")
        out.write(f"数据行 {plan.rows}；督察轮次：{'、'.join(plan.rounds)}")
        out.write(f"反馈问题：新增 {plan.findings_new}，更新 {plan.findings_updated}")
        out.write(
            f"整改任务：新增 {plan.tasks_new}，更新 {plan.tasks_updated}，无变化 {plan.tasks_unchanged}，"
            f"冲突 {len(plan.conflicts)}"
        )
        for label, names in (
            ("新建督察轮次", plan.rounds_new),
            ("新建责任单位", plan.units_new),
            ("按已有单位导入", [f"{name} → {existing}" for name, existing in plan.unit_matches]),
            ("新建领导（未启用）", plan.leaders_new),
            ("责任领导未匹配到账号（保留原文）", plan.leaders_unmatched),
            ("未导入的列", plan.unknown_columns),
        ):
            if names:
                out.write(f"{label}：{'、'.join(names)}")
        for change in plan.conflicts:
            for field in change.conflicts:
                taken = prefer_file and field.conflict == "stale"
                keep = "采用文件中的值" if taken else "保留系统中的值"
                out.write(
                    f"冲突 第 {change.row} 行 任务 {change.code} [{field.label}]：系统“{field.old}” / 文件“{field.new}”"
                    f"（{field.conflict_label}，{keep}）"
                )
        if plan.errors:
            for error in plan.errors:
                where = f"第 {error.row} 行" if error.row else "文件"
                value = f"（“{error.value}”）" if error.value else ""
                self.stderr.write(f"{where} [{error.column}]{value}：{error.message}")
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
        for actor in User.objects.filter(is_active=True).order_by("-is_superuser", "pk"):
            if can_import_ledger(actor):
                return actor
        raise CommandError("没有管理员或督察办账号：请先创建一个，或用 --user 指定。")
