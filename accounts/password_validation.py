"""Password rules beyond Django's own: common passwords dressed up, too few characters, reuse.

Configured in settings.AUTH_PASSWORD_VALIDATORS; Django runs them on the password-change page, the
admin's password forms and createsuperuser/changepassword. The demo seeding sets its documented demo
password directly and skips them (quick start only).
"""

import re

from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.hashers import check_password, is_password_usable
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# Words of this product and its users that make guessable passwords, whatever is added around them
# ("Rectify@2026" is the documented demo password: never a real one).
SITE_WORDS = {"rectify", "duchaban", "ducha", "zhenggai", "huanbao", "shengtai", "huanjing", "admin", "password"}
_LEET = str.maketrans({"@": "a", "4": "a", "3": "e", "1": "i", "!": "i", "0": "o", "$": "s", "5": "s", "7": "t"})
_ENDS = re.compile(r"^[\W\d_]+|[\W\d_]+$")


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    """Django's length rule with a Chinese message: Django 5.2 changed this msgid (%(min_length)d -> %d)
    and its zh-Hans catalogue still has the old one, so users saw the error in English."""

    def get_error_message(self):
        return _("密码太短，至少需要 %(min_length)d 个字符。") % {"min_length": self.min_length}


class CommonPasswordValidator(password_validation.CommonPasswordValidator):
    """Django's list of about 20,000 common passwords, also caught when dressed up: "Qwerty123!" is
    "qwerty123" with a symbol, "qwerty" with digits and a symbol; "P@ssw0rd" is "password"."""

    def candidates(self, password: str) -> set[str]:
        lowered = password.lower().strip()
        stripped = lowered.strip("".join(chr(c) for c in range(33, 127) if not chr(c).isalnum()))
        base = _ENDS.sub("", lowered)
        words = {lowered, stripped, base, base.translate(_LEET), lowered.translate(_LEET)}
        return {word for word in words if len(word) >= 4}

    def validate(self, password, user=None):
        candidates = self.candidates(password)
        if candidates & self.passwords or candidates & SITE_WORDS:
            raise ValidationError(self.get_error_message(), code="password_too_common")


class CharacterVarietyValidator:
    """At least `min_distinct` different characters: refuses "!!!!!!!!!!" and "abababababab"."""

    def __init__(self, min_distinct: int = 5):
        self.min_distinct = min_distinct

    def validate(self, password, user=None):
        if len(set(password)) < self.min_distinct:
            raise ValidationError(self.get_help_text(), code="password_too_repetitive")

    def get_help_text(self):
        return _("密码至少要包含 %(count)d 个不同的字符。") % {"count": self.min_distinct}


class PasswordHistoryValidator:
    """No reuse of the current password or the ones before it (settings.PASSWORD_HISTORY_COUNT in all).

    Each new password is recorded as the salted hash Django stores (accounts.PasswordHistory) when it is
    saved; only the newest PASSWORD_HISTORY_COUNT are kept."""

    def __init__(self, count: int | None = None):
        self._count = count

    @property
    def count(self) -> int:
        return self._count if self._count is not None else settings.PASSWORD_HISTORY_COUNT

    def _recent_hashes(self, user) -> list[str]:
        from .credentials import PasswordHistory

        hashes = [user.password] if user.password else []
        for encoded in PasswordHistory.objects.filter(user=user).values_list("password", flat=True)[: self.count]:
            if encoded not in hashes:
                hashes.append(encoded)
        return [encoded for encoded in hashes if is_password_usable(encoded)]

    def validate(self, password, user=None):
        if user is None or not getattr(user, "pk", None) or self.count <= 0:
            return
        if any(check_password(password, encoded) for encoded in self._recent_hashes(user)):
            raise ValidationError(self.get_help_text(), code="password_reused")

    def password_changed(self, password, user=None):
        from .credentials import PasswordHistory

        if user is None or not user.pk or not is_password_usable(user.password) or self.count <= 0:
            return
        PasswordHistory.objects.create(user=user, password=user.password)
        keep = list(PasswordHistory.objects.filter(user=user).values_list("pk", flat=True)[: self.count])
        PasswordHistory.objects.filter(user=user).exclude(pk__in=keep).delete()

    def get_help_text(self):
        return _("新密码不能与当前密码或最近用过的 %(count)d 个密码相同。") % {"count": self.count}
