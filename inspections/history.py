"""Field-level change history (django-simple-history) as readable diffs for object pages.

`field_changes(obj)` costs one query for the records (with their users) plus one per kind of
referenced object that appears in a change (units, users ...), however many records there are.
"""

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _

# Bookkeeping columns that change on every write and mean nothing to a reader.
HIDDEN_FIELDS = frozenset({"version", "updated_at", "path", "password", "last_login"})
EMPTY = "—"


@dataclass(frozen=True)
class FieldChange:
    field: str  # attribute name, e.g. "lead_unit"
    label: str  # verbose name, e.g. "牵头单位"
    old: str
    new: str


@dataclass(frozen=True)
class HistoryEntry:
    at: datetime
    user: object  # accounts.User or None (a change made outside any request or service actor)
    kind: str  # "+" created, "~" changed, "-" deleted
    reason: str
    changes: list[FieldChange] = field(default_factory=list)

    @property
    def kind_label(self) -> str:
        return {"+": _("创建"), "~": _("修改"), "-": _("删除")}.get(self.kind, self.kind)


def field_changes(obj, *, limit: int = 50, known=()) -> list[HistoryEntry]:
    """The newest `limit` history records of `obj`, newest first, each with its changed fields.

    A referenced object already in hand is not loaded again: the records' own users, and `known` (e.g. the
    task's verifier and signer, already joined by the page), so that a closed task's page (whose history names
    who verified and who signed) runs no more queries than a new task's.

    A change record whose only differences are hidden bookkeeping (e.g. a version bump when
    evidence is attached) is left out; creation and deletion records are always kept.
    """
    records = list(obj.history.select_related("history_user").order_by("-history_date", "-history_id")[: limit + 1])
    concrete = obj._meta.concrete_model._meta.concrete_fields
    model_fields = {f.name: f for f in concrete}
    order = {f.name: i for i, f in enumerate(concrete)}
    raw = []  # (record, [(model field, old raw value, new raw value)])
    for index, record in enumerate(records[:limit]):
        previous = records[index + 1] if index + 1 < len(records) else None
        diffs = []
        if previous is not None and record.history_type != "-":
            delta = record.diff_against(previous, excluded_fields=HIDDEN_FIELDS)
            diffs = [(model_fields[c.field], c.old, c.new) for c in delta.changes if c.field in model_fields]
            diffs.sort(key=lambda d: order[d[0].name])  # the order the model declares its fields
        if diffs or record.history_type != "~":
            raw.append((record, diffs))

    in_hand = [record.history_user for record in records if record.history_user is not None]
    related = _load_related((diffs for _record, diffs in raw), known=[*in_hand, *(o for o in known if o is not None)])
    return [
        HistoryEntry(
            at=record.history_date,
            user=record.history_user,
            kind=record.history_type,
            reason=record.history_change_reason or "",
            changes=[
                FieldChange(
                    field=model_field.name,
                    label=str(model_field.verbose_name),
                    old=_display(model_field, old, related),
                    new=_display(model_field, new, related),
                )
                for model_field, old, new in diffs
            ],
        )
        for record, diffs in raw
    ]


def _load_related(diff_lists, *, known=()) -> dict:
    """One query per referenced model whose objects are not all `known`: {(model, pk): object} for every foreign
    key value in the diffs."""
    loaded = {(instance._meta.concrete_model, instance.pk): instance for instance in known}
    wanted: dict[type, set] = {}
    for diffs in diff_lists:
        for model_field, old, new in diffs:
            if isinstance(model_field, models.ForeignKey):
                model = model_field.related_model._meta.concrete_model
                missing = {v for v in (old, new) if v is not None and (model, v) not in loaded}
                if missing:
                    wanted.setdefault(model, set()).update(missing)
    for model, pks in wanted.items():
        for pk, instance in model._base_manager.in_bulk(pks).items():
            loaded[(model, pk)] = instance
    return loaded


def _display(model_field, value, related: dict) -> str:
    if value is None or value == "" or value == []:
        return EMPTY
    if isinstance(model_field, models.ForeignKey):
        instance = related.get((model_field.related_model._meta.concrete_model, value))
        return str(instance) if instance is not None else _("已删除的记录（编号 %(pk)s）") % {"pk": value}
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if isinstance(value, datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if timezone.is_aware(value) else str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, (list, tuple)) and value and all(isinstance(v, dict) and "step" in v for v in value):
        # A task's kept closure chain (销号流程): its steps by name, not the stored dicts.
        from .choices import ClosureStep

        labels = dict(ClosureStep.choices)
        return " → ".join(str(labels.get(v["step"], v["step"])) for v in value)
    if isinstance(value, (list, tuple)):
        return "、".join(str(v) for v in value)
    return str(value)
