"""Build the dispatch report as of a date by hand and print the path of the workbook."""

from datetime import date

from django.core.management.base import BaseCommand
from django.utils import timezone

from inspections.models import DispatchReport
from inspections.reports.services import dispatch_report_build, report_file


class Command(BaseCommand):
    help = "Build (or rebuild) the weekly dispatch report as of a date (today by default); prints the file path."

    def add_arguments(self, parser):
        parser.add_argument("--date", type=date.fromisoformat, default=None, help="YYYY-MM-DD, the report's as-of date")

    def handle(self, *args, date=None, **options):
        report, _ = DispatchReport.objects.get_or_create(report_date=date or timezone.localdate())
        report = dispatch_report_build(report_id=report.pk, force=True)
        self.stdout.write(str(report_file(report)))
