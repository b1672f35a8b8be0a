"""Models that guard sign-in: API tokens (hashed, expiring), password history, per-account slow-down."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from knox.models import AbstractAuthToken


class ApiToken(AbstractAuthToken):
    """A user's API token (django-rest-knox's model plus a name). Only a SHA-512 digest of the key is
    stored; `token_key` holds its first 15 characters, enough to recognise it in a list."""

    name = models.CharField(_("名称"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("API 令牌")
        verbose_name_plural = _("API 令牌")
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"{self.token_key[:8]}… ({self.user})"

    @property
    def is_expired(self) -> bool:
        return self.expiry is not None and self.expiry <= timezone.now()


class PasswordHistory(models.Model):
    """An earlier password of a user, as Django's salted hash: what the history validator refuses to reuse."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="password_history")
    password = models.CharField(max_length=128)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("历史密码")
        verbose_name_plural = _("历史密码")
        ordering = ["-created", "-id"]
        indexes = [models.Index(fields=["user", "-created"], name="password_history_recent")]


class LoginThrottle(models.Model):
    """Recent failed logins on one username (any address): each further try waits a growing delay."""

    username = models.CharField(max_length=150, unique=True)  # casefolded, existing account or not
    failures = models.PositiveIntegerField(default=0)
    last_failure_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("登录减速")
        verbose_name_plural = _("登录减速")
