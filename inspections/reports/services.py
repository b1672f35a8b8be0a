"""Building, storing and sending the weekly dispatch report (周调度通报)."""

import json
import logging
from datetime import date, timedelta
from pathlib import Path

from django.conf import settings
from django.core.mail import EmailMessage
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.selectors import leaders
from rectify.replica import lag_tolerant

from ..access import REQUEST_REPORTS, require
from ..background import pause_for_tests, run_after_commit
from ..choices import JobStatus, NotificationKind
from ..closure import selectors as closure_selectors
from ..complaints import selectors as complaint_selectors
from ..models import DispatchReport
from ..services.notifications import notify
from ..supervision import selectors as supervision_selectors
from .figures import DispatchFigures, StreamedRows, dispatch_figures
from .narrative import dispatch_narrative, round_sentence
from .xlsx import write_dispatch_xlsx

logger = logging.getLogger(__name__)

# The page shows this many rows per list; the workbook always has all of them.
PAGE_ROWS = 200
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def weekly_report_date(today: date | None = None) -> date:
    """The Monday job reports on the week that ended yesterday (Sunday)."""
    return (today or timezone.localdate()) - timedelta(days=1)


def dispatch_report_request(*, actor, day: date) -> tuple[DispatchReport, bool]:
    """Ask for the report as of `day` (bureau and admins); returns (report, queued).

    An existing finished report for that date is returned as it is; a failed one is queued again.
    """
    require(actor, REQUEST_REPORTS)
    if day > timezone.localdate():
        from django.core.exceptions import ValidationError

        raise ValidationError({"report_date": _("截至日期不能晚于今天。")})
    with transaction.atomic():
        report, created = DispatchReport.objects.select_for_update().get_or_create(
            report_date=day, defaults={"requested_by": actor}
        )
        if not created and report.status != JobStatus.FAILED:
            return report, False
        report.status, report.error, report.requested_by = JobStatus.PENDING, "", actor
        report.save(update_fields=["status", "error", "requested_by"])
        run_after_commit("inspections.build_dispatch_report", report.pk)
    return report, True


def dispatch_report_build(*, report_id: int, force: bool = False) -> DispatchReport:
    """Compute the figures, write the workbook and keep the record; a finished report is left alone."""
    with transaction.atomic():
        report = DispatchReport.objects.select_for_update().get(pk=report_id)
        if report.status == JobStatus.DONE and not force and report.file_path:
            return report
        report.status, report.started_at = JobStatus.RUNNING, timezone.now()
        report.save(update_fields=["status", "started_at"])
    pause_for_tests()
    try:
        # The week's figures tolerate seconds of lag: read on the replica when there is one (rectify/replica.py).
        with lag_tolerant():
            figures = dispatch_figures(report.report_date)
            _add_closure(figures)
            # 督办约谈: the week's actions by kind, to date, overdue replies, and the bulletin's sentence.
            pressing = supervision_selectors.supervision_figures(start=figures.week_start, end=figures.day)
            narrative = dispatch_narrative(figures) + supervision_selectors.supervision_sentence(pressing)
            pause_for_tests()
            # 群众投诉: 受理率, 办结率, 满意率 of the complaint cases (complaints.figures) and the bureau's sentence.
            complaints = complaint_selectors.report_section(start=figures.week_start, end=figures.day)
            overdue_replies = supervision_selectors.overdue_replies(end=figures.day)
        if complaints:
            narrative += complaints["sentence"]
        supervision = {**pressing.as_dict(), "overdue_replies": overdue_replies}
        relative = Path("reports") / f"dispatch-{report.report_date:%Y%m%d}-{report.pk}.xlsx"
        write_dispatch_xlsx(
            figures, narrative, Path(settings.EXPORT_ROOT) / relative, complaints=complaints, supervision=supervision
        )
    except Exception as exc:
        DispatchReport.objects.filter(pk=report.pk).update(
            status=JobStatus.FAILED, error=f"{exc.__class__.__name__}: {exc}"[:2000], finished_at=timezone.now()
        )
        raise
    data = _page_data(figures)
    data["supervision"] = supervision
    data["complaints"] = json.loads(json.dumps(complaints, cls=DjangoJSONEncoder)) if complaints else None
    report.narrative, report.data, report.file_path = narrative, data, str(relative)
    report.status, report.error, report.finished_at = JobStatus.DONE, "", timezone.now()
    report.save()
    if report.requested_by_id:
        notify(
            recipients=[report.requested_by],
            kind=NotificationKind.REPORT,
            title=f"{report}已生成",
            body=narrative[:500],
            url=report.get_absolute_url(),
        )
    return report


