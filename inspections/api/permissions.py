"""API permissions: everything needs a login; creating rounds, findings and tasks needs bureau staff.

Object-level access is not here: querysets and getters come from inspections.access (404 for
another unit's object), and the services check role and unit again for every write.
"""

from rest_framework.permissions import BasePermission

from ..access import can_manage


class CanManageForCreate(BasePermission):
    message = "只有督察办工作人员可以登记督察轮次、反馈问题和交办整改任务。"

    def has_permission(self, request, view):
        if not (request.user and request.user.is_authenticated):
            return False
        return getattr(view, "action", None) != "create" or can_manage(request.user)
