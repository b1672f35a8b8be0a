"""The daily reminder sweep: record what is due, then deliver one digest per unit (and escalations).

Two phases, each safe to repeat. Planning writes ReminderRecords (unique per task, kind and day)
and the day's ReminderDigests in one transaction. Delivery handles each digest in its own
transaction under a row lock: the in-app notification and the digest's state commit together,
so a retry after a crash never notifies twice; a failed email leaves the digest FAILED and the
sweep raises DeliveryIncomplete, so Celery retries it and only the failed digests go out again.
An email accepted by the mail server just before the process dies can be sent again on retry
(at-least-once); nothing else is ever repeated.
"""
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from accounts.choices import Role
from accounts.models import Unit, User
from accounts.selectors import bureau_staff

from ..choices import DigestAudience, JobStatus, NotificationKind, ReminderKind
from ..models import ReminderDigest, ReminderRecord
from ..selectors_reminders import DayCounter, day_counter, records_of_day, reminders_due
from .notifications import notify

logger = logging.getLogger(__name__)


class DeliveryIncomplete(Exception):
    """Some digests could not be delivered; rerunning the sweep retries exactly those."""


@dataclass
class SweepResult:
    day: date
    skipped: str = ""
    records: int = 0
    digests: int = 0
    delivered: int = 0
    failed: list[str] = field(default_factory=list)


def reminders_send(*, day: date | None = None, counter: DayCounter | None = None) -> SweepResult:
    """Run the sweep of `day` (today by default). Raises DeliveryIncomplete if a digest failed."""
    day = day or timezone.localdate()
    counter = counter or day_counter()
    result = SweepResult(day=day)
    if not counter.is_workday(day):
        result.skipped = "非工作日，不发送提醒"
        return result
    result.records = reminders_plan(day=day, counter=counter)
    pending = list(ReminderDigest.objects.filter(day=day).exclude(status=JobStatus.DONE).order_by("pk"))
    result.digests = len(pending)
    _deliver_all(day, pending, result)
    if result.failed:
        raise DeliveryIncomplete(f"{day}: {len(result.failed)} 份提醒未送达：" + "；".join(result.failed[:10]))
    return result


@transaction.atomic
def reminders_plan(*, day: date, counter: DayCounter) -> int:
    """Record the day's reminders and create its digests; returns the number of new records."""
    planned = reminders_due(day, counter=counter)
    rows = [ReminderRecord(task_id=p.task_id, kind=p.kind, day=day, deadline=p.deadline, days=p.days,
                           threshold=p.threshold) for p in planned]
    before = ReminderRecord.objects.filter(day=day).count()
    ReminderRecord.objects.bulk_create(rows, batch_size=2000, ignore_conflicts=True)
    created = ReminderRecord.objects.filter(day=day).count() - before
    unit_ids = set(ReminderRecord.objects.filter(day=day, kind__in=[ReminderKind.DUE, ReminderKind.OVERDUE])
                   .values_list("task__lead_unit_id", flat=True).distinct().order_by())
    digests = [ReminderDigest(day=day, audience=DigestAudience.UNIT, unit_id=u) for u in unit_ids]
    escalations = ReminderRecord.objects.filter(day=day, kind=ReminderKind.ESCALATION)
    if escalations.exists():
        leader_ids = set(escalations.exclude(task__finding__responsible_leader__isnull=True)
                         .values_list("task__finding__responsible_leader_id", flat=True).distinct().order_by())
        recipients = leader_ids | set(bureau_staff().values_list("pk", flat=True))
        digests += [ReminderDigest(day=day, audience=DigestAudience.ESCALATION, recipient_id=r) for r in recipients]
    ReminderDigest.objects.bulk_create(digests, ignore_conflicts=True)
    return created


def _deliver_all(day: date, pending: list[ReminderDigest], result: SweepResult) -> None:
    unit_digests = [d for d in pending if d.audience == DigestAudience.UNIT]
    escalation_digests = [d for d in pending if d.audience == DigestAudience.ESCALATION]
    by_unit = defaultdict(list)
    escalated = []
    if unit_digests:
        for row in records_of_day(day, [ReminderKind.DUE, ReminderKind.OVERDUE]):
            by_unit[row["task__lead_unit_id"]].append(row)
    if escalation_digests:
        escalated = records_of_day(day, [ReminderKind.ESCALATION])
    contacts = defaultdict(list)
    for user in User.objects.filter(role=Role.UNIT, is_active=True, unit_id__in=[d.unit_id for d in unit_digests]):
        contacts[user.unit_id].append(user)
    units = Unit.objects.in_bulk([d.unit_id for d in unit_digests])
    people = User.objects.in_bulk([d.recipient_id for d in escalation_digests])
    for digest in unit_digests:
        unit = units[digest.unit_id]
        rows = by_unit.get(digest.unit_id, [])
        subject, body, kind = _unit_message(unit, day, rows)
        _deliver(digest, contacts.get(digest.unit_id, []), subject, body, kind, len(rows), result,
                 url=_url("inspections:task_list", f"?lead_unit={unit.pk}"))
    for digest in escalation_digests:
        person = people[digest.recipient_id]
        sees_all = person.role in (Role.BUREAU, Role.ADMIN) or person.is_superuser
        rows = [r for r in escalated if sees_all or r["task__finding__responsible_leader_id"] == person.pk]
        subject, body = _escalation_message(day, rows)
        _deliver(digest, [person], subject, body, NotificationKind.ESCALATION, len(rows), result,
                 url=_url("inspections:task_list", "?overdue=1"))


