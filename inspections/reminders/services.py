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
from datetime import date, datetime, time

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import connection, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from accounts.choices import Role
from accounts.models import Unit, User
from accounts.selectors import bureau_staff

from ..background import pause_for_tests
from ..choices import DigestAudience, JobStatus, NotificationKind, ReminderKind, SupervisionKind
from ..complaints.selectors import cases_to_remind
from ..models import Notification, ReminderDigest, ReminderRecord
from ..supervision.selectors import replies_to_remind
from .selectors import DayCounter, calendar_gaps, day_counter, records_of_day, reminders_due
from .workdays import LAST_COVERED_YEAR

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
    calendar_missing: list[int] = field(default_factory=list)  # years counted without their official holidays


def reminders_send(*, day: date | None = None, counter: DayCounter | None = None) -> SweepResult:
    """Run the sweep of `day` (today by default). Raises DeliveryIncomplete if a digest failed."""
    day = day or timezone.localdate()
    counter = counter or day_counter()
    result = SweepResult(day=day)
    if counter.year_known(day.year):
        sweep_day = counter.is_workday(day)
    else:  # no calendar for this year: sweep on weekdays rather than never (and say so below)
        counter.unknown_years_met.add(day.year)
        sweep_day = day.weekday() < 5
    if not sweep_day:
        result.skipped = "非工作日，不发送提醒"
        calendar_gap_report(day=day, years=sorted(counter.unknown_years_met), result=result)
        return result
    result.records = reminders_plan(day=day, counter=counter)
    calendar_gap_report(day=day, years=sorted(set(counter.unknown_years_met) | set(calendar_gaps(day))), result=result)
    pending = list(ReminderDigest.objects.filter(day=day).exclude(status=JobStatus.DONE).order_by("pk"))
    result.digests = len(pending)
    _deliver_all(day, pending, result)
    if result.failed:
        raise DeliveryIncomplete(f"{day}: {len(result.failed)} 份提醒未送达：" + "；".join(result.failed[:10]))
    return result


CALENDAR_GAP_TITLE = "工作日日历缺少{years}年节假日安排"


def calendar_gap_report(*, day: date, years: list[int], result: SweepResult) -> None:
    """Never silent: the sweep met (or will soon meet) years without their official holidays. Logged, and bureau
    staff get one in-app notice a day with the link to enter the State Council's notice."""
    result.calendar_missing = years
    if not years:
        return
    label = "、".join(str(year) for year in years)
    logger.warning(
        "working-day calendar: no official holidays for %s (chinesecalendar covers up to %s, no Holiday rows); "
        "their days are not counted as working days",
        label,
        LAST_COVERED_YEAR,
    )
    title = CALENDAR_GAP_TITLE.format(years=label)
    body = (
        f"chinesecalendar 只覆盖到 {LAST_COVERED_YEAR} 年，{label} 年的法定节假日和调休尚未录入。"
        "在录入前，这些日期不计为工作日（到期提醒可能提前、逾期天数可能偏少）。"
        "请在管理后台“节假日调整”中按国务院办公厅发布的节假日安排通知录入，或升级 chinesecalendar。"
    )
    url = reverse("admin:inspections_holiday_changelist")
    today_start = timezone.make_aware(datetime.combine(day, time.min))
    already = set(
        Notification.objects.filter(title=title, created_at__gte=today_start).values_list("recipient_id", flat=True)
    )
    Notification.objects.bulk_create(
        Notification(recipient=user, kind=NotificationKind.WORKFLOW, title=title, body=body, url=url)
        for user in bureau_staff()
        if user.pk not in already
    )


