"""The rates on a hand-computed example, repeats counted once; the daily report's handling totals."""

from datetime import date
from decimal import Decimal

import pytest

from inspections.choices import CaseVerdict, FollowUpResult
from inspections.complaints import services
from inspections.complaints.figures import handling_sentence, handling_totals, rates_of
from inspections.complaints.selectors import daily_report
from inspections.models import ComplaintCase

pytestmark = pytest.mark.django_db


def test_rates_by_hand(complaints):
    w = complaints.world
    bureau = w.bureau

    def concluded(result=None, **counts):
        case = complaints.assigned()
        case = services.case_report_investigation(
            actor=w.water_user, case=case, investigation="已核实", verdict=CaseVerdict.TRUE, **counts
        )
        case = services.case_close(actor=w.water_user, case=case)
        if result:
            services.case_follow_up(actor=bureau, case=case, result=result)
        return case

    # 6 original cases received: 1 declined -> 5 accepted; 3 concluded; follow-ups: 2 satisfied/basic, 1 not.
    a = concluded(FollowUpResult.SATISFIED, penalty_cases=1, fine_amount="3.5")
    concluded(FollowUpResult.BASICALLY, detained=2)
    concluded(FollowUpResult.UNSATISFIED, interviewed=1, held_accountable=1)
    complaints.assigned()  # investigating
    complaints.case()  # not yet assigned
    services.case_decline(actor=bureau, case=complaints.case(), reason="非本辖区")
    # A repeat of a concluded case, itself unhandled: counted nowhere in the rates.
    repeat = complaints.case()
    ComplaintCase.objects.filter(pk=repeat.pk).update(repeat_of=a)

    rates = rates_of(ComplaintCase.objects.all(), date(2024, 5, 20))
    assert (rates.cases, rates.repeats, rates.received, rates.accepted, rates.concluded) == (7, 1, 6, 5, 3)
    assert (rates.followed_up, rates.satisfied) == (3, 2)
    assert rates.acceptance_rate == 83.3  # 5 / 6
    assert rates.conclusion_rate == 60.0  # 3 / 5
    assert rates.satisfaction_rate == 66.7  # 2 / 3
    # received 2024-05-06 + 10 days = 05-16; on 05-20 the three still awaiting a reply are overdue (incl. the repeat)
    assert rates.overdue == 3
    assert rates.sentence() == "共接待群众投诉6起，受理率、办结率、群众满意率分别为83.3%、60%、66.7%。"

    totals = handling_totals(ComplaintCase.objects.all())
    assert totals["fine_amount"] == Decimal("3.50") and totals["detained"] == 2 and totals["penalty_cases"] == 1
    assert handling_sentence(totals) == (
        "责令整改0家、立案处罚1起、罚款3.5万元、立案侦查0件、行政拘留2人、约谈1人、问责1人"
    )


def test_all_hundred_percent_sentence(complaints):
    w = complaints.world
    case = services.case_report_investigation(
        actor=w.water_user, case=complaints.assigned(), investigation="已核实", verdict=CaseVerdict.FALSE
    )
    case = services.case_close(actor=w.water_user, case=case)
    services.case_follow_up(actor=w.bureau, case=case, result=FollowUpResult.SATISFIED)
    assert rates_of(ComplaintCase.objects.all(), date(2024, 5, 7)).sentence() == (
        "共接待群众投诉1起，受理率、办结率、群众满意率均为100%。"
    )


def test_daily_report_groups_by_area_and_type(complaints):
    complaints.case(region="城东区")
    complaints.case(region="城东区", summary="化工厂废气", pollution_type="air")
    complaints.case(region="南山镇")
    report = daily_report(user=complaints.world.bureau, round_id=complaints.round.pk, day=date(2024, 5, 6))
    assert report["received_today"] == 3
    assert [(a["region"], a["total"]) for a in report["by_area"]] == [("城东区", 2), ("南山镇", 1)]
    assert {t["pollution_type"]: t["total"] for t in report["by_type"]} == {"other": 2, "air": 1}
