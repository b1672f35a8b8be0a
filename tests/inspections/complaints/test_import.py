"""Import of an inspection team's batch file: title rows, synonyms, merged cells, all errors at once,
all or nothing, re-import by 受理编号, the round and batch from the title, a column or --round."""

from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import Workbook

from inspections.choices import CaseChannel, PollutionType
from inspections.complaints.importer import LedgerRefused, chinese_number, run_import, title_round_and_batch
from inspections.models import ComplaintBatch, ComplaintCase, InspectionRound

from .conftest import batch_file

pytestmark = pytest.mark.django_db

ROWS = [
    (1, "D3200000240501", "城东区某化工厂夜间排放刺鼻废气，周边居民无法开窗", "城东区", "大气", "是"),
    (2, "X3200000240502", "南山镇养猪场粪污直排小河，河水发黑发臭", "南山镇", "水", ""),
    (3, "D3200000240503", "城南工地夜间施工噪声扰民", "城南区", "噪声", ""),
]


def test_import_reads_title_round_batch_and_rows(complaints, tmp_path):
    path = batch_file(tmp_path / "第3批.xlsx", ROWS)
    plan = run_import(path, actor=complaints.world.bureau)
    assert plan.ok and plan.written, plan.errors
    assert plan.round_name == "第三轮中央生态环境保护督察" and not plan.round_new  # the existing round
    assert plan.batches == [3] and plan.cases_new == 3
    case = ComplaintCase.objects.get(code="D3200000240501")
    assert case.batch.number == 3 and case.round == complaints.round
    assert (case.pollution_type, case.channel, case.is_key) == (PollutionType.AIR, CaseChannel.PHONE, True)
    assert ComplaintCase.objects.get(code="X3200000240502").channel == CaseChannel.LETTER
    assert case.batch.reply_deadline > case.batch.received_on  # central team: 10 days


def test_a_missing_round_is_created_and_listed(ledger, tmp_path):
    title = "XX省第二生态环境保护督察组交办XX市信访件（第十二批）"
    plan = run_import(batch_file(tmp_path / "f.xlsx", ROWS, title=title), actor=ledger.bureau)
    assert plan.ok and plan.round_new and plan.round_name == "XX省第二生态环境保护督察"
    assert InspectionRound.objects.filter(name="XX省第二生态环境保护督察").exists()
    assert ComplaintBatch.objects.get().number == 12


def test_round_option_wins_and_batch_column(complaints, tmp_path):
    header = ["序号", "信访编号", "举报内容", "所属区域", "污染类别", "交办批次", "交办日期"]
    rows = [
        (1, "D1", "化工厂废气", "城东区", "大气", "第1批", date(2024, 5, 6)),
        (2, "D2", "河道污水", "城东区", "水", "第2批", date(2024, 5, 7)),
    ]
    path = batch_file(tmp_path / "f.xlsx", rows, title="交办件清单", header=header)
    plan = run_import(path, actor=complaints.world.bureau, default_round=complaints.round)
    assert plan.ok, plan.errors
    assert sorted(plan.batches) == [1, 2]
    assert ComplaintBatch.objects.get(round=complaints.round, number=2).received_on == date(2024, 5, 7)


