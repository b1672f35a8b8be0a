"""Import an inspection team's batch file (第N批交办件): read every row, check it all, write all or nothing.

The file reading is the ledger's (title rows, line-broken and synonym headers, full-width folding,
merged cells, size and row limits). The round comes from --round / the page's choice, else a 督察轮次
column, else the title row ("…督察组交办…（第N批）"); a round not yet registered is created and listed.
The batch number comes from a 批次 column or the title. Re-importing a file updates its cases in place
(key: round + batch + 受理编号) and leaves the unit's handling alone. Repeats (重复件) are linked after
the rows are written, so that a complaint repeated inside one file is found too; the preview is the
same run rolled back, so it lists exactly the links the import will store.
"""

import os
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from ..access import IMPORT_COMPLAINTS, require
from ..choices import CaseChannel, PollutionType
from ..ledger.services import LedgerRefused, check_upload, open_sheet, read_table, round_kind_from_name
from ..models import ComplaintCase, ComplaintEvent, InspectionRound
from ..services import round_create
from . import services
from .columns import IMPORT_BY_KEY, REQUIRED_KEYS, match_headers
from .repeats import find_repeats, normalise

IMPORT_REASON = "交办件导入"
BATCH_SIZE = 2000
_DIGITS = re.compile(r"\d+")
_CN_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_TITLE_BATCH = re.compile(r"第\s*([0-9一二两三四五六七八九十百零〇]+)\s*批")
_TITLE_DATE = re.compile(r"(\d{4})\s*[年.\-/]\s*(\d{1,2})\s*[月.\-/]\s*(\d{1,2})")
_TEAM_SUFFIX = re.compile(r"第[一二三四五六七八九十\d]+督察组$")
UPDATE_FIELDS = ["seq", "channel", "summary", "summary_normalised", "region", "pollution_type", "is_key"]
CONTACT_FIELDS = ["complainant", "complainant_contact"]


class ComplaintFileRefused(LedgerRefused):
    """The file is refused as a whole (same meaning as the ledger's refusal)."""


@dataclass
class RowError:
    row: int
    column: str
    message: str


@dataclass
class ParsedCase:
    row: int
    seq: int
    code: str
    summary: str
    region: str
    pollution_type: str
    channel: str
    is_key: bool
    batch: int | None
    round_name: str
    received_on: date | None
    deadline: date | None
    complainant: str
    contact: str


@dataclass
class SuggestedRepeat:
    code: str
    batch: int
    original_code: str
    original_batch: int
    score: float
    by_code: bool


@dataclass
class ImportPlan:
    rows: int = 0
    round_name: str = ""
    round_new: bool = False
    batches: list = field(default_factory=list)  # batch numbers in the file
    batches_new: list = field(default_factory=list)
    cases_new: int = 0
    cases_updated: int = 0
    cases_unchanged: int = 0
    repeats: list = field(default_factory=list)  # SuggestedRepeat
    errors: list = field(default_factory=list)
    written: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    def error(self, row: int, column: str, message: str) -> None:
        self.errors.append(RowError(row, column, message))


def chinese_number(text: str) -> int | None:
    """ "5", "五", "十二", "二十三", "一百零五" → int (up to 999)."""
    text = (text or "").strip()
    if not text:
        return None
    if text.isdigit():
        return int(text)
    total, current = 0, 0
    for char in text:
        if char in _CN_DIGITS:
            current = _CN_DIGITS[char]
        elif char == "十":
            total += (current or 1) * 10
            current = 0
        elif char == "百":
            total += (current or 1) * 100
            current = 0
        else:
            return None
    return total + current or None


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _date(value) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    match = _TITLE_DATE.search(_text(value))
    if match:
        try:
            return date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            return None
    return None