@transaction.atomic
def reminders_plan(*, day: date, counter: DayCounter) -> int:
    """Record the day's reminders and create its digests; returns the number of new records."""
    planned = reminders_due(day, counter=counter)
    before = ReminderRecord.objects.filter(day=day).count()
    _insert_records(day, planned)
    created = ReminderRecord.objects.filter(day=day).count() - before
    unit_ids = set(
        ReminderRecord.objects.filter(day=day, kind__in=[ReminderKind.DUE, ReminderKind.OVERDUE])
        .values_list("task__lead_unit_id", flat=True)
        .distinct()
        .order_by()
    )
    # Complaint cases due or overdue by their batch's reply deadline go in the same digest of their unit.
    cases = cases_to_remind(day)
    unit_ids |= {row["lead_unit_id"] for rows in cases.values() for row in rows}
    # 督办 past their reply date without a reply: the target unit's digest, and the issuer's escalation digest.
    replies = replies_to_remind(day)
    unit_ids |= {row["target_unit_id"] for row in replies}
    digests = [ReminderDigest(day=day, audience=DigestAudience.UNIT, unit_id=u) for u in unit_ids]
    issuers = User.objects.filter(pk__in={row["issued_by_id"] for row in replies}, is_active=True)
    digests += [
        ReminderDigest(day=day, audience=DigestAudience.ESCALATION, recipient_id=pk)
        for pk in issuers.values_list("pk", flat=True)
    ]
    escalations = ReminderRecord.objects.filter(day=day, kind=ReminderKind.ESCALATION)
    if escalations.exists():
        leader_ids = set(
            escalations.exclude(task__finding__responsible_leader__isnull=True)
            .values_list("task__finding__responsible_leader_id", flat=True)
            .distinct()
            .order_by()
        )
        recipients = leader_ids | set(bureau_staff().values_list("pk", flat=True))
        digests += [ReminderDigest(day=day, audience=DigestAudience.ESCALATION, recipient_id=r) for r in recipients]
    ReminderDigest.objects.bulk_create(digests, ignore_conflicts=True)
    return created


def _insert_records(day: date, planned) -> None:
    """Insert the records, skipping those already there (the unique constraint decides).

    On PostgreSQL one INSERT whatever the number of rows, built by psycopg2 rather than by model
    instances: a sweep over 100,000 tasks records tens of thousands of rows every morning, and the
    query count must not grow with them. Elsewhere (SQLite quick start) the ORM in batches.
    """
    now = timezone.now()
    if connection.vendor != "postgresql":
        rows = [
            ReminderRecord(
                task_id=p.task_id,
                kind=p.kind,
                day=day,
                deadline=p.deadline,
                days=p.days,
                threshold=p.threshold,
                created_at=now,
            )
            for p in planned
        ]
        ReminderRecord.objects.bulk_create(rows, batch_size=500, ignore_conflicts=True)
        return
    if not planned:
        return
    from psycopg2.extras import execute_values

    table = ReminderRecord._meta.db_table
    values = [(p.task_id, str(p.kind), day, p.deadline, p.threshold, p.days, now) for p in planned]
    with connection.cursor() as cursor:
        execute_values(
            cursor,
            f"INSERT INTO {table} (task_id, kind, day, deadline, threshold, days, created_at) VALUES %s "
            "ON CONFLICT DO NOTHING",
            values,
            page_size=len(values),
        )


@dataclass
class _Message:
    digest: ReminderDigest
    recipients: list
    subject: str
    body: str
    kind: str
    items: int
    url: str

    @property
    def emails(self) -> list[str]:
        return sorted({u.email for u in self.recipients if u.email and u.is_active})


# Digests composed, notified and emailed together: peak memory follows one batch's records, not the day's.
DIGEST_BATCH = 25


def _deliver_all(day: date, pending: list[ReminderDigest], result: SweepResult) -> None:
    """Compose and deliver the digests a batch at a time (unit digests by unit, then the escalations).

    Each batch reads only its own units' records, so the rows and message bodies held at once are one
    batch's; the per-digest locks and notified_at/emailed_at make every batch as safe to repeat as the
    whole sweep was."""
    if not pending:
        return
    replies = replies_to_remind(day)
    unit_digests = [d for d in pending if d.audience == DigestAudience.UNIT]
    escalation_digests = [d for d in pending if d.audience == DigestAudience.ESCALATION]
    cases = cases_to_remind(day) if unit_digests else {}
    for start in range(0, len(unit_digests), DIGEST_BATCH):
        _deliver_batch(_compose(day, unit_digests[start : start + DIGEST_BATCH], replies, cases), result)
    if escalation_digests:
        # Every bureau member's digest lists all the escalated tasks: read them once for all escalation digests.
        _deliver_batch(_compose(day, escalation_digests, replies, cases), result)


