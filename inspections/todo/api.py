"""我的待办 in the API: the page's lists (todo.selectors), one definition for both."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from .selectors import todo_sections


class TodoTaskSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    round = serializers.CharField(source="finding.round.name")
    summary = serializers.CharField(source="finding.summary")
    lead_unit = serializers.CharField(source="lead_unit.name")
    status = serializers.CharField()
    deadline = serializers.DateField(allow_null=True)


class TodoSectionSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="overdue / due / returned / to_verify / to_sign")
    title = serializers.CharField()
    count = serializers.IntegerField(help_text="项数；超过 999 项时计到 1000 为止（count_capped 为 true）")
    count_capped = serializers.BooleanField(source="capped", help_text="项数超过 999，count 不是准确数字")
    tasks = TodoTaskSerializer(many=True, help_text="最多 50 项，期限最早的在前")


class TodoView(APIView):
    @extend_schema(summary="我的待办：按角色列出待处理的整改任务", responses={200: TodoSectionSerializer(many=True)})
    def get(self, request):
        return Response(TodoSectionSerializer(todo_sections(request.user), many=True).data)
