"""The closure chain and sign-off delegations are edited in the admin, checked by workflow.chain_errors."""

import pytest
from django.urls import reverse

from inspections.models import ClosureChain, SignOffDelegation

pytestmark = pytest.mark.django_db


def chain_post(name, steps, **fields):
    data = {
        "name": name,
        "round_kind": fields.get("round_kind", ""),
        "inspection_round": fields.get("inspection_round", ""),
        "steps-TOTAL_FORMS": str(len(steps)),
        "steps-INITIAL_FORMS": "0",
        "steps-MIN_NUM_FORMS": "1",
        "steps-MAX_NUM_FORMS": "1000",
    }
    for i, (step, role, required) in enumerate(steps):
        data |= {f"steps-{i}-order": str(i + 1), f"steps-{i}-step": step, f"steps-{i}-role": role}
        if required:
            data[f"steps-{i}-required"] = "on"
    return data


def test_admin_saves_a_valid_chain_for_a_round_kind(client, closure):
    client.force_login(closure.admin)
    steps = [("accept", "bureau", True), ("notice", "bureau", True), ("sign", "leader", True), ("file", "bureau", True)]
    response = client.post(
        reverse("admin:inspections_closurechain_add"), chain_post("四步销号", steps, round_kind="central")
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    chain = ClosureChain.objects.get(name="四步销号")
    assert [s.step for s in chain.as_steps()] == ["accept", "notice", "sign", "file"]
    changelist = client.get(reverse("admin:inspections_closurechain_changelist")).content.decode()
    assert "四步销号" in changelist and "验收 → 公示 → 审签 → 销号报备" in changelist


@pytest.mark.parametrize(
    ("steps", "message"),
    [
        ([("sign", "leader", True)], "第一步必须是验收"),
        ([("accept", "bureau", True), ("notice", "bureau", True)], "公示不能是最后一步"),
        ([("accept", "bureau", True), ("file", "bureau", True), ("sign", "leader", True)], "销号报备只能是最后一步"),
        ([("accept", "bureau", True), ("sign", "unit", True)], "办理角色不能是责任单位联络员"),
        ([("accept", "bureau", True), ("sign", "leader", False)], "最后一步必须为必经步骤"),
    ],
)
def test_admin_refuses_a_chain_the_table_cannot_use(client, closure, steps, message):
    client.force_login(closure.admin)
    response = client.post(
        reverse("admin:inspections_closurechain_add"), chain_post("坏流程", steps, round_kind="central")
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not ClosureChain.objects.filter(name="坏流程").exists()


def test_admin_chain_needs_a_round_or_a_kind_not_both(client, closure):
    client.force_login(closure.admin)
    steps = [("accept", "bureau", True), ("sign", "leader", True)]
    neither = client.post(reverse("admin:inspections_closurechain_add"), chain_post("无适用", steps))
    assert "请选择适用的督察轮次或督察类型" in neither.content.decode()
    both = client.post(
        reverse("admin:inspections_closurechain_add"),
        chain_post("两者", steps, round_kind="central", inspection_round=closure.plain_round.pk),
    )
    assert "只能选一个" in both.content.decode()
    assert not ClosureChain.objects.filter(name__in=["无适用", "两者"]).exists()


def test_admin_chain_change_page_opens_for_bureau_staff(client, closure):
    client.force_login(closure.bureau)
    chain = ClosureChain.objects.get(inspection_round=closure.round)
    response = client.get(reverse("admin:inspections_closurechain_change", args=[chain.pk]))
    assert response.status_code in (200, 302)  # 302: this world's bureau user may lack is_staff


def test_delegation_only_between_leaders_and_never_deleted(client, closure):
    client.force_login(closure.admin)
    url = reverse("admin:inspections_signoffdelegation_add")
    data = {
        "leader": closure.leader.pk,
        "delegate": closure.other_leader.pk,
        "note": "出差期间",
        "created_at_0": "2024-01-01",
        "created_at_1": "09:00:00",
    }
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    delegation = SignOffDelegation.objects.get()
    refused = client.post(url, data | {"delegate": closure.bureau.pk})
    assert refused.status_code == 200 and SignOffDelegation.objects.count() == 1
    same = client.post(url, data | {"delegate": closure.leader.pk})
    assert "不能委托给本人" in same.content.decode()
    delete = client.get(reverse("admin:inspections_signoffdelegation_delete", args=[delegation.pk]))
    assert delete.status_code == 403
