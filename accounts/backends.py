"""The password backend: Django's ModelBackend, loading the signed-in user with their unit in one query.

Every page shows the user's unit in the top bar and asks access rules about it: joined here, the request does not
load the unit in a second query (issue 19)."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend


class UnitModelBackend(ModelBackend):
    def get_user(self, user_id):
        model = get_user_model()
        try:
            user = model._default_manager.select_related("unit").get(pk=user_id)
        except model.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
