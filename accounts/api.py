"""API for units (the ones a user may see), the current user and obtaining a token."""

import django_filters as filters
from django.conf import settings
from django.contrib.auth import authenticate
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import exceptions, generics, permissions, serializers, views, viewsets
from rest_framework.response import Response

from rectify.api_errors import ErrorSerializer

from .choices import Role, UnitKind
from .login_protection import login_success_record
from .models import Unit, User
from .selectors import units_visible_to
from .services import api_token_issue


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


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(label=_l("用户名"), write_only=True)
    password = serializers.CharField(
        label=_l("密码"), style={"input_type": "password"}, trim_whitespace=False, write_only=True
    )
    name = serializers.CharField(
        label=_l("令牌名称"),
        required=False,
        allow_blank=True,
        max_length=100,
        write_only=True,
        help_text="用途，如「省级平台对接」",
    )

    def validate(self, attrs):
        request = self.context["request"]
        user = authenticate(request=request, username=attrs["username"], password=attrs["password"])
        if not user:
            raise serializers.ValidationError(_("用户名或密码不正确。"), code="authorization")
        attrs["user"] = user
        return attrs


class TokenResponseSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="令牌本身：只在这一次返回，系统只保存它的摘要")
    name = serializers.CharField()
    created = serializers.DateTimeField()
    expiry = serializers.DateTimeField(help_text="过期时间（API_TOKEN_DAYS 天后）")


class TokenObtainView(views.APIView):
    """POST username + password → a new API token (each call makes another; see them on the token page)."""

    authentication_classes = []
    permission_classes = [permissions.AllowAny]
    serializer_class = TokenRequestSerializer

    @extend_schema(
        summary="用用户名和密码生成新的 API 令牌",
        auth=[],
        request=TokenRequestSerializer,
        responses={200: TokenResponseSerializer, 400: ErrorSerializer, 429: ErrorSerializer},
    )
    def post(self, request, *args, **kwargs):
        serializer = TokenRequestSerializer(data=request.data, context={"request": request})
        try:
            serializer.is_valid(raise_exception=True)
        except exceptions.ValidationError:
            # django-axes marks the request when this client address is blocked after repeated failures.
            if getattr(request, "axes_locked_out", False):
                raise exceptions.Throttled(
                    wait=settings.AXES_COOLOFF_TIME * 3600,
                    detail=_("从您所在的网络地址登录失败次数过多，该地址已被暂停登录，请稍后再试。"),
                ) from None
            # accounts.login_protection: this account failed repeatedly, the next try must wait.
            wait = getattr(request, "login_retry_after", 0)
            if wait:
                raise exceptions.Throttled(
                    wait=wait, detail=_("该账号最近登录失败次数较多，请 %(seconds)d 秒后再试。") % {"seconds": wait}
                ) from None
            raise
        user = serializer.validated_data["user"]
        login_success_record(user.get_username())
        token, key = api_token_issue(user=user, name=serializer.validated_data.get("name", ""))
        data = {"token": key, "name": token.name, "created": token.created, "expiry": token.expiry}
        response = Response(TokenResponseSerializer(data).data)
        response["Cache-Control"] = "no-store"
        return response
