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


class TodoSuggestionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    task = serializers.IntegerField(source="task_id")
    task_code = serializers.CharField(source="task.code")
    lead_unit = serializers.CharField(source="lead_unit.name")
    suggested_kind = serializers.CharField()
    reason = serializers.CharField()
    created_on = serializers.DateField()


class TodoActionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    doc_number = serializers.CharField()
    kind = serializers.CharField()
    title = serializers.CharField()
    target_unit = serializers.CharField(source="target_unit.name")
    reply_due = serializers.DateField()
    reply_overdue = serializers.BooleanField(help_text="要求回复日期已过、尚未回复")


class TodoSectionSerializer(serializers.Serializer):
    key = serializers.CharField(
        help_text="overdue / due / returned / to_verify / to_sign / suggestions / reply_overdue / awaiting_reply"
    )
    title = serializers.CharField()
    count = serializers.IntegerField(help_text="项数；超过 999 项时计到 1000 为止（count_capped 为 true）")
    count_capped = serializers.BooleanField(source="capped", help_text="项数超过 999，count 不是准确数字")
    item_kind = serializers.CharField(help_text="task / suggestion / action：列表项在 tasks / suggestions / actions 中")
    tasks = TodoTaskSerializer(many=True, help_text="最多 50 项，期限最早的在前")
    suggestions = TodoSuggestionSerializer(many=True, help_text="督办建议（督察办），最早生成的在前")
    actions = TodoActionSerializer(many=True, help_text="督办记录，回复期限最早的在前")


class TodoView(APIView):
    @extend_schema(
        summary="我的待办：按角色列出待处理的整改任务、督办建议和督办回复",
        responses={200: TodoSectionSerializer(many=True)},
    )
    def get(self, request):
        return Response(TodoSectionSerializer(todo_sections(request.user), many=True).data)
