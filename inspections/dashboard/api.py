"""The dashboard in the API: the page's figures (dashboard.selectors), one definition for both."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from .selectors import dashboard_summary


class RoundFiguresSerializer(serializers.Serializer):
    round = serializers.IntegerField(source="key")
    name = serializers.CharField(source="label")
    total = serializers.IntegerField()
    complete = serializers.IntegerField()
    overdue = serializers.IntegerField()
    rate = serializers.FloatField(help_text="完成率（%）")


class DashboardSerializer(serializers.Serializer):
    total = serializers.IntegerField(help_text="可见整改任务总数")
    complete = serializers.IntegerField(help_text="已完成整改（已验收、已销号、长期坚持）")
    overdue = serializers.IntegerField(help_text="未完成且已过整改期限")
    rate = serializers.FloatField(help_text="完成率（%）")
    in_notice = serializers.IntegerField(help_text="公示中：销号公示期内的任务")
    rounds = RoundFiguresSerializer(many=True)


class DashboardView(APIView):
    @extend_schema(summary="总览：可见任务的完成与逾期数，及各轮次情况", responses={200: DashboardSerializer})
    def get(self, request):
        return Response(DashboardSerializer(dashboard_summary(user=request.user)).data)
