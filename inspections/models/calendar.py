"""Admin-maintained holiday overrides for the working-day calendar (法定节假日 and 调休).

chinesecalendar knows the official calendar only up to its last covered year; the bureau enters
next year's State Council notice here (and local days off), and these rows win over the package.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Holiday(models.Model):
    day = models.DateField(_("日期"), unique=True)
    is_workday = models.BooleanField(
        _("调休上班"), default=False, help_text=_("勾选表示该日为调休上班日；不勾选表示该日放假。")
    )
    name = models.CharField(_("说明"), max_length=50, blank=True, help_text=_("例如：春节、国庆节调休"))

    class Meta:
        verbose_name = _("节假日调整")
        verbose_name_plural = _("节假日调整")
        ordering = ["day"]

    def __str__(self) -> str:
        kind = _("上班") if self.is_workday else _("放假")
        return f"{self.day:%Y-%m-%d} {self.name} {kind}"
