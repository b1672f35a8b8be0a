"""Third-party apps under a Chinese name in the admin (their own AppConfig has none)."""

from axes.apps import AppConfig as BaseAxesConfig
from django.utils.translation import gettext_lazy as _

# Imported with the first app config, before any model module: fast choice labels for the product's models.
from rectify import choice_labels  # noqa: F401


class AxesConfig(BaseAxesConfig):
    verbose_name = _("登录防护")
