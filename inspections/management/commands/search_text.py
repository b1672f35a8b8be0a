"""Drift check of the tasks' search documents (inspections/search.py): find stale ones, and repair them.

`manage.py search_text` (or --check) counts the tasks whose document differs from what their finding, texts
and units make now and exits 1 when there are any; --repair rewrites exactly those (one UPDATE).
"""

from django.core.management.base import BaseCommand, CommandError

from inspections.search import search_texts_refresh, search_texts_stale


class Command(BaseCommand):
    help = "检查（--check，默认）或修复（--repair）整改任务的检索文本与其来源不一致的情况。"

    def add_arguments(self, parser):
        action = parser.add_mutually_exclusive_group()
        action.add_argument("--check", action="store_true", help="只检查，有不一致时以状态 1 退出（默认）")
        action.add_argument("--repair", action="store_true", help="重建不一致的检索文本")

    def handle(self, *args, check=False, repair=False, **options):
        if repair:
            count = search_texts_refresh()
            self.stdout.write(f"已修复 {count} 项任务的检索文本。")
            return
        count, ids = search_texts_stale()
        if count:
            shown = "、".join(str(pk) for pk in ids)
            raise CommandError(
                f"{count} 项任务的检索文本已过期（任务 ID：{shown}{' 等' if count > len(ids) else ''}）；"
                "请运行 manage.py search_text --repair。"
            )
        self.stdout.write("检索文本全部与来源一致。")
