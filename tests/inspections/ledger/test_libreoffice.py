"""A real spreadsheet program opens the exported ledger: LibreOffice converts it to CSV and the content is there."""

import csv
import shutil
import subprocess

import pytest

from inspections.ledger.export import write_ledger
from inspections.selectors import task_filterset

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed")
@pytest.mark.django_db
def test_libreoffice_opens_the_exported_ledger(tmp_path, people, ledger_round):
    source = tmp_path / "ledger.xlsx"
    write_ledger(task_filterset(user=people["bureau"]).qs, source, title="第二轮中央生态环境保护督察反馈问题整改台账")
    out = tmp_path / "csv"
    profile = tmp_path / "lo-profile"  # a private profile: parallel runs must not share one
    result = subprocess.run(
        [
            SOFFICE,
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--convert-to",
            "csv:Text - txt - csv (StarCalc):44,34,76",
            "--outdir",
            str(out),
            str(source),
        ],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr
    converted = out / "ledger.csv"
    assert converted.is_file(), result.stdout + result.stderr
    rows = list(csv.reader(converted.open(encoding="utf-8-sig")))
    assert rows[0][0] == "第二轮中央生态环境保护督察反馈问题整改台账"
    header = rows[2]
    assert header[:4] == ["序号", "督察轮次", "问题编号", "反馈问题"]
    body = rows[3:]
    assert len(body) == 6
    assert body[0][header.index("反馈问题")] == "城区黑臭水体整治不到位"
    assert body[0][header.index("牵头单位")] == "南山镇"
    assert body[0][header.index("整改期限（日期）")] == "2024-06-30"  # LibreOffice reads a real date
    assert body[0][header.index("投入资金（万元）")] == "12.50"  # and a real number
    assert [r[header.index("完成情况")] for r in body] == [
        "整改中",
        "已申请销号",
        "已验收",
        "已销号",
        "长期坚持",
        "尚未启动",
    ]
    assert body[2][header.index("整改措施")] == "=SUM(A1:A2) 不是公式"  # text stayed text
