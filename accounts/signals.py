"""Signal wiring for sign-in: login failures and successes, and API tokens dying with the password."""

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.db.models.signals import post_save, pre_save

from .login_protection import on_logged_in, on_login_failed
from .services import api_tokens_revoke_all

User = get_user_model()


def _remember_old_state(sender, instance, update_fields=None, **kwargs):
    # set_password() leaves the raw password in _password until save; the stored hash alone cannot tell
    # a change from the silent re-hash Django does at login when the hasher's cost goes up.
    instance._revoke_tokens = False
    if not instance.pk:
        return
    if update_fields is not None and not {"password", "is_active"} & set(update_fields):
        return
    old = User.objects.filter(pk=instance.pk).values("password", "is_active").first()
    if old is None:
        return
    password_changed = getattr(instance, "_password", None) is not None or (
        instance.password != old["password"] and not instance.has_usable_password()
    )
    deactivated = old["is_active"] and not instance.is_active
    instance._revoke_tokens = password_changed or deactivated


def _revoke_tokens(sender, instance, created, **kwargs):
    if getattr(instance, "_revoke_tokens", False):
        api_tokens_revoke_all(user=instance)
        instance._revoke_tokens = False


def connect():
    user_login_failed.connect(on_login_failed, dispatch_uid="accounts.login_failed")
    user_logged_in.connect(on_logged_in, dispatch_uid="accounts.logged_in")
    pre_save.connect(_remember_old_state, sender=User, dispatch_uid="accounts.user_pre_save")
    post_save.connect(_revoke_tokens, sender=User, dispatch_uid="accounts.user_post_save")
