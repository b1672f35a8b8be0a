"""The task list's filters tell the truth (issue 18 item 2): the multi-choice buttons name what is chosen,
every active filter is a removable chip, and the filters a dashboard link sets are visible, editable
controls of the form (so changing another filter keeps them)."""

import re

import pytest
from django.urls import reverse

from inspections.choices import TaskStatus

pytestmark = pytest.mark.django_db


def page(client, user, query):
    client.force_login(user)
    response = client.get(reverse("inspections:task_list") + query)
    assert response.status_code == 200
    return response.content.decode()


def button(html, name):
    return re.search(rf'data-testid="filter-{name}"[^>]*>([^<]*)</button>', html, re.S)[1].strip()


def test_multi_status_button_names_the_chosen_statuses(client, ledger):
    ledger.task()
    assert button(page(client, ledger.bureau, ""), "status") == "全部"
    html = page(client, ledger.bureau, "?status=in_progress&status=submitted")
    assert button(html, "status") == "整改中、已申请销号"
    html = page(client, ledger.bureau, "?status=in_progress&status=submitted&status=verified")
    assert button(html, "status") == "已选 3 项"


def test_every_active_filter_is_a_removable_chip(client, ledger):
    ledger.task()
    html = page(
        client, ledger.bureau, f"?status=in_progress&status=submitted&round={ledger.round.pk}&q=污水&overdue=true"
    )
    chips = dict(re.findall(r'data-testid="chip-(\w+)"\s+title="[^"]*">([^<]*)<', html))
    assert set(chips) == {"status", "round", "q", "overdue"}
    assert chips["status"].startswith("整改状态：整改中、已申请销号")
    assert chips["round"].startswith("督察轮次：省级生态环境保护督察")
    assert chips["overdue"].startswith("已逾期：已逾期")
    # Removing the status chip keeps the others.
    href = re.search(r'href="([^"]*)" data-testid="chip-status"', html)[1].replace("&amp;", "&")
    assert "status=" not in href and f"round={ledger.round.pk}" in href and "overdue=true" in href


def test_no_chips_without_filters(client, ledger):
    ledger.task()
    assert 'data-testid="filter-chips"' not in page(client, ledger.bureau, "?ordering=deadline&per_page=50")


@pytest.mark.parametrize(
    "query, control",
    [
        ("?complete=true", 'name="complete"'),
        ("?signed_off_after=2026-01-05&signed_off_before=2026-01-11", 'type="text" name="signed_off_after"'),
        ("?completion_event_after=2026-01-05&completion_event_before=2026-01-11", 'name="completion_event_after"'),
        ("?as_of=2025-01-01", 'type="text" name="as_of"'),
    ],
)
def test_dashboard_filters_are_visible_editable_controls(client, ledger, query, control):
    """本周销号, 已完成整改, the weekly trend and 截至日期 link with filters that have no control in the top row:
    they get one inside the form (and a chip), so the next change of another filter keeps them."""
    ledger.task()
    html = page(client, ledger.bureau, query)
    form = html[html.index('<form id="task-filters"') : html.index("</form>", html.index('<form id="task-filters"'))]
    assert control in form
    assert 'data-testid="filter-chips"' in html


def test_finding_filter_kept_in_the_form_and_named(client, ledger):
    task = ledger.task()
    html = page(client, ledger.bureau, f"?finding={task.finding_id}")
    assert f'type="hidden" name="finding" value="{task.finding_id}"' in html
    assert "反馈问题：" in html and task.finding.summary[:6] in html


def test_a_due_within_value_from_a_link_stays_selected(client, ledger):
    ledger.task()
    html = page(client, ledger.bureau, "?due_within=5")
    assert '<option value="5" selected>' in html


def test_complete_chip_lists_what_it_counts(client, ledger):
    open_task = ledger.task()
    done = ledger.bring_to(ledger.task(), TaskStatus.VERIFIED)
    html = page(client, ledger.bureau, "?complete=true")
    assert done.finding.summary in html and open_task.finding.summary not in html
