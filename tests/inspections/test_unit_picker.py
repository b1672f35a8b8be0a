"""Issue 18 item 7: one unit picker (inspections/unit_picker.py) for the finding form's 配合单位, the task
edit page and the dashboard's unit filter: a searchable tree read in one query."""

import pytest
from django.urls import reverse
from workflow_setup import world

from accounts.models import Unit
from inspections.forms import TaskEditForm, TaskRowForm
from inspections.unit_picker import UnitPicker, UnitPickerField, UnitsPickerField

pytestmark = pytest.mark.django_db


def test_multiple_picker_renders_a_checkbox_tree_with_the_picks(world, django_assert_num_queries):
    field = UnitsPickerField(queryset=Unit.objects.order_by("path"), label="配合单位")
    with django_assert_num_queries(1):
        html = field.widget.render("cooperating_units", [world.township.pk], attrs={"id": "id_cooperating_units"})
    assert html.count('type="checkbox"') == Unit.objects.count()
    assert f'value="{world.township.pk}" id="id_cooperating_units_{world.township.pk}" checked' in html
    assert 'data-lead-field="lead_unit"' in html and 'aria-label="配合单位"' in html
    assert 'id="id_cooperating_units_filter"' in html and "style=" not in html
    assert "unit-depth-1" in html  # the housing department sits below the county


def test_single_picker_has_an_empty_choice_and_names_the_pick(world):
    field = UnitPickerField(queryset=Unit.objects.order_by("path"), empty_label="全部单位", required=False)
    html = field.widget.render("unit", str(world.housing.pk), attrs={"id": "id_unit"})
    assert 'type="radio" name="unit" value="" id="id_unit_none"' in html and "<details" in html
    assert f'data-empty="全部单位">{world.housing.name}</summary>' in html
    html = field.widget.render("unit", None, attrs={"id": "id_unit"})
    assert 'id="id_unit_none" checked' in html


def test_widget_reads_posted_values():
    multiple, single = UnitPicker(multiple=True), UnitPicker(multiple=False)
    from django.http import QueryDict

    data = QueryDict("cooperating_units=3&cooperating_units=5&unit=7")
    assert multiple.value_from_datadict(data, {}, "cooperating_units") == ["3", "5"]
    assert single.value_from_datadict(data, {}, "unit") == "7"
    assert single.value_omitted_from_data(QueryDict(""), {}, "unit")


def test_finding_form_and_task_edit_use_the_picker(world):
    assert isinstance(TaskRowForm(user=world.staff).fields["cooperating_units"].widget, UnitPicker)
    form = TaskEditForm(task=world.housing_task, units=Unit.objects.all())
    assert isinstance(form.fields["cooperating_units"].widget, UnitPicker)


@pytest.mark.parametrize(
    ("url_name", "args", "marker"),
    [
        ("finding_create", "round", 'data-testid="unit-picker-tasks-0-cooperating_units"'),
        ("task_edit", "task", 'data-testid="unit-picker-cooperating_units"'),
        ("dashboard", None, 'data-testid="unit-picker-unit"'),
        ("finding_task_add", "finding", 'data-testid="unit-picker-cooperating_units"'),
    ],
)
def test_pages_render_the_one_picker_and_its_script(client, world, url_name, args, marker):
    client.force_login(world.staff)
    obj = {"round": world.round, "task": world.housing_task, "finding": world.finding}.get(args)
    page = client.get(reverse(f"inspections:{url_name}", args=[obj.pk] if obj else [])).content.decode()
    assert marker in page and "app/unit-picker.js" in page
    assert "<select multiple" not in page and 'name="cooperating_units" multiple' not in page


def test_dashboard_filters_by_the_picked_unit(client, world):
    client.force_login(world.staff)
    response = client.get(reverse("inspections:dashboard"), {"unit": world.housing.pk})
    assert response.status_code == 200
    page = response.content.decode()
    assert f'value="{world.housing.pk}" id="id_unit_{world.housing.pk}" checked' in page
    assert response.context["form"].scope().unit == world.housing
