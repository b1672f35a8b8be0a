"""django-celery-beat's admin pages in Chinese, each saying what its schedules are for (issue 18 item 13).

The beat models are django-celery-beat's own (their verbose names are translated by the package and by
locale/zh_Hans); what it leaves in English (a raw "Task Name", property columns such as "scheduler") gets a
Chinese label here, and every page says in one sentence what the model does. Schedules are in Asia/Shanghai
(CELERY_TIMEZONE = TIME_ZONE).
"""

from cron_descriptor import ExpressionDescriptor, Options
from django.contrib import admin
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django_celery_beat import admin as beat
from django_celery_beat.models import (
    ClockedSchedule,
    CrontabSchedule,
    IntervalSchedule,
    PeriodicTask,
    SolarSchedule,
)

EXPLANATIONS = {
    PeriodicTask: _(
        "系统按计划自动运行的后台工作（每日提醒、督办建议、过期文件和修改历史清理、周调度通报等）。"
        "可停用、改时间或立即运行一次；不要改“任务”名称，否则该工作不再运行。"
    ),
    CrontabSchedule: _("按“分 时 日 月 星期”规定的运行时间（北京时间），供定时任务选用，例如每天 03:15。"),
    IntervalSchedule: _("按固定间隔（如每 10 分钟）运行的时间表，供定时任务选用。本系统默认不用。"),
    SolarSchedule: _("按日出、日落等太阳事件运行的时间表。本系统不用。"),
    ClockedSchedule: _("只在某一时刻运行一次的时间表（北京时间），供一次性定时任务选用。"),
}


WEEKDAYS_ZH = {
    "Monday": "星期一",
    "Tuesday": "星期二",
    "Wednesday": "星期三",
    "Thursday": "星期四",
    "Friday": "星期五",
    "Saturday": "星期六",
    "Sunday": "星期日",
}


def crontab_in_words(crontab: CrontabSchedule) -> str:
    """ "每天 03:15 (Asia/Shanghai)": the schedule in the page's language, 24-hour clock (beat's own is English)."""
    expression = " ".join(
        (crontab.minute, crontab.hour, crontab.day_of_month, crontab.month_of_year, crontab.day_of_week)
    )
    zh = (translation.get_language() or "zh-hans").startswith("zh")
    options = Options()
    options.locale_code = "zh_CN" if zh else "en_US"
    options.use_24hour_time_format = True
    try:
        words = ExpressionDescriptor(expression, options).get_description()
    except Exception:  # an expression cron_descriptor cannot read: show it as it is
        words = expression
    if zh:
        for english, chinese in WEEKDAYS_ZH.items():
            words = words.replace(english, chinese)
    return f"{words}（{crontab.timezone}）"


class ExplainedAdmin:
    """The model's explanation under the list's title (templates/admin/beat/change_list.html)."""

    change_list_template = "admin/beat/change_list.html"

    def changelist_view(self, request, extra_context=None):
        context = {"explanation": EXPLANATIONS.get(self.model, ""), **(extra_context or {})}
        return super().changelist_view(request, extra_context=context)


class TaskFilter(admin.AllValuesFieldListFilter):
    """beat's `task` field is verbose_name='Task Name', untranslatable: the filter gets a Chinese title."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.title = _("后台任务")


class PeriodicTaskAdmin(ExplainedAdmin, beat.PeriodicTaskAdmin):
    list_display = ("name", "enabled", "schedule", "interval", "start_time", "last_run_at", "one_off")
    list_filter = ["enabled", "one_off", ("task", TaskFilter), "start_time", "last_run_at"]
    readonly_fields = ("last_run_at", "crontab_translation")

    @admin.display(description=_("运行计划"))
    def schedule(self, obj):
        return obj.scheduler

    @admin.display(description=_("运行时间说明"))
    def crontab_translation(self, obj):
        return crontab_in_words(obj.crontab) if obj.crontab_id else ""

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        # beat's own view puts its English descriptions in the page; ours are in the page's language.
        context = {
            "readable_crontabs": {c.pk: crontab_in_words(c) for c in CrontabSchedule.objects.all()},
            **(extra_context or {}),
        }
        return admin.ModelAdmin.changeform_view(self, request, object_id, form_url, context)

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if "name" in form.base_fields:
            form.base_fields["name"].help_text = _("在管理后台中显示的名称，如“每日清理过期修改历史”。")
        return form


class CrontabScheduleAdmin(ExplainedAdmin, beat.CrontabScheduleAdmin):
    list_display = ("__str__", "meaning")
    fields = ("meaning", "minute", "hour", "day_of_month", "month_of_year", "day_of_week", "timezone")
    readonly_fields = ("meaning",)

    @admin.display(description=_("含义"))
    def meaning(self, obj):
        return crontab_in_words(obj)


class IntervalScheduleAdmin(ExplainedAdmin, beat.IntervalScheduleAdmin):
    pass


class SolarScheduleAdmin(ExplainedAdmin, beat.SolarScheduleAdmin):
    pass


class ClockedScheduleAdmin(ExplainedAdmin, beat.ClockedScheduleAdmin):
    pass


for model, model_admin in (
    (PeriodicTask, PeriodicTaskAdmin),
    (CrontabSchedule, CrontabScheduleAdmin),
    (IntervalSchedule, IntervalScheduleAdmin),
    (SolarSchedule, SolarScheduleAdmin),
    (ClockedSchedule, ClockedScheduleAdmin),
):
    if admin.site.is_registered(model):
        admin.site.unregister(model)
    admin.site.register(model, model_admin)
