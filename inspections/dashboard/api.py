"""The dashboard in the API: the page's figures (dashboard.selectors), one definition for both."""

from django.utils.decorators import method_decorator
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from rectify.replica import lag_tolerant

from ..complaints import selectors as complaint_selectors
from .selectors import dashboard_summary


class RoundFiguresSerializer(serializers.Serializer):
    round = serializers.IntegerField(source="key")
    name = serializers.CharField(source="label")
    total = serializers.IntegerField()
    complete = serializers.IntegerField()
    overdue = serializers.IntegerField()
    rate = serializers.FloatField(help_text="完成率（%）")


class ComplaintRatesSerializer(serializers.Serializer):
    """The page's 群众投诉 panel: complaints.figures.Rates of the cases the user may see (repeats counted once)."""

    received = serializers.IntegerField(help_text="受理量（不含重复件）")
    repeats = serializers.IntegerField(help_text="重复件")
    accepted = serializers.IntegerField(help_text="已受理（受理量减不予受理）")
    concluded = serializers.IntegerField(help_text="已办结（已办结、已销号）")
    followed_up = serializers.IntegerField(help_text="已回访")
    satisfied = serializers.IntegerField(help_text="满意、基本满意")
    overdue = serializers.IntegerField(help_text="逾期未反馈")
    acceptance_rate = serializers.FloatField(help_text="受理率（%）")
    conclusion_rate = serializers.FloatField(help_text="办结率（%）")
    satisfaction_rate = serializers.FloatField(help_text="群众满意率（%）")
    sentence = serializers.CharField(help_text="共接待群众投诉N起，受理率、办结率、群众满意率……")


class DashboardSerializer(serializers.Serializer):
    total = serializers.IntegerField(help_text="可见整改任务总数")
    complete = serializers.IntegerField(help_text="已完成整改（已验收、已销号、长期坚持）")
    overdue = serializers.IntegerField(help_text="未完成且已过整改期限")
    rate = serializers.FloatField(help_text="完成率（%）")
    in_notice = serializers.IntegerField(help_text="公示中：销号公示期内的任务")
    rounds = RoundFiguresSerializer(many=True)
    complaints = ComplaintRatesSerializer()


class DashboardView(APIView):
    @extend_schema(summary="总览：可见任务的完成与逾期数，及各轮次情况", responses={200: DashboardSerializer})
    @method_decorator(lag_tolerant())
    def get(self, request):
        summary = dashboard_summary(user=request.user)
        summary.complaints = complaint_selectors.case_rates(user=request.user)
        return Response(DashboardSerializer(summary).data)
