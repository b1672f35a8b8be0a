"""`get_<field>_display()` of the product's models from a lookup table built once per field (issue 19).

Django's own version rebuilds `dict(make_hashable(field.flatchoices))` on every call, and hashing that tuple
hashes every lazy label, i.e. translates every choice of the field: a status badge costs a dozen gettext calls.
The round page (50 findings and their tasks) spent about half its rendering time there. Here the table maps
each value to its lazy label (built without hashing the labels), and the label is still translated at call
time, in the request's language: the result is the same as Django's.

Connected to `class_prepared` when the project's app config module is imported (before any model module), for
the models of this project's apps; fields with callable choices (evaluated anew each time) keep Django's way.
"""

from functools import partialmethod

from django.db.models import Model
from django.db.models.signals import class_prepared
from django.utils.encoding import force_str
from django.utils.hashable import make_hashable

APPS = frozenset({"accounts", "inspections"})


def choice_display(field):
    """The `get_<field>_display` method of `field`: Django's result, from a table built on first use."""
    labels = None

    def display(self):
        nonlocal labels
        if labels is None:
            labels = {make_hashable(value): label for value, label in field.flatchoices}
        value = getattr(self, field.attname)
        return force_str(labels.get(make_hashable(value), value), strings_only=True)

    display.__name__ = f"get_{field.name}_display"
    return display


def _is_djangos(method) -> bool:
    return isinstance(method, partialmethod) and method.func is Model._get_FIELD_display


def install(sender, **kwargs):
    if sender._meta.app_label not in APPS:
        return
    for field in sender._meta.concrete_fields:
        name = f"get_{field.name}_display"
        # Static choices only (a list once normalised), and only where the model has not written its own.
        if (
            field.choices is not None
            and isinstance(field.choices, (list, tuple))
            and _is_djangos(sender.__dict__.get(name))
        ):
            setattr(sender, name, choice_display(field))


class_prepared.connect(install, dispatch_uid="rectify.choice_labels")
