"""Password validators whose messages Django's Chinese catalogue does not translate."""

from django.contrib.auth import password_validation
from django.utils.translation import gettext as _


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    """Django's length rule with a Chinese message: Django 5.2 changed this msgid (%(min_length)d -> %d)
    and its zh-Hans catalogue still has the old one, so users saw the error in English."""

    def get_error_message(self):
        return _("密码太短，至少需要 %(min_length)d 个字符。") % {"min_length": self.min_length}
