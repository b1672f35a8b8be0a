from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class InspectionsConfig(AppConfig):
    name = "inspections"
    verbose_name = _("督察整改")

    def ready(self):
        from django import forms

        from .widgets import DateInput, DateTimeInput

        # Every form's date field, also filter forms and forms written later, shows yyyy-mm-dd (the admin keeps
        # its own calendar widget, which it sets explicitly).
        forms.DateField.widget = DateInput
        forms.DateTimeField.widget = DateTimeInput
        # A unit's new name reaches its tasks' search documents (in the background, after commit).
        from accounts.services import unit_renamed

        from .schedules import ensure_schedules_after_migrate
        from .search import on_unit_renamed

        unit_renamed.connect(on_unit_renamed, dispatch_uid="inspections_unit_renamed_search_texts")
        post_migrate.connect(ensure_schedules_after_migrate, sender=self, dispatch_uid="inspections_beat_schedules")
        # Register every feature's Celery tasks in this process too (the worker does it at start-up):
        # services queue work by task name (inspections.background), eagerly when no broker is set.
        from rectify.celery import TASK_PACKAGES, app

        app.autodiscover_tasks(TASK_PACKAGES, force=True)
        # Feature packages' admin pages (the admin's autodiscovery reads only inspections/admin.py).
        from .complaints import admin as _complaints_admin  # noqa: F401