def pollution_from_text(value) -> str:
    text = _text(value)
    if not text:
        return PollutionType.OTHER
    first = re.split(r"[、,，;；/\s]+", text)[0] or text
    for words, kind in (
        (("辐射", "电磁"), PollutionType.RADIATION),
        (("噪声", "噪音", "振动"), PollutionType.NOISE),
        (("大气", "废气", "扬尘", "油烟", "异味", "臭气", "烟尘", "粉尘", "空气"), PollutionType.AIR),
        (("土壤", "固废", "固体废物", "危废", "垃圾"), PollutionType.SOIL),
        (("生态", "林地", "采砂", "矿山", "湿地"), PollutionType.ECOLOGY),
        (("水", "污水", "河", "黑臭"), PollutionType.WATER),
        (("其他", "其它"), PollutionType.OTHER),
    ):
        if any(word in first for word in words):
            return kind
    return PollutionType.OTHER


def channel_from(value, code: str) -> str:
    text = _text(value) + code
    if "来电" in text or "电话" in text or code.upper().startswith("D"):
        return CaseChannel.PHONE
    if "来信" in text or "信件" in text or "邮箱" in text or code.upper().startswith("X"):
        return CaseChannel.LETTER
    return CaseChannel.OTHER


def _flag(value) -> bool:
    text = _text(value)
    return bool(text) and text not in ("否", "无", "0", "N", "n", "-", "—", "×")


def title_round_and_batch(preamble: list[str]) -> tuple[str, int | None, date | None]:
    """From the title row: the round ("…督察组交办…" → the text before 交办 without the team), the batch
    (（第N批）) and a date if the title carries one."""
    for text in preamble:
        text = unicodedata.normalize("NFKC", text)
        batch_match = _TITLE_BATCH.search(text)
        if "交办" not in text and not batch_match:
            continue
        round_name = ""
        if "交办" in text:
            round_name = _TEAM_SUFFIX.sub("", text.split("交办")[0].strip())
            round_name = re.sub(r"督察组$", "督察", round_name).strip(" ：:")
        batch = chinese_number(batch_match[1]) if batch_match else None
        return round_name[:120], batch, _date(text)
    return "", None, None


def _label(header, key: str) -> str:
    return header.labels.get(key) or IMPORT_BY_KEY[key].header


def _resolve_round(name: str) -> InspectionRound | None:
    if not name:
        return None
    exact = InspectionRound.objects.filter(name=name).first()
    if exact:
        return exact
    candidates = [r for r in InspectionRound.objects.all() if r.name in name or name in r.name]
    return max(candidates, key=lambda r: len(r.name)) if candidates else None


def read_file(path, plan: ImportPlan):
    workbook, sheet = open_sheet(path)
    try:
        header, rows = read_table(
            sheet,
            match=match_headers,
            required_keys=REQUIRED_KEYS,
            header_of=lambda key: IMPORT_BY_KEY[key].header,
            not_found=_("没有找到表头行：前 30 行中应有一行包含“受理编号”“交办问题基本情况”“行政区域”等列名。"),
        )
        return header, list(rows)
    except LedgerRefused:
        raise
    except Exception as exc:
        raise LedgerRefused(_("工作表内容已损坏，无法读取，请用 Excel 或 WPS 打开后重新保存为 .xlsx 再上传。")) from exc
    finally:
        workbook.close()