def _deliver(digest, recipients, subject, body, kind, items, result: SweepResult, *, url: str) -> None:
    with transaction.atomic():
        locked = (ReminderDigest.objects.select_for_update(skip_locked=True)
                  .filter(pk=digest.pk).exclude(status=JobStatus.DONE).first())
        if locked is None:  # delivered meanwhile, or another worker holds it right now
            return
        locked.items = items
        locked.attempts += 1
        if locked.notified_at is None:
            notify(recipients=recipients, kind=kind, title=subject, body=body, url=url)
            locked.notified_at = timezone.now()
        emails = sorted({u.email for u in recipients if u.email})
        try:
            if emails and locked.emailed_at is None:
                EmailMessage(subject=subject, body=body, to=emails).send(fail_silently=False)
                locked.emailed_at = timezone.now()
        except Exception as exc:  # noqa: BLE001 - any mail failure must leave the digest to retry
            logger.warning("reminder digest %s: email failed: %s", locked.pk, exc)
            locked.status = JobStatus.FAILED
            locked.last_error = f"{exc.__class__.__name__}: {exc}"[:2000]
            result.failed.append(f"{digest.unit or digest.recipient}（{exc.__class__.__name__}）")
        else:
            locked.status = JobStatus.DONE
            locked.last_error = "" if recipients else "该单位没有启用的联络员账号"
            result.delivered += 1
        locked.save()


def _line(row: dict) -> str:
    code = f"{row['task__finding__number']}-{row['task__number']}"
    if row["kind"] == ReminderKind.DUE:
        when = f"期限 {row['deadline']:%Y-%m-%d}，剩余 {row['days']} 天"
    else:
        when = f"期限 {row['deadline']:%Y-%m-%d}，已逾期 {row['days']} 天"
    return f"· [{row['task__finding__round__name']}] {code} {row['task__finding__summary'][:40]}（{when}）"


def _unit_message(unit, day: date, rows: list[dict]) -> tuple[str, str, str]:
    overdue = sorted((r for r in rows if r["kind"] == ReminderKind.OVERDUE), key=lambda r: -r["days"])
    due = sorted((r for r in rows if r["kind"] == ReminderKind.DUE), key=lambda r: r["days"])
    subject = f"【整改提醒】{unit.name}：{len(due)}项任务即将到期，{len(overdue)}项已逾期（{day:%Y-%m-%d}）"
    unit_word = "工作日" if settings.USE_WORKING_DAYS else "天"
    parts = [f"{unit.name}：", f"截至 {day:%Y年%m月%d日}，贵单位牵头的整改任务中："]
    if overdue:
        parts += [f"已逾期未完成 {len(overdue)} 项，请立即推进并报送整改进展："] + [_line(r) for r in overdue]
    if due:
        parts += [f"即将到期 {len(due)} 项（天数按{unit_word}计）："] + [_line(r) for r in due]
    parts.append(f"—— {settings.BUREAU_NAME}")
    kind = NotificationKind.OVERDUE if overdue else NotificationKind.REMINDER
    return subject, "\n".join(parts), kind


def _escalation_message(day: date, rows: list[dict]) -> tuple[str, str]:
    limit = settings.ESCALATE_AFTER_DAYS
    subject = f"【逾期督办】{len(rows)}项整改任务逾期超过{limit}天（{day:%Y-%m-%d}）"
    lines = [f"截至 {day:%Y年%m月%d日}，以下整改任务逾期超过 {limit} 天仍未完成，请督促牵头单位整改："]
    for row in sorted(rows, key=lambda r: -r["days"]):
        lines.append(f"{_line(row)} 牵头单位：{row['task__lead_unit__name']}；"
                     f"责任领导：{row['task__finding__responsible_leader__full_name'] or '未指定'}")
    lines.append(f"—— {settings.BUREAU_NAME}")
    return subject, "\n".join(lines)


def _url(name: str, query: str = "") -> str:
    try:
        return reverse(name) + query
    except NoReverseMatch:
        return ""
