"""Repeat detection on realistic complaints: the same 受理编号 again, the same complaint reworded, and
different complaints of the same place that must not be linked."""

import pytest

from inspections.complaints import services
from inspections.complaints.importer import run_import
from inspections.complaints.repeats import normalise, normalise_region
from inspections.models import ComplaintCase

from .conftest import batch_file

pytestmark = pytest.mark.django_db

FIRST = [
    (1, "D001", "城东区金桥化工有限公司夜间排放刺鼻废气，周边小区居民晚上不敢开窗。", "城东区", "大气", ""),
    (2, "X002", "南山镇红旗村养猪场粪污直排红旗河，河水发黑发臭。", "南山镇", "水", ""),
    (3, "D003", "城南区万达广场工地夜间施工噪声扰民。", "城南区", "噪声", ""),
]
LATER = [
    # The same complaint reworded by another caller.
    (1, "D101", "反映城东区金桥化工有限公司晚上偷排刺鼻废气，周边小区居民不敢开窗！", "城东区", "大气", ""),
    # The same number again (the team passed it on once more).
    (2, "X002", "南山镇红旗村养猪场粪污直排红旗河（再次反映）", "南山镇", "水", ""),
    # Same place, another problem: not a repeat.
    (3, "D103", "城东区金桥化工有限公司厂区内危险废物露天堆放，雨天流入雨水管。", "城东区", "土壤", ""),
    # Same text, another place: not a repeat.
    (4, "D104", "城南区万达广场工地夜间施工噪声扰民。", "城北区", "噪声", ""),
]


def test_repeats_are_found_and_linked(complaints, tmp_path):
    bureau = complaints.world.bureau
    run_import(batch_file(tmp_path / "1.xlsx", FIRST, title="第三轮中央生态环境保护督察组交办（第1批）"), actor=bureau)
    plan = run_import(
        batch_file(tmp_path / "2.xlsx", LATER, title="第三轮中央生态环境保护督察组交办（第2批）"), actor=bureau
    )
    assert plan.ok, plan.errors
    found = {(r.code, r.original_code, r.by_code) for r in plan.repeats}
    assert found == {("D101", "D001", False), ("X002", "X002", True)}
    later = ComplaintCase.objects.filter(batch__number=2)
    assert later.get(code="D101").repeat_of.code == "D001"
    assert later.get(code="X002").repeat_of.batch.number == 1
    assert later.get(code="D103").repeat_of is None and later.get(code="D104").repeat_of is None


def test_a_repeat_inside_one_file_links_to_the_first(complaints, tmp_path):
    rows = [
        (1, "D1", "北山镇石料厂粉尘污染严重，附近农田庄稼上落满灰尘", "北山镇", "大气", "", 1),
        (2, "D2", "北山镇石料厂粉尘污染严重，附近农田庄稼上全是灰", "北山镇", "大气", "", 2),
        (3, "D3", "北山镇石料厂粉尘污染严重，附近农田庄稼上落满灰尘！！", "北山镇", "大气", "", 3),
    ]
    header = ["序号", "受理编号", "交办问题基本情况", "行政区域", "污染类型", "重点件", "批次"]
    plan = run_import(
        batch_file(tmp_path / "f.xlsx", rows, header=header, title="第三轮中央生态环境保护督察组交办"),
        actor=complaints.world.bureau,
    )
    assert plan.ok, plan.errors
    originals = {c.code: c.repeat_of.code if c.repeat_of else None for c in ComplaintCase.objects.all()}
    assert originals == {"D1": None, "D2": "D1", "D3": "D1"}  # a repeat of a repeat links to the original


def test_preview_lists_the_links_it_would_store(complaints, tmp_path):
    bureau = complaints.world.bureau
    run_import(batch_file(tmp_path / "1.xlsx", FIRST, title="第三轮中央生态环境保护督察组交办（第1批）"), actor=bureau)
    plan = run_import(
        batch_file(tmp_path / "2.xlsx", LATER, title="第三轮中央生态环境保护督察组交办（第2批）"),
        actor=bureau,
        dry_run=True,
    )
    assert {r.code for r in plan.repeats} == {"D101", "X002"}
    assert not ComplaintCase.objects.filter(batch__number=2).exists()


def test_normalising():
    assert normalise("Ａ区　某厂，夜间排污！") == "a区某厂夜间排污"
    assert normalise_region("城东区人民政府") == "城东区"


def test_numbered_places_that_differ_are_not_repeats(complaints, tmp_path):
    rows = [
        (1, "D1", "南山镇第3号企业夜间排放刺鼻废气，居民反映强烈", "南山镇", "大气", ""),
        (2, "D2", "南山镇第7号企业夜间排放刺鼻废气，居民反映强烈", "南山镇", "大气", ""),
        (3, "D3", "南山镇第3号企业夜间排放刺鼻废气，居民强烈反映", "南山镇", "大气", ""),
    ]
    run_import(batch_file(tmp_path / "f.xlsx", rows), actor=complaints.world.bureau)
    originals = {c.code: c.repeat_of.code if c.repeat_of else None for c in ComplaintCase.objects.all()}
    assert originals == {"D1": None, "D2": None, "D3": "D1"}


def test_sqlite_fallback_finds_the_same_repeats_with_difflib(complaints, monkeypatch):
    """The quick start's SQLite has no pg_trgm: the text comparison runs in Python (difflib) with its own threshold,
    and finds on the realistic examples exactly what PostgreSQL finds."""
    from django.db import connection

    from inspections.complaints import repeats

    later_batch, _ = services.batch_get_or_create(
        actor=complaints.world.bureau, inspection_round=complaints.round, number=2
    )
    for _seq, code, text, region, _type, _key in FIRST:
        complaints.case(code=code, summary=text, region=region)
    later = [
        complaints.case(code=code, summary=text, region=region, batch=later_batch)
        for _s, code, text, region, _t, _k in LATER
    ]
    later += [
        # 甲82号 and 戊82号 of one street are two places, however alike the texts.
        complaints.case(code="D105", summary="南山镇建设路甲82号餐馆油烟直排扰民", region="南山镇", batch=later_batch),
    ]
    complaints.case(code="D010", summary="南山镇建设路戊82号餐馆油烟直排扰民", region="南山镇")
    for case in later:
        case.batch = later_batch

    def links():
        return {
            (c.code, ComplaintCase.objects.get(pk=link.original_id).code, link.by_code)
            for c in later
            for link in repeats.find_repeats([c])
        }

    on_postgresql = links()
    monkeypatch.setattr(connection, "vendor", "sqlite")
    monkeypatch.setattr(repeats, "_by_text_pg", lambda *a: pytest.fail("pg_trgm used on SQLite"))
    used = []
    real = repeats._by_text_python
    monkeypatch.setattr(repeats, "_by_text_python", lambda *a: used.append(a) or real(*a))
    assert repeats.threshold() == 0.6
    on_sqlite = links()
    assert used  # the texts were compared in Python
    assert on_sqlite == on_postgresql == {("D101", "D001", False), ("X002", "X002", True)}
    score = next(link.score for link in repeats.find_repeats([later[0]]))
    assert 0.6 <= score < 1