def _deliver_batch(messages: list[_Message], result: SweepResult) -> None:
    result.delivered += _notify_in_app(messages)
    for message in messages:
        if message.emails:
            _deliver(message, result)
            pause_for_tests()


def _compose(day: date, pending: list[ReminderDigest], replies: list[dict], cases: dict) -> list[_Message]:
    """The messages of the digests `pending` (one batch), from a fixed number of queries."""
    unit_digests = [d for d in pending if d.audience == DigestAudience.UNIT]
    escalation_digests = [d for d in pending if d.audience == DigestAudience.ESCALATION]
    batch_units = {d.unit_id for d in unit_digests}
    by_unit = defaultdict(list)
    cases_by_unit = defaultdict(lambda: {"due": [], "overdue": []})
    escalated = []
    replies_by_unit = defaultdict(list)
    for row in replies:
        if row["target_unit_id"] in batch_units:
            replies_by_unit[row["target_unit_id"]].append(row)
    if unit_digests:
        for row in records_of_day(day, [ReminderKind.DUE, ReminderKind.OVERDUE], unit_ids=batch_units):
            by_unit[row["task__lead_unit_id"]].append(row)
        for kind, rows in cases.items():
            for row in rows:
                if row["lead_unit_id"] in batch_units:
                    cases_by_unit[row["lead_unit_id"]][kind].append(row)
    if escalation_digests:
        # (days, leader, line) rendered as the rows stream in: tens of thousands at 300,000 tasks, never as dicts.
        escalated = [
            (row["days"], row["task__finding__responsible_leader_id"], _escalation_line(row))
            for row in records_of_day(day, [ReminderKind.ESCALATION], stream=True)
        ]
    contacts = defaultdict(list)
    for user in User.objects.filter(role=Role.UNIT, is_active=True, unit_id__in=[d.unit_id for d in unit_digests]):
        contacts[user.unit_id].append(user)
    units = Unit.objects.in_bulk([d.unit_id for d in unit_digests])
    people = User.objects.in_bulk([d.recipient_id for d in escalation_digests])
    messages = []
    for digest in unit_digests:
        unit = units[digest.unit_id]
        rows = by_unit.get(digest.unit_id, [])
        cases = cases_by_unit.get(digest.unit_id, {"due": [], "overdue": []})
        unit_replies = replies_by_unit.get(digest.unit_id, [])
        subject, body, kind = _unit_message(unit, day, rows, cases, unit_replies)
        if rows:
            url = _url("inspections:task_list", f"?lead_unit={unit.pk}")
        elif unit_replies and not (cases["due"] or cases["overdue"]):
            url = _url("inspections:supervision_list", "?reply_overdue=true")
        else:
            url = _url("inspections:complaint_list", f"?lead_unit={unit.pk}&status=investigating")
        items = len(rows) + len(cases["due"]) + len(cases["overdue"]) + len(unit_replies)
        messages.append(_Message(digest, contacts.get(digest.unit_id, []), subject, body, kind, items, url))
    everything = None  # the message of everyone who sees all: composed once, shared
    for digest in escalation_digests:
        person = people[digest.recipient_id]
        sees_all = person.role in (Role.BUREAU, Role.ADMIN) or person.is_superuser
        rows = [(days, line) for days, leader, line in escalated if sees_all or leader == person.pk]
        # The bureau that issued a 督办 hears of its overdue replies (the issuer, and every bureau member).
        late = [r for r in replies if sees_all or r["issued_by_id"] == person.pk]
        if sees_all:
            everything = everything or _escalation_message(day, rows, late)
            subject, body = everything
        else:
            subject, body = _escalation_message(day, rows, late)
        url = (
            _url("inspections:task_list", "?overdue=1")
            if rows
            else _url("inspections:supervision_list", "?reply_overdue=true")
        )
        messages.append(
            _Message(digest, [person], subject, body, NotificationKind.ESCALATION, len(rows) + len(late), url)
        )
    return messages


