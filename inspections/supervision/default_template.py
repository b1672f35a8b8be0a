"""Builds the shipped default Word templates of the 督办文书, one per kind (docx/notice.docx 督办通知,
docx/letter.docx 专函督办, docx/interview.docx 约谈通知), with python-docx.

Official-document layout (党政机关公文格式): 发文机关 in red over a red rule, 文号, 标题, 主送单位, 正文 with
the task list, 落款 and 日期; the 约谈通知 adds the date, place, person and attendees of the interview. The tags
are docxtpl's (Jinja2); the bureau may open a file in Word, restyle it, keep the tags, and upload it in the admin
(督办文书模板) for its kind.
Run: .venv/bin/python -m inspections.supervision.default_template
"""

from pathlib import Path

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

TEMPLATE_DIR = Path(__file__).with_name("docx")
# kind (SupervisionKind value) -> its shipped template
DEFAULT_TEMPLATES = {
    "notice": TEMPLATE_DIR / "notice.docx",
    "letter": TEMPLATE_DIR / "letter.docx",
    "interview": TEMPLATE_DIR / "interview.docx",
}
RED = RGBColor(0xC0, 0x00, 0x00)
BODY_FONT, TITLE_FONT = "仿宋_GB2312", "方正小标宋简体"


def _font(run, name: str, size: float, *, bold=False, colour=None):
    run.font.name = name
    run.font.size = Pt(size)
    run.font.bold = bold
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), name)
    if colour is not None:
        run.font.color.rgb = colour
    return run


def _paragraph(doc, text="", *, align=None, size=16, font=BODY_FONT, bold=False, colour=None, indent=False):
    paragraph = doc.add_paragraph()
    if align is not None:
        paragraph.alignment = align
    if indent:
        paragraph.paragraph_format.first_line_indent = Pt(size * 2)
    if text:
        _font(paragraph.add_run(text), font, size, bold=bold, colour=colour)
    return paragraph


def _red_rule(paragraph):
    """A red line under the paragraph (版头中的分隔线)."""
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("w:val", "single"), ("w:sz", "18"), ("w:space", "4"), ("w:color", "C00000")):
        bottom.set(qn(key), value)
    borders.append(bottom)
    paragraph._p.get_or_add_pPr().append(borders)


def _page(doc) -> None:
    section = doc.sections[0]
    section.page_height, section.page_width = Cm(29.7), Cm(21.0)
    section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
    section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)


def _head(doc, issuer_line: str) -> None:
    """版头: the issuing body in red, the 文号 over a red rule, the title, the addressee."""
    _paragraph(doc, issuer_line, align=WD_ALIGN_PARAGRAPH.CENTER, size=26, font=TITLE_FONT, colour=RED)
    _red_rule(_paragraph(doc, "{{ doc_number }}", align=WD_ALIGN_PARAGRAPH.CENTER))
    _paragraph(doc)
    _paragraph(doc, "{{ title }}", align=WD_ALIGN_PARAGRAPH.CENTER, size=22, font=TITLE_FONT)
    _paragraph(doc)
    _paragraph(doc, "{{ unit }}：")


def _task_table(doc, intro: str) -> None:
    _paragraph(doc, intro, indent=True)
    table = doc.add_table(rows=4, cols=5)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, text in zip(table.rows[0].cells, ("任务编号", "问题及整改任务", "整改时限", "完成比例", "进度状况")):
        _font(cell.paragraphs[0].add_run(text), BODY_FONT, 12, bold=True)
    _font(table.rows[1].cells[0].paragraphs[0].add_run("{%tr for t in tasks %}"), BODY_FONT, 12)
    for cell, text in zip(
        table.rows[2].cells,
        ("{{ t.code }}", "{{ t.summary }}", "{{ t.deadline }}", "{{ t.percent }}%", "{{ t.warning }}"),
    ):
        _font(cell.paragraphs[0].add_run(text), BODY_FONT, 12)
    _font(table.rows[3].cells[0].paragraphs[0].add_run("{%tr endfor %}"), BODY_FONT, 12)
    _paragraph(doc)


def _signature(doc) -> None:
    """落款 and 日期, right-aligned."""
    _paragraph(doc)
    _paragraph(doc, "{{ issuer }}", align=WD_ALIGN_PARAGRAPH.RIGHT)
    _paragraph(doc, "{{ date }}", align=WD_ALIGN_PARAGRAPH.RIGHT)


def _reply_request(doc, text: str) -> None:
    _paragraph(doc, "{%p if reply_due %}")
    _paragraph(doc, text, indent=True)
    _paragraph(doc, "{%p endif %}")


def _notice(doc) -> None:
    """督办通知: the notice with the tasks and a reply date."""
    _head(doc, "{{ issuer }}")
    _paragraph(doc, "{{ body }}", indent=True)
    _task_table(doc, "涉及整改任务如下：")
    _reply_request(doc, "请于{{ reply_due }}前将整改落实情况书面报送我办。")
    _paragraph(doc, "特此通知。", indent=True)
    _signature(doc)


def _letter(doc) -> None:
    """专函督办: a formal letter (督办函), firmer, with the reply date and what happens without a reply."""
    _head(doc, "{{ issuer }}督办函")
    _paragraph(doc, "{{ body }}", indent=True)
    _task_table(doc, "经调度，你单位牵头的下列整改任务进展滞后，现予专函督办：")
    _reply_request(
        doc, "请你单位主要负责同志亲自过问，于{{ reply_due }}前将整改进展、存在问题及下一步措施书面报送我办。"
    )
    _paragraph(doc, "逾期未报送或整改不力的，将按规定予以约谈、通报。", indent=True)
    _paragraph(doc, "特此函告。", indent=True)
    _signature(doc)


def _interview(doc) -> None:
    """约谈通知: the date, place, person summoned and attendees of the interview, and the tasks behind it."""
    _head(doc, "{{ issuer }}")
    _paragraph(doc, "{{ body }}", indent=True)
    _paragraph(doc, "一、约谈时间：{{ interview_at }}", indent=True)
    _paragraph(doc, "二、约谈地点：{{ interview_place }}", indent=True)
    _paragraph(doc, "三、约谈对象：{{ person }}{% if position %}（{{ position }}）{% endif %}", indent=True)
    _paragraph(doc, "四、参加人员：{{ attendees or '由约谈对象确定分管负责同志及具体经办人员' }}", indent=True)
    _task_table(doc, "五、约谈事项（涉及整改任务）：")
    _paragraph(doc, "请约谈对象准时参加，并准备整改情况书面汇报材料，不得委托他人代为参加。", indent=True)
    _signature(doc)


BUILDERS = {"notice": _notice, "letter": _letter, "interview": _interview}


def build(kind: str, path: Path | None = None) -> Path:
    path = path or DEFAULT_TEMPLATES[kind]
    doc = Document()
    _page(doc)
    BUILDERS[kind](doc)
    path.parent.mkdir(parents=True, exist_ok=True)
    doc.save(path)
    return path


if __name__ == "__main__":
    for kind in DEFAULT_TEMPLATES:
        print(build(kind))
