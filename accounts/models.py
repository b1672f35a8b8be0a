"""User accounts and the unit tree. A unit sees its own subtree (materialised path)."""

from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .choices import JURISDICTION_ROLES, Role, UnitKind


class UnitQuerySet(models.QuerySet):
    def subtree_of(self, unit: "Unit") -> "UnitQuerySet":
        return self.filter(path__startswith=unit.path)


class Unit(models.Model):
    """A responsible unit: the county/city bureau, a department, a township, an enterprise."""

    name = models.CharField(_("单位名称"), max_length=100, unique=True)
    code = models.CharField(_("单位代码"), max_length=32, unique=True)
    kind = models.CharField(_("单位类型"), max_length=16, choices=UnitKind.choices, default=UnitKind.DEPARTMENT)
    parent = models.ForeignKey(
        "self", verbose_name=_("上级单位"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    # "/1/5/12/": ids from the root down; a subtree is a prefix match, one indexed query.
    path = models.CharField(_("路径"), max_length=255, editable=False, db_index=True, default="")
    is_active = models.BooleanField(_("启用"), default=True)
    history = HistoricalRecords(excluded_fields=["path"])

    objects = UnitQuerySet.as_manager()

    class Meta:
        verbose_name = _("责任单位")
        verbose_name_plural = _("责任单位")
        ordering = ["path"]
        indexes = [models.Index(fields=["path"], name="unit_path_prefix", opclasses=["varchar_pattern_ops"])]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        from django.core.exceptions import ValidationError

        if self.pk and self.parent_id:
            # Paths as stored now: in-memory instances may predate a move of an ancestor.
            own_path = Unit.objects.filter(pk=self.pk).values_list("path", flat=True).first()
            if own_path and Unit.objects.filter(pk=self.parent_id, path__startswith=own_path).exists():
                raise ValidationError({"parent": _("不能把单位移动到它自己或它的下级单位之下。")})

    def save(self, *args, **kwargs):
        """Keep the materialised path in step with the parent, for the unit and its subtree."""
        # Read the stored paths, not this instance's: it (or its parent instance) may have been loaded
        # before an ancestor moved, and a stale old path would leave the descendants behind.
        old_path = (Unit.objects.filter(pk=self.pk).values_list("path", flat=True).first() or "") if self.pk else ""
        super().save(*args, **kwargs)
        parent_path = Unit.objects.values_list("path", flat=True).get(pk=self.parent_id) if self.parent_id else "/"
        new_path = f"{parent_path}{self.pk}/"
        if new_path != old_path:
            Unit.objects.filter(pk=self.pk).update(path=new_path)
            self.path = new_path
            if old_path:
                from django.db.models import Value
                from django.db.models.functions import Concat, Substr

                Unit.objects.filter(path__startswith=old_path).exclude(pk=self.pk).update(
                    path=Concat(Value(new_path), Substr("path", len(old_path) + 1))
                )

    def is_within(self, other: "Unit") -> bool:
        """True when this unit is `other` or below it."""
        return bool(self.path) and self.path.startswith(other.path)


class UserManager(DjangoUserManager):
    def create_superuser(self, username, email=None, password=None, **extra_fields):
        """A superuser is an administrator (`manage.py createsuperuser`): the admin role needs no unit."""
        extra_fields.setdefault("role", Role.ADMIN)
        if extra_fields["role"] != Role.ADMIN:
            raise ValueError("A superuser must have the admin role.")
        return super().create_superuser(username, email, password, **extra_fields)


class User(AbstractUser):
    """A person using the tracker; belongs to a unit and has one role."""

    full_name = models.CharField(_("姓名"), max_length=50, blank=True)
    unit = models.ForeignKey(
        Unit, verbose_name=_("所属单位"), null=True, blank=True, on_delete=models.PROTECT, related_name="users"
    )
    role = models.CharField(_("角色"), max_length=16, choices=Role.choices, default=Role.UNIT)
    phone = models.CharField(_("电话"), max_length=32, blank=True)
    # The hash stays out of the history; this moment goes in, so every password change or reset
    # (who did it, when) is an account change on record like a role change.
    password_changed_at = models.DateTimeField(_("密码修改时间"), null=True, blank=True, editable=False)
    history = HistoricalRecords(excluded_fields=["password", "last_login"])

    objects = UserManager()

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")
        constraints = [
            models.CheckConstraint(condition=~Q(role=Role.UNIT) | Q(unit__isnull=False), name="unit_staff_has_unit")
        ]

    def __str__(self) -> str:
        return self.display_name

    def save(self, *args, **kwargs):
        # _password is set by set_password() until the save, not by the hash upgrade at login.
        if self._password is not None:
            self.password_changed_at = timezone.now()
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "password_changed_at"}
        super().save(*args, **kwargs)

    @property
    def display_name(self) -> str:
        return self.full_name or self.get_full_name() or self.username

    @property
    def sees_everything(self) -> bool:
        return self.is_superuser or self.role in JURISDICTION_ROLES


# Sign-in guards (API tokens, password history, login slow-down) live in their own module.
from .credentials import ApiToken, LoginThrottle, PasswordHistory  # noqa: E402, F401