@transaction.atomic
def _notify_in_app(messages: list[_Message]) -> int:
    """The bell notes of every digest not yet notified, and its notified_at, in one transaction.

    Digests another sweep holds right now are skipped (it notifies them); a digest with nobody to
    email is finished here.
    """
    by_pk = {m.digest.pk: m for m in messages}
    fresh = set(
        ReminderDigest.objects.select_for_update(skip_locked=True)
        .filter(pk__in=list(by_pk), notified_at__isnull=True)
        .values_list("pk", flat=True)
    )
    rows = []
    for pk in fresh:
        message = by_pk[pk]
        active = {u.pk: u for u in message.recipients if u.is_active}
        rows += [
            Notification(
                recipient=u, kind=message.kind, title=message.subject[:200], body=message.body, url=message.url
            )
            for u in active.values()
        ]
    Notification.objects.bulk_create(rows, batch_size=None if connection.vendor == "postgresql" else 500)
    now = timezone.now()
    silent = [pk for pk in fresh if not by_pk[pk].emails]
    ReminderDigest.objects.filter(pk__in=fresh).update(notified_at=now)
    for pk in silent:  # few: units without a contact email; the note says so in the admin
        ReminderDigest.objects.filter(pk=pk).update(
            status=JobStatus.DONE,
            items=by_pk[pk].items,
            attempts=F("attempts") + 1,
            last_error="" if by_pk[pk].recipients else "该单位没有启用的联络员账号",
        )
    return len(silent)


def _deliver(message: _Message, result: SweepResult) -> None:
    """Email one digest under its row lock; the outcome is committed with the digest's state."""
    with transaction.atomic():
        locked = (
            ReminderDigest.objects.select_for_update(skip_locked=True)
            .filter(pk=message.digest.pk)
            .exclude(status=JobStatus.DONE)
            .first()
        )
        if locked is None:  # delivered meanwhile, or another worker holds it right now
            return
        locked.items = message.items
        locked.attempts += 1
        try:
            if locked.emailed_at is None:
                EmailMessage(subject=message.subject, body=message.body, to=message.emails).send(fail_silently=False)
                locked.emailed_at = timezone.now()
        except Exception as exc:
            logger.warning("reminder digest %s: email failed: %s", locked.pk, exc)
            locked.status = JobStatus.FAILED
            locked.last_error = f"{exc.__class__.__name__}: {exc}"[:2000]
            result.failed.append(f"{message.digest.unit or message.digest.recipient}（{exc.__class__.__name__}）")
        else:
            locked.status, locked.last_error = JobStatus.DONE, ""
            result.delivered += 1
        locked.save(update_fields=["items", "attempts", "emailed_at", "status", "last_error"])


def _line(row: dict) -> str:
    code = f"{row['task__finding__number']}-{row['task__number']}"
    if row["kind"] == ReminderKind.DUE:
        when = f"期限 {row['deadline']:%Y-%m-%d}，剩余 {row['days']} 天"
    else:
        when = f"期限 {row['deadline']:%Y-%m-%d}，已逾期 {row['days']} 天"
    return f"· [{row['task__finding__round__name']}] {code} {row['task__finding__summary'][:40]}（{when}）"


def _case_line(row: dict, day: date) -> str:
    deadline = row["batch__reply_deadline"]
    gap = (deadline - day).days
    when = f"反馈期限 {deadline:%Y-%m-%d}，" + (f"已逾期 {-gap} 天" if gap < 0 else f"剩余 {gap} 天")
    return f"· [{row['round__name']} 第{row['batch__number']}批] {row['code']} {row['summary'][:40]}（{when}）"


def _reply_line(row: dict, day: date) -> str:
    kind = SupervisionKind(row["kind"]).label
    return (
        f"· {row['doc_number']} {kind}《{row['title'][:40]}》"
        f"（要求 {row['reply_due']:%Y-%m-%d} 前回复，已逾期 {(day - row['reply_due']).days} 天）"
    )


