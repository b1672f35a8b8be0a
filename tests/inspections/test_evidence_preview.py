"""Issue 18 item 6: evidence previewed inline (images and PDFs, access-checked, nosniff, a policy that lets the
browser show it in a frame of this site), and a type and description per file in a multi-file upload."""

import io
import struct
import zipfile
import zlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from rest_framework.test import APIClient
from workflow_setup import PDF_BYTES, pdf, world

from inspections import services
from inspections.choices import EventKind, EvidenceKind
from inspections.models import Evidence

pytestmark = pytest.mark.django_db


def png_bytes(width=4, height=3):
    """A real (tiny, green) PNG."""

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = b"".join(b"\x00" + b"\x20\xa0\x40" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


def png(name="现场照片.png"):
    return SimpleUploadedFile(name, png_bytes(), content_type="image/png")


def zip_file(name="台账.zip"):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("a.txt", "台账")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="application/zip")


def add(world, files, **kwargs):
    return services.task_evidence_add(actor=world.housing_user, task=world.housing_task, files=files, **kwargs)


@pytest.mark.parametrize(("make", "content_type"), [(pdf, "application/pdf"), (png, "image/png")])
def test_preview_is_inline_with_its_type_nosniff_and_a_frameable_policy(client, world, make, content_type):
    (evidence,) = add(world, [make()])
    client.force_login(world.staff)
    response = client.get(reverse("inspections:evidence_preview", args=[evidence.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert response["Content-Disposition"].startswith("inline;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    assert response["Cache-Control"] == "private, no-store"
    policy = response["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "frame-ancestors 'self'" in policy
    assert "script-src" not in policy and "sandbox" not in policy
    body = b"".join(response.streaming_content)
    assert body == (PDF_BYTES if content_type == "application/pdf" else png_bytes())


def test_other_types_are_never_previewed(client, world):
    (evidence,) = add(world, [zip_file()])
    client.force_login(world.staff)
    assert client.get(reverse("inspections:evidence_preview", args=[evidence.pk])).status_code == 404
    assert client.get(reverse("inspections:evidence_download", args=[evidence.pk])).status_code == 200


def test_preview_goes_through_the_access_check(client, world):
    (evidence,) = add(world, [pdf()])
    client.force_login(world.township_user)  # another unit: the same 404 as a missing file
    assert client.get(reverse("inspections:evidence_preview", args=[evidence.pk])).status_code == 404
    client.logout()
    assert client.get(reverse("inspections:evidence_preview", args=[evidence.pk])).status_code == 302


def test_task_page_shows_the_previews(client, world):
    image, document = add(world, [png(), pdf()])
    client.force_login(world.housing_user)
    page = client.get(world.housing_task.get_absolute_url()).content.decode()
    assert f'<img src="{reverse("inspections:evidence_preview", args=[image.pk])}"' in page
    assert f'<iframe src="{reverse("inspections:evidence_preview", args=[document.pk])}#view=FitH"' in page


def test_each_file_gets_its_own_type_and_description(world):
    photo, report = add(
        world,
        [png(), pdf()],
        kind=EvidenceKind.DOCUMENT,
        description="共同说明",
        kinds=[EvidenceKind.PHOTO, ""],
        descriptions=["整改后现场", ""],
    )
    assert (photo.kind, photo.description) == (EvidenceKind.PHOTO, "整改后现场")
    assert (report.kind, report.description) == (EvidenceKind.DOCUMENT, "共同说明")  # empty: the common ones
    event = world.housing_task.events.get(kind=EventKind.EVIDENCE)
    assert "现场照片.png（现场照片）" in event.reason and "整改报告.pdf（文件资料）" in event.reason


def test_per_file_lists_must_match_the_files(world):
    with pytest.raises(ValidationError):
        add(world, [pdf(), pdf("二.pdf")], kinds=[EvidenceKind.PHOTO])
    with pytest.raises(ValidationError):
        add(world, [pdf()], kinds=["nonsense"])
    assert not Evidence.objects.exists()


def test_page_upload_with_a_type_and_description_per_file(client, world):
    client.force_login(world.housing_user)
    response = client.post(
        reverse("inspections:task_evidence", args=[world.housing_task.pk]),
        {
            "version": world.housing_task.version,
            "kind": EvidenceKind.DOCUMENT,
            "description": "",
            "files": [png(), pdf("验收报告.pdf")],
            "file_kind": [EvidenceKind.PHOTO, EvidenceKind.ACCEPTANCE],
            "file_description": ["整改后现场", "验收意见"],
        },
    )
    assert response.status_code == 302
    rows = dict(Evidence.objects.values_list("original_name", "description"))
    assert rows == {"现场照片.png": "整改后现场", "验收报告.pdf": "验收意见"}
    assert Evidence.objects.get(original_name="现场照片.png").kind == EvidenceKind.PHOTO


def test_api_upload_with_a_type_and_description_per_file(world):
    client = APIClient()
    client.force_authenticate(world.housing_user)
    response = client.post(
        reverse("api:task-evidence-list", args=[world.housing_task.pk]),
        {
            "expected_version": world.housing_task.version,
            "files": [png(), pdf()],
            "kinds": [EvidenceKind.PHOTO, ""],
            "descriptions": ["整改后现场", "报告"],
        },
        format="multipart",
    )
    assert response.status_code == 201, response.content
    body = {row["original_name"]: (row["kind"], row["description"]) for row in response.json()}
    assert body == {"现场照片.png": (EvidenceKind.PHOTO, "整改后现场"), "整改报告.pdf": (EvidenceKind.DOCUMENT, "报告")}


def test_api_refuses_per_file_lists_of_the_wrong_length(world):
    client = APIClient()
    client.force_authenticate(world.housing_user)
    response = client.post(
        reverse("api:task-evidence-list", args=[world.housing_task.pk]),
        {"expected_version": world.housing_task.version, "files": [png(), pdf()], "descriptions": ["只有一项"]},
        format="multipart",
    )
    assert response.status_code == 400 and not Evidence.objects.exists()


def test_withdrawal_still_works_after_a_per_file_upload(client, world):
    (evidence,) = add(world, [pdf()], kinds=[EvidenceKind.PHOTO], descriptions=["误传"])
    world.housing_task.refresh_from_db()
    client.force_login(world.housing_user)
    response = client.post(
        reverse("inspections:evidence_withdraw", args=[evidence.pk]),
        {"version": world.housing_task.version, "reason": "传错了文件"},
    )
    assert response.status_code == 302
    evidence.refresh_from_db()
    assert evidence.is_withdrawn and evidence.withdrawal_reason == "传错了文件"
