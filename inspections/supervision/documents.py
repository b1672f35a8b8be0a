"""The 督办文书 (.docx) of an action, rendered with docxtpl from the kind's uploaded template or the shipped
default, and kept with the action (SupervisionAction.document). The print page shows the same context."""

from io import BytesIO

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from docxtpl import DocxTemplate

from ..choices import SupervisionKind, Warning
from ..models import RectificationTask, SupervisionAction, SupervisionTemplate
from .default_template import DEFAULT_TEMPLATES


def chinese_date(day) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def document_context(action: SupervisionAction, today=None) -> dict:
    """What the template (and the print page) fills in."""
    tasks = (
        RectificationTask.objects.filter(supervision_actions=action)
        .with_schedule(today or action.issued_on)
        .select_related("finding")
        .order_by("finding__number", "number")
    )
    interview_at = timezone.localtime(action.interview_at) if action.interview_at else None
    return {
        "issuer": settings.SUPERVISION_ISSUER,
        "bureau": settings.BUREAU_NAME,
        "doc_number": action.doc_number,
        "kind": action.get_kind_display(),
        "title": action.title,
        "unit": action.target_unit.name,
        "body": action.body,
        "interview": action.kind == SupervisionKind.INTERVIEW,
        "interview_at": f"{chinese_date(interview_at)} {interview_at:%H:%M}" if interview_at else "",
        "interview_place": action.interview_place,
        "attendees": "、".join(line.strip() for line in action.attendees.splitlines() if line.strip()),
        "person": action.target_person,
        "position": action.target_position,
        "reply_due": chinese_date(action.reply_due) if action.reply_due else "",
        "date": chinese_date(action.issued_on),
        "tasks": [
            {
                "code": t.code,
                "summary": t.finding.summary[:120],
                "deadline": t.deadline_text,
                "percent": t.percent,
                "warning": Warning(t.warning).label,
            }
            for t in tasks
        ],
    }


def template_path(kind: str):
    uploaded = SupervisionTemplate.objects.filter(kind=kind).first()
    if uploaded and uploaded.file:
        return uploaded.file.open("rb")
    return DEFAULT_TEMPLATES[kind]


def render_document(action: SupervisionAction) -> bytes:
    source = template_path(action.kind)
    try:
        template = DocxTemplate(source)
        template.render(document_context(action))
        out = BytesIO()
        template.save(out)
    finally:
        if hasattr(source, "close"):
            source.close()
    return out.getvalue()


def document_generate(*, action_id: int) -> str:
    """Render and keep the action's document (again, replacing the previous file); returns the stored name."""
    action = SupervisionAction.objects.select_related("target_unit").get(pk=action_id)
    content = render_document(action)
    with transaction.atomic():
        old = action.document.name if action.document else ""
        action.document.save(f"supervision-{action.pk}.docx", ContentFile(content), save=False)
        SupervisionAction.objects.filter(pk=action.pk).update(document=action.document.name)
    if old and old != action.document.name:
        action.document.storage.delete(old)
    return action.document.name


def document_filename(action: SupervisionAction) -> str:
    return f"{action.doc_number}{action.get_kind_display()}.docx"