def _unit_message(
    unit, day: date, rows: list[dict], cases: dict | None = None, replies: list[dict] | None = None
) -> tuple[str, str, str]:
    overdue = sorted((r for r in rows if r["kind"] == ReminderKind.OVERDUE), key=lambda r: -r["days"])
    due = sorted((r for r in rows if r["kind"] == ReminderKind.DUE), key=lambda r: r["days"])
    cases = cases or {"due": [], "overdue": []}
    replies = replies or []
    # Only the parts that say something: no "0项任务即将到期".
    counts = [
        f"{len(due)}项任务即将到期" if due else "",
        f"{len(overdue)}项已逾期" if overdue else "",
        f"交办件{len(cases['due'])}件即将到期" if cases["due"] else "",
        f"{len(cases['overdue'])}件交办件逾期未反馈" if cases["overdue"] else "",
        f"{len(replies)}份督办逾期未回复" if replies else "",
    ]
    subject = f"【整改提醒】{unit.name}：{'，'.join(c for c in counts if c)}（{day:%Y-%m-%d}）"
    unit_word = "工作日" if settings.USE_WORKING_DAYS else "天"
    parts = [f"{unit.name}："]
    if rows:
        parts.append(f"截至 {day:%Y年%m月%d日}，贵单位牵头的整改任务中：")
    if overdue:
        parts += [f"已逾期未完成 {len(overdue)} 项，请立即推进并报送整改进展："] + [_line(r) for r in overdue]
    if due:
        parts += [f"即将到期 {len(due)} 项（天数按{unit_word}计）："] + [_line(r) for r in due]
    if cases["due"] or cases["overdue"]:
        parts.append(f"截至 {day:%Y年%m月%d日}，转办贵单位的群众信访举报件（交办件）中：")
    if cases["overdue"]:
        parts += [f"逾期未反馈调查结果 {len(cases['overdue'])} 件，请立即报送："]
        parts += [_case_line(r, day) for r in cases["overdue"]]
    if cases["due"]:
        parts += [f"即将到反馈期限 {len(cases['due'])} 件："] + [_case_line(r, day) for r in cases["due"]]
    if replies:
        parts.append(f"截至 {day:%Y年%m月%d日}，下列督办已过要求回复日期，贵单位尚未回复，请立即书面回复：")
        parts += [_reply_line(r, day) for r in replies]
    parts.append(f"—— {settings.BUREAU_NAME}")
    kind = NotificationKind.OVERDUE if overdue or cases["overdue"] or replies else NotificationKind.REMINDER
    return subject, "\n".join(parts), kind


def _escalation_line(row: dict) -> str:
    return (
        f"{_line(row)} 牵头单位：{row['task__lead_unit__name']}；"
        f"责任领导：{row['task__finding__responsible_leader__full_name'] or '未指定'}"
    )


def _escalation_message(day: date, rows: list[tuple], replies: list[dict] | None = None) -> tuple[str, str]:
    """`rows`: (days overdue, _escalation_line) of the escalated tasks the recipient sees."""
    limit = settings.ESCALATE_AFTER_DAYS
    replies = replies or []
    heads = [
        f"{len(rows)}项整改任务逾期超过{limit}天" if rows or not replies else "",
        f"{len(replies)}份督办逾期未回复" if replies else "",
    ]
    subject = f"【逾期督办】{'，'.join(h for h in heads if h)}（{day:%Y-%m-%d}）"
    lines = []
    if rows or not replies:
        lines.append(f"截至 {day:%Y年%m月%d日}，以下整改任务逾期超过 {limit} 天仍未完成，请督促牵头单位整改：")
    lines += [line for _days, line in sorted(rows, key=lambda r: -r[0])]
    if replies:
        lines.append(f"截至 {day:%Y年%m月%d日}，以下督办已过要求回复日期，被督办单位尚未回复：")
        lines += [f"{_reply_line(r, day)} 被督办单位：{r['target_unit__name']}" for r in replies]
    lines.append(f"—— {settings.BUREAU_NAME}")
    return subject, "\n".join(lines)


def _url(name: str, query: str = "") -> str:
    return reverse(name) + query


def date_after(start: date, days: int, *, working_days: bool) -> date:
    """`days` calendar or working days after `start` (the bureau's holiday overrides apply): complaint
    batches ask this for their reply deadline."""
    return day_counter(working_days=working_days).add(start, days)
