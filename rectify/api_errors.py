"""The one error body every API endpoint answers with (accounts' and inspections' alike)."""

from rest_framework import serializers


class ErrorSerializer(serializers.Serializer):
    """Every error: a readable Chinese message, a machine code, the first bad field and all field messages."""

    detail = serializers.CharField()
    code = serializers.CharField(
        help_text="invalid, not_allowed, transition_not_allowed, reason_required, "
        "evidence_required, read_only, stale, invalid_file, not_found, "
        "not_authenticated, permission_denied ..."
    )
    field = serializers.CharField(allow_null=True)
    errors = serializers.DictField(child=serializers.JSONField(), help_text="字段名 → 错误信息列表")