def dispatch_report_weekly(*, today: date | None = None) -> DispatchReport:
    """The Monday job: build last week's report once and email it to the leaders once."""
    day = weekly_report_date(today)
    report, _ = DispatchReport.objects.get_or_create(report_date=day)
    report = dispatch_report_build(report_id=report.pk)
    dispatch_report_email(report_id=report.pk)
    return report


def dispatch_report_email(*, report_id: int) -> int:
    """Email the workbook to the leaders (with an in-app note), once per report; returns recipients."""
    with transaction.atomic():
        report = DispatchReport.objects.select_for_update().get(pk=report_id)
        if report.emailed_at is not None or report.status != JobStatus.DONE:
            return 0
        people = list(leaders())
        notify(
            recipients=people,
            kind=NotificationKind.REPORT,
            title=f"{report}已生成",
            body=report.narrative[:500],
            url=report.get_absolute_url(),
        )
        emails = sorted({u.email for u in people if u.email})
        if emails:
            message = EmailMessage(
                subject=f"【周调度通报】{settings.BUREAU_NAME}督察整改工作周调度通报（截至{report.report_date:%Y-%m-%d}）",
                body=f"各位领导：\n\n{report.narrative}\n\n详见附件。\n—— {settings.BUREAU_NAME}",
                to=emails,
            )
            message.attach(report.file_name, report_file(report).read_bytes(), XLSX_MIME)
            message.send(fail_silently=False)  # an error rolls back: the retry sends it again
        report.emailed_at = timezone.now()
        report.save(update_fields=["emailed_at"])
    return len(emails)


def report_file(report: DispatchReport) -> Path:
    return Path(settings.EXPORT_ROOT) / report.file_path


def _add_closure(figures: DispatchFigures) -> None:
    """Closure figures (one definition: inspections/closure/selectors.py) on the report's units and a 回头看 line.

    A relapse counts against its unit in the ranking: at equal completion rates the unit with more
    反弹 / 虚假整改 ranks lower (and the reopened task itself already lowers its rate, being new work)."""
    closure = closure_selectors.report_figures(figures.day)
    for unit in figures.units:
        unit.extensions = closure["extensions"].get(unit.id, 0)
        unit.relapses = closure["relapses"].get(unit.id, 0)
    figures.units.sort(key=lambda u: (-u.counts.rate, u.relapses, -u.counts.total, u.name))
    figures.lookback = closure["lookback"]


def _page_data(figures: DispatchFigures) -> dict:
    def rows(items):
        if isinstance(items, StreamedRows):  # read once, while the workbook was written
            return items.page(PAGE_ROWS)
        return {"total": len(items), "rows": items[:PAGE_ROWS]}

    data = {
        "day": figures.day,
        "week_start": figures.week_start,
        "totals": figures.totals.as_dict(),
        "rounds": [
            {"name": r.name, "findings": r.findings, "sentence": round_sentence(r), **r.counts.as_dict()}
            for r in figures.rounds
        ],
        "units": [
            {"name": u.name, **u.counts.as_dict(), "extensions": u.extensions, "relapses": u.relapses}
            for u in figures.units
        ],
        "lookback": figures.lookback,
        "overdue": rows(figures.overdue),
        "due_soon": rows(figures.due_soon),
        "closed_week": rows(figures.closed_week),
    }
    return json.loads(json.dumps(data, cls=DjangoJSONEncoder))
