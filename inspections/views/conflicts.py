"""An edit that lost the race ("该任务已被他人修改"): show theirs against mine and carry my changes onto the
new version, so the user re-applies instead of retyping (issue 18 item 3).

Three versions of each field: the one the form was opened on (the task's history row of that version),
theirs (saved now) and mine (posted). A field only they changed takes their value; a field only I changed
keeps mine; a field both changed differently keeps mine and is marked for a look. The new form carries the
new version, so saving it applies my changes on top of theirs.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from accounts.models import Unit

# (form field, how a value is shown)
TASK_FIELDS = (
    "lead_unit",
    "cooperating_units",
    "responsible_person",
    "deadline_text",
    "assigned_on",
    "goal",
    "measures",
)


@dataclass
class ConflictRow:
    name: str
    label: str
    theirs: str
    mine: str
    outcome: str  # "theirs": merged theirs; "mine": kept mine; "both": both changed, mine kept, check it


OUTCOME_LABELS = {
    "theirs": _("已采用他人的修改"),
    "mine": _("保留我的修改"),
    "both": _("双方都修改了：已保留我的修改，请核对"),
}


def _stored(task, name):
    if name == "lead_unit":
        return str(task.lead_unit_id)
    if name == "cooperating_units":
        return sorted(str(pk) for pk in task.cooperating_units.values_list("pk", flat=True))
    if name == "assigned_on":
        return task.assigned_on.isoformat() if task.assigned_on else ""
    return getattr(task, name) or ""


def _posted(data, name):
    if name == "cooperating_units":
        return sorted(v for v in data.getlist(name) if v)
    return (data.get(name) or "").replace("\r\n", "\n")


def _base(task, version: int, name):
    """The value when the form was opened (None when unknown: no history row, or a many-to-many)."""
    if name == "cooperating_units":
        return None
    row = task.history.filter(version=version).order_by("-history_date").first()
    if row is None:
        return None
    return _stored(row, name)


def _shown(name, value) -> str:
    if name in ("lead_unit", "cooperating_units"):
        pks = value if isinstance(value, list) else [value]
        names = dict(Unit.objects.filter(pk__in=[p for p in pks if str(p).isdigit()]).values_list("pk", "name"))
        return "、".join(names.get(int(p), str(p)) for p in pks if str(p).isdigit()) or "—"
    return str(value) or "—"


def rebase_edit(*, form_class, data, posted_version: int, current, **form_kwargs):
    """(a form bound to my changes on top of `current`, the rows that differ between theirs and mine)."""
    merged = data.copy()
    rows = []
    for name in TASK_FIELDS:
        theirs, mine, base = _stored(current, name), _posted(data, name), _base(current, posted_version, name)
        if theirs == mine:
            continue
        if base is not None and mine == base:
            outcome = "theirs"  # only they changed it
            if name == "cooperating_units":
                merged.setlist(name, theirs)
            else:
                merged[name] = theirs
        elif base is not None and theirs == base:
            outcome = "mine"
        else:
            outcome = "both"
        label = form_class.base_fields[name].label
        rows.append(ConflictRow(name, str(label), _shown(name, theirs), _shown(name, mine), outcome))
    merged["version"] = str(current.version)
    return form_class(merged, task=current, **form_kwargs), rows
