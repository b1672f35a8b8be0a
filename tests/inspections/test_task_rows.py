"""The task list's rows are written in Python (templatetags task_rows, issue 19): the same HTML as the row markup
they replaced, kept here as the reference, for every branch of the row (batch box, overdue, due soon, complete,
a text-only deadline, an original deadline, no measures, text to escape and to cut), in both languages."""

from datetime import date, timedelta

import pytest
from django.template import engines
from django.utils import timezone, translation

from inspections.choices import TaskStatus
from inspections.selectors import task_queryset

pytestmark = pytest.mark.django_db

# The row markup of templates/inspections/tasks/_table.html before the rows were written by task_rows.
REFERENCE = """{% load i18n humanize inspections_tags %}{% translate "勾选" as check_label %}{% translate "完成进度" as progress_label %}{% for task in page.object_list %}{% with url=task.get_absolute_url deadline_shown=task.deadline|date:"Y-m-d"|default:task.deadline_text %}
  <tr data-testid="task-row">
    {% if can_batch %}<td><input type="checkbox" class="form-check-input" name="tasks" value="{{ task.pk }}" form="batch-form" aria-label="{{ check_label }} {{ task.code }}" data-testid="batch-check"></td>{% endif %}
    <td class="text-nowrap"><span class="warning-dot warning-{{ task.warning }}" title="{{ task.warning|warning_label }}"></span>
      <a href="{{ url }}" class="fw-semibold">{{ task.code }}</a></td>
    <td class="task-summary"><a href="{{ url }}" class="link-body-emphasis text-decoration-none">{{ task.finding.summary|truncatechars:60 }}</a>
      {% if task.measures %}<div class="small text-body-secondary text-truncate-2">{{ task.measures|truncatechars:80 }}</div>{% endif %}
      <div class="small text-body-secondary d-md-none">{{ task.lead_unit.name }}<span class="d-sm-none"> · {{ deadline_shown }}</span></div></td>
    <td class="d-none d-lg-table-cell small">{{ task.finding.round.name }}</td>
    <td class="d-none d-md-table-cell small">{{ task.lead_unit.name }}</td>
    <td class="d-none d-sm-table-cell small text-nowrap">{{ deadline_shown }}
      {% if task.original_deadline_text %}<div class="text-body-secondary" data-testid="original-deadline">{% translate "原定" %} {{ task.original_deadline|date:"Y-m-d"|default:task.original_deadline_text }}</div>{% endif %}
      {% if task.is_overdue %}<div class="text-danger">{% blocktranslate with n=task.days_left|stringformat:"d"|cut:"-" %}逾期 {{ n }} 天{% endblocktranslate %}</div>
      {% elif not task.is_complete and task.days_left is not None and task.days_left <= 14 %}<div class="text-warning-emphasis">{% blocktranslate with n=task.days_left %}剩 {{ n }} 天{% endblocktranslate %}</div>{% endif %}</td>
    <td><span class="badge {{ task.status|status_class }}">{{ task.status|status_label }}</span></td>
    <td class="d-none d-sm-table-cell progress-cell"><div class="progress progress-sm" role="progressbar" aria-label="{{ progress_label }}" aria-valuenow="{{ task.percent }}" aria-valuemin="0" aria-valuemax="100">
      <div class="progress-bar bg-success {{ task.percent|bar_width_class }}">{{ task.percent }}%</div></div></td>
    <td class="d-none d-md-table-cell"><span class="badge {{ task.schedule|schedule_class }}">{{ task.schedule|schedule_label }}</span>
      <span class="badge {{ task.warning|warning_class }}" data-testid="warning">{{ task.warning|warning_short_label }}</span></td>
  </tr>
  {% endwith %}{% endfor %}"""


def _tasks(ledger):
    today = timezone.localdate()
    ledger.task()  # overdue (2024)
    ledger.task(deadline_text=str(today + timedelta(days=5)))  # due soon
    ledger.task(deadline_text=str(today + timedelta(days=60)))  # neither
    ledger.task(deadline_text="立行立改，长期坚持")  # no date
    tasks = list(task_queryset(user=ledger.bureau).order_by("pk"))
    overdue, due, later, text_only = tasks
    assert overdue.is_overdue and due.days_left == 5 and later.days_left == 60
    late_complete = list(task_queryset(user=ledger.bureau).filter(pk=overdue.pk))[0]
    late_complete.status, late_complete.is_complete, late_complete.is_overdue = TaskStatus.CLOSED, True, False
    late_complete.schedule, late_complete.warning, late_complete.percent = "complete", "done", 100
    due.original_deadline_text, due.original_deadline = "2025年6月30日前", date(2025, 6, 30)
    later.original_deadline_text = "年底前 <完成>"
    later.measures = ""
    text_only.deadline, text_only.days_left, text_only.is_overdue = None, None, False  # shown as its text
    text_only.finding.summary = '<script>alert("x")</script> & ' + "很长的问题描述" * 20
    text_only.measures = "措施 & <b>加粗</b> " * 20
    text_only.finding.round.name = "第<二>轮 & 督察"
    return [overdue, due, later, text_only, late_complete]


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("can_batch", [True, False])
def test_rows_are_the_html_of_the_row_markup(ledger, language, can_batch):
    tasks = _tasks(ledger)
    engine = engines["django"]
    context = {"page": {"object_list": tasks}, "can_batch": can_batch, "tasks": tasks}
    with translation.override(language):
        expected = engine.from_string(REFERENCE).render(context)
        written = engine.from_string("{% load inspections_tags %}{% task_rows tasks can_batch %}").render(context)
    assert written == expected
    assert expected.count('data-testid="task-row"') == 5 and "&lt;script&gt;" in written
