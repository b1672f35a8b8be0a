"""The beat schedules of the app, created after `migrate` and editable in the admin afterwards.

Created only when missing (looked up by name), so an administrator's changes to the time or an
disabled schedule survive every later migrate.
"""

from django.conf import settings

SCHEDULES = [
    # name, task, crontab (minute, hour, day_of_week)
    ("每日整改到期提醒", "inspections.send_reminders", ("30", "8", "*")),
    ("每周调度通报", "inspections.weekly_dispatch_report", ("0", "8", "1")),
    ("每日清理过期修改历史", "inspections.prune_history", ("15", "3", "*")),
    ("每日清理过期导出文件和孤立文件", "inspections.clean_storage", ("45", "3", "*")),
    ("每日生成督办建议", "inspections.supervision.compute_suggestions", ("0", "7", "*")),
    # The dashboard's summary counters: rebuilt for the new day, delta rows folded (inspections.summaries).
    ("每日生成总览统计快照", "inspections.figures_roll", ("1", "0", "*")),
    ("每十分钟合并总览统计计数", "inspections.figures_compact", ("*/10", "*", "*")),
    # The units' scores (考核) of the month / quarter / year just ended: made by migration 0020 (crontabs on the
    # first day of a month, which this table's day-of-week form cannot say), editable in the admin like these.
    # Jobs a page asked for while Redis was down (inspections.background): queued once it is back.
    ("每分钟补发未入队的后台任务", "inspections.send_pending_jobs", ("*", "*", "*")),
]


def ensure_schedules(**kwargs) -> int:
    from django_celery_beat.models import CrontabSchedule, PeriodicTask

    created = 0
    for name, task, (minute, hour, day_of_week) in SCHEDULES:
        if PeriodicTask.objects.filter(name=name).exists():
            continue
        crontab, _ = CrontabSchedule.objects.get_or_create(
            minute=minute,
            hour=hour,
            day_of_week=day_of_week,
            day_of_month="*",
            month_of_year="*",
            timezone=settings.TIME_ZONE,
        )
        PeriodicTask.objects.create(name=name, task=task, crontab=crontab)
        created += 1
    return created


def ensure_schedules_after_migrate(sender, using="default", apps=None, **kwargs) -> None:
    """post_migrate handler: only once the beat tables exist (they may be migrated later)."""
    from django.db import connections

    tables = connections[using].introspection.table_names()
    if "django_celery_beat_periodictask" in tables and "django_celery_beat_crontabschedule" in tables:
        ensure_schedules()
