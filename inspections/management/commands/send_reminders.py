"""Run the daily reminder sweep by hand (the beat job does it every morning)."""

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from inspections.reminders.services import DeliveryIncomplete, reminders_send


class Command(BaseCommand):
    help = "Send the deadline reminders and escalations of a day (today by default); safe to rerun."

    def add_arguments(self, parser):
        parser.add_argument("--date", type=date.fromisoformat, default=None, help="YYYY-MM-DD")

    def handle(self, *args, date=None, **options):
        try:
            result = reminders_send(day=date)
        except DeliveryIncomplete as exc:
            raise CommandError(f"{exc}（重新运行本命令只会补发失败的部分）") from exc
        if result.skipped:
            self.stdout.write(f"{result.day}: {result.skipped}")
            return
        self.stdout.write(
            f"{result.day}: {result.records} new reminder records, "
            f"{result.delivered} of {result.digests} pending digests delivered."
        )