def test_full_width_and_line_broken_headers_and_merged_cells(complaints, tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.append(["第三轮中央生态环境保护督察第五督察组交办信访件（第４批）"])
    ws.append(["序　号", "受理\n编号", "交办问题\n基本情况", "行政区域", "污染\n类型"])
    ws.append([1, "D41", "石料厂粉尘污染", "北山镇", "大气"])
    ws.append([2, "D42", "石料厂夜间运输噪声", None, "噪声"])
    ws.merge_cells("D3:D4")  # the same township merged down two cases
    path = tmp_path / "f.xlsx"
    wb.save(path)
    plan = run_import(path, actor=complaints.world.bureau)
    assert plan.ok, plan.errors
    assert plan.batches == [4]
    assert ComplaintCase.objects.get(code="D42").region == "北山镇"


def test_every_error_is_reported_and_nothing_written(complaints, tmp_path):
    rows = [
        (1, "", "没有编号的投诉", "城东区", "水", ""),
        (2, "D2", "", "城东区", "水", ""),
        (3, "D3", "正常的一件", "城东区", "水", ""),
        (4, "D3", "编号重复的一件", "城东区", "水", ""),
    ]
    plan = run_import(batch_file(tmp_path / "f.xlsx", rows), actor=complaints.world.bureau)
    assert not plan.ok and not plan.written
    assert [(e.row, e.column) for e in plan.errors] == [(4, "受理编号"), (5, "交办问题基本情况"), (7, "受理编号")]
    assert ComplaintCase.objects.count() == 0


def test_reimport_updates_by_code_and_keeps_the_handling(complaints, tmp_path):
    from inspections.complaints import services

    bureau = complaints.world.bureau
    run_import(batch_file(tmp_path / "a.xlsx", ROWS), actor=bureau)
    case = ComplaintCase.objects.get(code="D3200000240503")
    services.case_assign(actor=bureau, case=case, lead_unit=complaints.world.town)
    changed = [*ROWS[:2], (3, "D3200000240503", "城南工地夜间施工噪声扰民，凌晨仍在浇筑", "城南区", "噪声", "是")]
    plan = run_import(batch_file(tmp_path / "b.xlsx", changed), actor=bureau)
    assert (plan.cases_new, plan.cases_updated, plan.cases_unchanged) == (0, 1, 2)
    case.refresh_from_db()
    assert case.is_key and "凌晨" in case.summary and case.lead_unit == complaints.world.town
    assert ComplaintCase.objects.count() == 3


def test_dry_run_writes_nothing_but_plans_everything(complaints, tmp_path):
    plan = run_import(batch_file(tmp_path / "f.xlsx", ROWS), actor=complaints.world.bureau, dry_run=True)
    assert plan.ok and not plan.written and plan.cases_new == 3
    assert ComplaintCase.objects.count() == 0 and ComplaintBatch.objects.filter(number=3).count() == 0


def test_refusals(complaints, tmp_path):
    bad = tmp_path / "x.xlsx"
    bad.write_bytes(b"not a zip")
    with pytest.raises(LedgerRefused):
        run_import(bad, actor=complaints.world.bureau)
    no_header = batch_file(tmp_path / "h.xlsx", [("a", "b", "c")], header=["甲", "乙", "丙"])
    with pytest.raises(LedgerRefused, match="没有找到表头行"):
        run_import(no_header, actor=complaints.world.bureau)


def test_without_round_or_batch_every_row_says_so(ledger, tmp_path):
    plan = run_import(batch_file(tmp_path / "f.xlsx", ROWS, title="信访件清单"), actor=ledger.bureau)
    assert not plan.ok and {e.column for e in plan.errors} == {"交办批次"}


def test_title_parsing_and_chinese_numbers():
    assert chinese_number("二十三") == 23 and chinese_number("十") == 10 and chinese_number("105") == 105
    name, batch, _day = title_round_and_batch(["第三轮中央生态环境保护督察第一督察组交办群众信访举报件（第十五批）"])
    assert (name, batch) == ("第三轮中央生态环境保护督察", 15)


def test_command_imports_and_dry_runs(complaints, tmp_path):
    path = batch_file(tmp_path / "f.xlsx", ROWS)
    out = StringIO()
    call_command("import_complaints", str(path), "--dry-run", stdout=out)
    assert "试运行" in out.getvalue() and ComplaintCase.objects.count() == 0
    call_command("import_complaints", str(path), "--round", str(complaints.round.pk), stdout=StringIO())
    assert ComplaintCase.objects.count() == 3
    broken = batch_file(tmp_path / "g.xlsx", [(1, "", "", "", "", "")])
    with pytest.raises(CommandError, match="错误"):
        call_command("import_complaints", str(broken), stdout=StringIO(), stderr=StringIO())