def _parse(plan: ImportPlan, header, rows, *, title_round: str, title_batch, default_batch) -> list[ParsedCase]:
    parsed = []
    seen = {}
    for index, (number, cells) in enumerate(rows, start=1):
        plan.rows += 1
        before = len(plan.errors)
        code = _text(cells.get("code"))
        if not code:
            plan.error(number, _label(header, "code"), _("受理编号不能为空。"))
        elif len(code) > 64:
            plan.error(number, _label(header, "code"), _("受理编号过长（超过 64 个字符）。"))
        summary = _text(cells.get("summary"))
        if not summary:
            plan.error(number, _label(header, "summary"), _("交办问题基本情况不能为空。"))
        batch = None
        if "batch" in header.columns and _text(cells.get("batch")):
            raw = _text(cells.get("batch"))
            found = _TITLE_BATCH.search(raw)
            batch = chinese_number(found[1] if found else raw.replace("批", ""))
            if batch is None:
                plan.error(number, _label(header, "batch"), _("无法识别的批次：“%(value)s”。") % {"value": raw})
        batch = batch or title_batch or default_batch
        if batch is None and len(plan.errors) == before:
            plan.error(
                number,
                _label(header, "batch") if "batch" in header.columns else "交办批次",
                _("无法确定交办批次：文件标题应写明“（第N批）”，或者有“交办批次”列。"),
            )
        round_name = _text(cells.get("round")) or title_round
        key = (round_name, batch, code)
        if code and key in seen:
            plan.error(
                number,
                _label(header, "code"),
                _("受理编号 %(code)s 与第 %(row)s 行重复（同一批次）。") % {"code": code, "row": seen[key]},
            )
        seen.setdefault(key, number)
        if len(plan.errors) > before:
            continue
        seq = cells.get("seq")
        seq = int(seq) if isinstance(seq, (int, float)) and not isinstance(seq, bool) and seq >= 1 else index
        parsed.append(
            ParsedCase(
                row=number,
                seq=int(seq),
                code=code,
                summary=summary[:20000],
                region=_text(cells.get("region"))[:100],
                pollution_type=pollution_from_text(cells.get("pollution")),
                channel=channel_from(cells.get("channel"), code),
                is_key=_flag(cells.get("is_key")),
                batch=batch,
                round_name=round_name,
                received_on=_date(cells.get("received_on")),
                deadline=_date(cells.get("deadline")),
                complainant=_text(cells.get("complainant"))[:100],
                contact=_text(cells.get("contact"))[:100],
            )
        )
    return parsed


class _DryRun(Exception):
    """Raised inside the transaction to roll a preview back."""


def run_import(path, *, actor, default_round: InspectionRound | None = None, dry_run: bool = False) -> ImportPlan:
    """Check the file and write it (or, with dry_run, write it and roll back: the preview)."""
    require(actor, IMPORT_COMPLAINTS)
    check_upload(str(path), os.path.getsize(path))
    plan = ImportPlan()
    header, rows = read_file(path, plan)
    title_round, title_batch, title_date = title_round_and_batch(header.preamble)
    parsed = _parse(plan, header, rows, title_round=title_round, title_batch=title_batch, default_batch=None)
    if plan.rows == 0:
        raise LedgerRefused(_("表头下面没有数据行。"))
    if default_round is not None:
        for row in parsed:
            row.round_name = default_round.name
    names = {row.round_name for row in parsed}
    if "" in names or (not names and not plan.errors):
        plan.error(header.row, "督察轮次", _("无法确定督察轮次：请选择督察轮次，或在文件标题中写明“……督察组交办……”。"))
    elif len(names) > 1:
        plan.error(
            header.row,
            "督察轮次",
            _("一个文件只能导入一个督察轮次的交办件（文件中有：%(names)s）。") % {"names": "、".join(sorted(names))},
        )
    if not plan.ok:
        return plan
    plan.round_name = names.pop()
    try:
        with transaction.atomic():
            _apply(plan, parsed, actor, default_round=default_round, title_date=title_date)
            if dry_run:
                raise _DryRun
    except _DryRun:
        return plan
    plan.written = True
    return plan


