"""Evidence upload through the task page and download through the access-checked view."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from workflow_setup import PDF_BYTES, pdf, world

from inspections.models import Evidence

pytestmark = pytest.mark.django_db


def upload(client, task, files, version=None):
    return client.post(
        reverse("inspections:task_evidence", args=[task.pk]),
        {"version": version or task.version, "kind": "document", "files": files},
    )


def test_several_files_upload_at_once_and_download_with_chinese_name(client, world):
    client.force_login(world.housing_user)
    response = upload(client, world.housing_task, [pdf("验收报告.pdf"), pdf("现场核查记录.pdf")])
    assert response.status_code == 302
    names = sorted(Evidence.objects.filter(task=world.housing_task).values_list("original_name", flat=True))
    assert names == ["现场核查记录.pdf", "验收报告.pdf"]
    evidence = Evidence.objects.get(original_name="验收报告.pdf")
    response = client.get(reverse("inspections:evidence_download", args=[evidence.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF_BYTES
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "attachment" in response["Content-Disposition"]
    assert "filename*=utf-8''%E9%AA%8C%E6%94%B6%E6%8A%A5%E5%91%8A.pdf" in response["Content-Disposition"]


@pytest.mark.parametrize("who", ["staff", "leader", "admin"])
def test_jurisdiction_roles_download(client, world, who):
    client.force_login(world.housing_user)
    upload(client, world.housing_task, [pdf()])
    client.force_login(getattr(world, who))
    evidence = Evidence.objects.get()
    assert client.get(reverse("inspections:evidence_download", args=[evidence.pk])).status_code == 200


def test_other_unit_gets_404_on_download_and_upload(client, world):
    client.force_login(world.housing_user)
    upload(client, world.housing_task, [pdf()])
    evidence = Evidence.objects.get()
    client.force_login(world.township_user)
    assert client.get(reverse("inspections:evidence_download", args=[evidence.pk])).status_code == 404
    assert upload(client, world.housing_task, [pdf("别人的.pdf")]).status_code == 404
    assert Evidence.objects.count() == 1


def test_leader_may_not_upload(client, world):
    client.force_login(world.leader)
    response = upload(client, world.housing_task, [pdf()])
    assert response.status_code == 403
    assert "无权" in response.content.decode()
    assert not Evidence.objects.exists()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("病毒.exe", b"MZ\x90\x00" + b"\x00" * 100, "类型不允许上传"),
        ("伪装.pdf", b"MZ\x90\x00" + b"\x00" * 100, "内容与扩展名不符"),
    ],
)
def test_wrong_file_type_is_refused_and_nothing_saved(client, world, name, content, message):
    client.force_login(world.housing_user)
    bad = SimpleUploadedFile(name, content)
    response = upload(client, world.housing_task, [pdf("好的.pdf"), bad])
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Evidence.objects.exists()


def test_oversize_file_is_refused(client, world, settings):
    settings.EVIDENCE_MAX_BYTES = 50
    client.force_login(world.housing_user)
    response = upload(client, world.housing_task, [pdf()])
    assert response.status_code == 400
    assert "超过" in response.content.decode()
    assert not Evidence.objects.exists()


def test_no_file_is_a_field_error(client, world):
    client.force_login(world.housing_user)
    response = client.post(
        reverse("inspections:task_evidence", args=[world.housing_task.pk]),
        {"version": world.housing_task.version, "kind": "document"},
    )
    assert response.status_code == 400
    assert "请选择要上传的文件" in response.content.decode()


def withdraw(client, evidence, reason, version=None):
    return client.post(
        reverse("inspections:evidence_withdraw", args=[evidence.pk]),
        {"version": version or evidence.task.version, "reason": reason},
    )


def test_uploading_unit_withdraws_a_file_on_the_task_page_and_it_stays_listed(client, world):
    client.force_login(world.housing_user)
    upload(client, world.housing_task, [pdf("传错的文件.pdf")])
    evidence = Evidence.objects.get()
    page = client.get(world.housing_task.get_absolute_url()).content.decode()
    assert 'data-testid="withdraw-reason"' in page
    response = withdraw(client, evidence, "")
    assert response.status_code == 400 and "必须填写理由" in response.content.decode()
    assert withdraw(client, evidence, "传错了，应为验收报告").status_code == 302
    evidence.refresh_from_db()
    assert evidence.is_withdrawn and evidence.withdrawal_reason == "传错了，应为验收报告"
    page = client.get(world.housing_task.get_absolute_url()).content.decode()
    assert "传错的文件.pdf" in page and 'data-testid="evidence-withdrawn"' in page
    assert "传错了，应为验收报告" in page  # in the list and in the timeline
    assert 'data-testid="withdraw-reason"' not in page


def test_other_unit_gets_404_on_withdraw(client, world):
    client.force_login(world.housing_user)
    upload(client, world.housing_task, [pdf()])
    evidence = Evidence.objects.get()
    client.force_login(world.township_user)
    assert withdraw(client, evidence, "不是我的").status_code == 404
    assert not Evidence.objects.get().is_withdrawn


def test_evidence_upload_is_refused_on_the_page_after_the_closure_request(client, world):
    from inspections import services

    client.force_login(world.housing_user)
    upload(client, world.housing_task, [pdf()])
    services.task_submit(actor=world.housing_user, task=world.housing_task, reason="主体工程完工，扫尾中")
    world.housing_task.refresh_from_db()
    page = client.get(world.housing_task.get_absolute_url()).content.decode()
    assert 'data-testid="evidence-submit"' not in page and 'data-testid="withdraw-reason"' not in page
    response = upload(client, world.housing_task, [pdf("补充.pdf")])
    assert response.status_code == 409 and "不能再上传" in response.content.decode()
    services.task_verify(actor=world.staff, task=world.housing_task)
    world.housing_task.refresh_from_db()
    assert upload(client, world.housing_task, [pdf("补充.pdf")]).status_code == 409
    assert Evidence.objects.count() == 1
