"""Filing (销号报备): the 销号审批表 as a Word form (python-docx) and its PDF (LibreOffice headless), and the batch
销号报备 list of a round as a workbook in the ledger's style (title row, 填报单位 / 填报日期, header, one row per task).
Text from the data is written as text, never as a formula."""

import io
import subprocess
import tempfile
from pathlib import Path

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side

from .. import workflow

FILING_HEADER = (
    "序号",
    "问题编号",
    "反馈问题",
    "牵头单位",
    "责任领导",
    "整改措施",
    "原定期限",
    "调整后期限",
    "验收日期及验收人",
    "公示期",
    "审签人及时间",
    "复核人及时间",
    "销号报备人及时间",
    "销号时间",
)


def sheet_pdf(request, context) -> io.BytesIO:
    """The 销号审批表 as PDF: the Word form (`sheet_docx`) converted by LibreOffice headless, so the PDF and the
    .docx show the same ruled table (LibreOffice's HTML import lost the borders and the round's name)."""
    task, record = context["task"], context["record"]
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "sheet.docx"
        source.write_bytes(sheet_docx(task, record).getvalue())
        subprocess.run(
            [
                "soffice",
                f"-env:UserInstallation=file://{tmp}/profile",
                "--headless",
                "--convert-to",
                "pdf",
                "--outdir",
                tmp,
                str(source),
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )
        return io.BytesIO((Path(tmp) / "sheet.pdf").read_bytes())


def _text(cell, value) -> None:
    cell.value = "" if value is None else str(value)
    cell.data_type = "s"  # a value starting with "=" stays text


def _step(task, action) -> str:
    events = [e for e in task.step_events if e.action == action]
    if not events:
        return ""
    e = events[-1]
    who = e.actor.display_name if e.actor else ""
    return f"{who} {timezone.localtime(e.at):%Y-%m-%d}"


def filing_list_xlsx(inspection_round, tasks) -> io.BytesIO:
    wb = Workbook()
    ws = wb.active
    ws.title = "销号报备清单"
    thin = Side(style="thin")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    wrap = Alignment(wrap_text=True, vertical="center")
    width = len(FILING_HEADER)
    _text(ws.cell(row=1, column=1), f"{inspection_round.name}整改任务销号报备清单")
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    ws.cell(row=1, column=1).font = Font(size=16, bold=True)
    ws.cell(row=1, column=1).alignment = Alignment(horizontal="center")
    _text(ws.cell(row=2, column=1), "填报单位：")
    _text(ws.cell(row=2, column=width - 2), f"填报日期：{timezone.localdate():%Y年%m月%d日}")
    for col, title in enumerate(FILING_HEADER, 1):
        cell = ws.cell(row=3, column=col)
        _text(cell, title)
        cell.font, cell.border, cell.alignment = Font(bold=True), border, Alignment(horizontal="center", wrap_text=True)
    for index, task in enumerate(tasks, 1):
        acceptance = next(iter(task.acceptances.all()), None)
        notice = next(iter(task.notices.all()), None)
        leader = task.finding.responsible_leader
        row = (
            index,
            task.code,
            task.finding.summary,
            task.lead_unit.name,
            leader.display_name if leader else "",
            task.measures,
            task.original_deadline_text or task.deadline_text,
            task.deadline_text if task.original_deadline_text else "",
            f"{acceptance.checked_on:%Y-%m-%d} {acceptance.acceptor_names}" if acceptance else _step(task, "verify"),
            f"{notice.starts_on:%Y-%m-%d}至{notice.ends_on:%Y-%m-%d}" if notice else "",
            _step(task, workflow.Action.CLOSE),
            _step(task, workflow.Action.RECHECK),
            _step(task, workflow.Action.FILE),
            f"{timezone.localtime(task.signed_off_at):%Y-%m-%d}" if task.signed_off_at else "",
        )
        for col, value in enumerate(row, 1):
            cell = ws.cell(row=3 + index, column=col)
            if isinstance(value, int):
                cell.value = value
            else:
                _text(cell, value)
            cell.border, cell.alignment = border, wrap
    for col, w in zip("ABCDEFGHIJKLMN", (6, 9, 36, 16, 10, 36, 14, 14, 28, 22, 18, 18, 18, 12), strict=True):
        ws.column_dimensions[col].width = w
    ws.freeze_panes = "A4"
    ws.print_title_rows = "3:3"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    return out


def sheet_docx(task, record) -> io.BytesIO:
    """The 销号审批表 as a Word document (python-docx): the same rows as the print page, for offices that
    sign and stamp a printed Word form. Every value is written as text."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Pt

    document = Document()
    style = document.styles["Normal"]
    style.font.name, style.font.size = "宋体", Pt(10.5)
    style.element.rPr.rFonts.set(qn("w:eastAsia"), "宋体")
    title = document.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = title.add_run(f"{task.round.name}\n整改任务销号审批表")
    run.bold, run.font.size = True, Pt(16)

    table = document.add_table(rows=0, cols=4)
    table.style = "Table Grid"

    def row(*cells, span: bool = False):
        cells_out = table.add_row().cells
        if span:
            cells_out[0].text = str(cells[0])
            merged = cells_out[1].merge(cells_out[3])
            merged.text = str(cells[1])
        else:
            for cell, value in zip(cells_out, cells, strict=False):
                cell.text = "" if value is None else str(value)

    leader = task.finding.responsible_leader.display_name if task.finding.responsible_leader_id else ""
    row("问题编号", task.code, "问题类别", task.get_category_display())
    row("反馈问题", task.finding.summary, span=True)
    row("牵头单位", task.lead_unit.name, "责任领导", task.leader_text or leader)
    row("整改目标", task.goal, span=True)
    row("整改措施", task.measures, span=True)
    if task.original_deadline_text:
        row("整改时限", f"原定期限：{task.original_deadline_text}；调整后期限：{task.deadline_text}", span=True)
    else:
        row("整改时限", task.deadline_text, span=True)
    row("完成比例", f"{task.percent}%", "整改状态", task.get_status_display())
    evidence = "\n".join(
        f"{i}. {e.original_name}（{e.get_kind_display()}）{'【已撤回】' if e.is_withdrawn else ''}"
        for i, e in enumerate(record["evidence"], start=1)
    )
    row("佐证材料", evidence or "—", span=True)
    for a in record["acceptances"]:
        standards = "；".join(
            f"{s['label']}：{'是' if s['met'] else '否'}{'（' + s['note'] + '）' if s['note'] else ''}"
            for s in a.standards
        )
        text = f"{a.checked_on:%Y-%m-%d} {a.get_conclusion_display()}；验收人：{a.acceptor_names}\n{standards}"
        row("验收", text + (f"\n{a.opinion}" if a.opinion else ""), span=True)
    for n in record["notices"]:
        objections = "".join(
            f"\n异议：{o.content} — {o.get_decision_display()} {o.decision_note}" for o in n.objections.all()
        )
        row("公示", f"{n.starts_on:%Y-%m-%d} — {n.ends_on:%Y-%m-%d}，{n.where} {n.link}{objections}", span=True)
    row("办理过程", "签字人、日期、结论", span=True)
    for s in record["steps"]:
        row(s["label"], s["actor"], timezone.localtime(s["at"]).strftime("%Y-%m-%d %H:%M"), s["reason"])
    document.add_paragraph()
    document.add_paragraph(f"打印日期：{timezone.localdate():%Y年%m月%d日}")
    out = io.BytesIO()
    document.save(out)
    out.seek(0)
    return out
