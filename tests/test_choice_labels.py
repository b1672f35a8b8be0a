"""get_<field>_display() of the product's models comes from a table built once (rectify/choice_labels.py) and says
exactly what Django's own method says, in the active language."""

from django.apps import apps
from django.db.models import Model
from django.utils import translation

from accounts.models import User
from inspections.models import Finding, RectificationTask
from rectify.choice_labels import APPS


def _choice_fields():
    for model in apps.get_models():
        if model._meta.app_label in APPS:
            for field in model._meta.concrete_fields:
                if field.choices is not None:
                    yield model, field


def test_every_choice_field_of_the_products_models_has_the_table_method():
    fields = list(_choice_fields())
    assert len(fields) > 20
    for model, field in fields:
        method = getattr(model, f"get_{field.name}_display")
        assert method.__module__ == "rectify.choice_labels", (model, field.name)


def test_labels_equal_djangos_in_both_languages_and_unknown_values_pass_through():
    for language in ("zh-hans", "en"):
        with translation.override(language):
            for model, field in _choice_fields():
                for value, _label in [*field.flatchoices, ("no-such-value", None), (None, None)]:
                    instance = model()
                    setattr(instance, field.attname, value)
                    ours = getattr(instance, f"get_{field.name}_display")()
                    assert ours == Model._get_FIELD_display(instance, field), (model, field.name, value)


def test_the_label_follows_the_language_of_the_call():
    task = RectificationTask(status="verified")
    with translation.override("zh-hans"):
        assert task.get_status_display() == "已验收"
    with translation.override("en"):
        assert task.get_status_display() == "Verified"
    assert isinstance(Finding(category=Finding._meta.get_field("category").choices[0][0]).get_category_display(), str)
    assert User(role="bureau").get_role_display()
