"""API for units (the ones a user may see), the current user and obtaining a token."""

import django_filters as filters
from django.conf import settings
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view, inline_serializer
from rest_framework import exceptions, generics, serializers, viewsets
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.authtoken.views import ObtainAuthToken

from rectify.api_errors import ErrorSerializer

from .choices import Role, UnitKind
from .models import Unit, User
from .selectors import units_visible_to


class UnitSerializer(serializers.ModelSerializer):
    class Meta:
        model = Unit
        fields = ["id", "name", "code", "kind", "parent", "path", "is_active"]
        read_only_fields = fields


class UnitFilterSet(filters.FilterSet):
    kind = filters.MultipleChoiceFilter(choices=UnitKind.choices)
    q = filters.CharFilter(field_name="name", lookup_expr="icontains", label="搜索")
    parent = filters.ModelChoiceFilter(queryset=Unit.objects.none())

    class Meta:
        model = Unit
        fields = ["kind", "parent", "is_active"]

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        # Only the units the user may see are choices: another unit's id answers like a missing one.
        user = getattr(request, "user", None)
        if user is not None:
            self.filters["parent"].queryset = units_visible_to(user)


@extend_schema_view(
    list=extend_schema(summary="责任单位（本单位及下级；督察办和领导可见全部）"),
    retrieve=extend_schema(summary="责任单位详情"),
)
class UnitViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = UnitSerializer
    filterset_class = UnitFilterSet
    ordering_fields = ["path", "name", "code", "id"]

    def get_queryset(self):
        return units_visible_to(self.request.user).order_by("path")


class MeSerializer(serializers.ModelSerializer):
    role = serializers.SerializerMethodField()
    display_name = serializers.CharField(read_only=True)
    sees_everything = serializers.BooleanField(read_only=True, help_text="督察办、领导、管理员可见全部单位")
    unit_name = serializers.CharField(source="unit.name", read_only=True, allow_null=True, default=None)

    class Meta:
        model = User
        fields = ["id", "username", "full_name", "display_name", "role", "unit", "unit_name", "sees_everything"]
        read_only_fields = fields

    def get_role(self, user) -> str:
        return Role.ADMIN if user.is_superuser else user.role


class MeView(generics.RetrieveAPIView):
    serializer_class = MeSerializer

    @extend_schema(summary="当前用户")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_object(self):
        return self.request.user


class TokenObtainView(ObtainAuthToken):
    """POST username + password → the user's API token (the same one the token page shows)."""

    @extend_schema(
        summary="用用户名和密码获取 API 令牌",
        auth=[],
        request=AuthTokenSerializer,
        responses={200: inline_serializer("TokenResponse", {"token": serializers.CharField()}), 429: ErrorSerializer},
    )
    def post(self, request, *args, **kwargs):
        try:
            return super().post(request, *args, **kwargs)
        except exceptions.ValidationError:
            # django-axes marks the request when the account is locked after repeated failures.
            if getattr(request, "axes_locked_out", False):
                raise exceptions.Throttled(
                    wait=settings.AXES_COOLOFF_TIME * 3600, detail=_("登录失败次数过多，账号已被暂时锁定，请稍后再试。")
                ) from None
            raise