def _apply(plan: ImportPlan, parsed: list[ParsedCase], actor, *, default_round, title_date) -> None:
    now = timezone.now()
    inspection_round = default_round or _resolve_round(plan.round_name)
    if inspection_round is None:
        kind, number = round_kind_from_name(plan.round_name)
        inspection_round = round_create(actor=actor, name=plan.round_name, kind=kind, batch=number)
        plan.round_new = True
    plan.round_name = inspection_round.name
    batches = {}
    for number in sorted({row.batch for row in parsed}):
        first = next(row for row in parsed if row.batch == number)
        received_on = first.received_on or title_date or timezone.localdate()
        batch, created = services.batch_get_or_create(
            actor=actor, inspection_round=inspection_round, number=number, received_on=received_on
        )
        if created and first.deadline and first.deadline >= received_on:
            batch.reply_deadline = first.deadline
            batch.reply_days = (first.deadline - received_on).days
            batch.save(update_fields=["reply_deadline", "reply_days"])
        batches[number] = batch
        plan.batches.append(number)
        if created:
            plan.batches_new.append(number)
    existing = {
        (case.batch_id, case.code): case
        for case in ComplaintCase.objects.filter(batch__in=batches.values(), code__in={row.code for row in parsed})
    }
    new, changed = [], []
    for row in parsed:
        batch = batches[row.batch]
        values = {
            "seq": row.seq,
            "channel": row.channel,
            "summary": row.summary,
            "summary_normalised": normalise(row.summary),
            "region": row.region,
            "pollution_type": row.pollution_type,
            "is_key": row.is_key,
        }
        # A file without the contact columns leaves what an earlier file recorded.
        if row.complainant:
            values["complainant"] = row.complainant
        if row.contact:
            values["complainant_contact"] = row.contact
        case = existing.get((batch.pk, row.code))
        if case is None:
            new.append(ComplaintCase(batch=batch, round=inspection_round, code=row.code, created_at=now, **values))
        elif any(getattr(case, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(case, name, value)
            case.version += 1
            case.updated_at = now
            changed.append(case)
        else:
            plan.cases_unchanged += 1
    plan.cases_new, plan.cases_updated = len(new), len(changed)
    if new:
        bulk_create_with_history(new, ComplaintCase, batch_size=BATCH_SIZE, default_change_reason=IMPORT_REASON)
        if any(case.pk is None for case in new):  # backends without RETURNING
            ids = {(c.batch_id, c.code): c.pk for c in ComplaintCase.objects.filter(batch__in=batches.values())}
            for case in new:
                case.pk = case.id = ids[(case.batch_id, case.code)]
    if changed:
        bulk_update_with_history(
            changed,
            ComplaintCase,
            [*UPDATE_FIELDS, *CONTACT_FIELDS, "version", "updated_at"],
            batch_size=BATCH_SIZE,
            default_change_reason=IMPORT_REASON,
        )
    events = [
        ComplaintEvent(case=case, actor=actor, at=now, action="imported", to_status=case.status, note=IMPORT_REASON)
        for case in new
    ] + [
        ComplaintEvent(case=case, actor=actor, at=now, action="reimported", note=f"{IMPORT_REASON}更新")
        for case in changed
    ]
    ComplaintEvent.objects.bulk_create(events, batch_size=BATCH_SIZE)
    _link_repeats(plan, new, actor, now)


def _link_repeats(plan: ImportPlan, new: list[ComplaintCase], actor, now) -> None:
    if not new:
        return
    links = {link.case_id: link for link in find_repeats(new)}
    if not links:
        return

    def root(case_id):
        seen = set()
        while case_id in links and case_id not in seen:
            seen.add(case_id)
            case_id = links[case_id].original_id
        return case_id

    by_pk = {case.pk: case for case in new}
    originals = {c.pk: c for c in ComplaintCase.objects.filter(pk__in={root(i) for i in links}).select_related("batch")}
    linked, events = [], []
    for case_id, link in links.items():
        case = by_pk[case_id]
        original = originals[root(case_id)]
        case.repeat_of_id, case.repeat_score = original.pk, link.score
        linked.append(case)
        plan.repeats.append(
            SuggestedRepeat(
                case.code, case.batch.number, original.code, original.batch.number, link.score, link.by_code
            )
        )
        how = "受理编号相同" if link.by_code else f"内容相似度 {link.score:.0%}"
        events.append(
            ComplaintEvent(
                case=case,
                actor=actor,
                at=now,
                action="repeat",
                note=f"重复件：同第{original.batch.number}批 {original.code}（{how}）",
            )
        )
    ComplaintCase.objects.bulk_update(linked, ["repeat_of", "repeat_score"], batch_size=BATCH_SIZE)
    ComplaintEvent.objects.bulk_create(events, batch_size=BATCH_SIZE)
    plan.repeats.sort(key=lambda r: (r.batch, r.code))


def import_path(path, *, actor, default_round=None, dry_run=False) -> ImportPlan:
    return run_import(path, actor=actor, default_round=default_round, dry_run=dry_run)


__all__ = ["ImportPlan", "LedgerRefused", "check_upload", "import_path", "run_import"]
