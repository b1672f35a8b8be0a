"""Choice constants for users and units."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMIN = "admin", _("系统管理员")
    BUREAU = "bureau", _("督察办")
    UNIT = "unit", _("责任单位联络员")
    LEADER = "leader", _("领导")
    # 上级督察办: reads the whole jurisdiction and makes the higher-level re-check (复核) of a closure, nothing else.
    SUPERIOR = "superior", _("上级督察办")


class UnitKind(models.TextChoices):
    BUREAU = "bureau", _("生态环境局")
    DEPARTMENT = "department", _("部门")
    TOWNSHIP = "township", _("乡镇（街道）")
    ENTERPRISE = "enterprise", _("企业")


# Roles that see the whole jurisdiction rather than a unit subtree.
JURISDICTION_ROLES = frozenset({Role.ADMIN, Role.BUREAU, Role.LEADER, Role.SUPERIOR})
