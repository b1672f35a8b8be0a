"""200 generated malformed workbooks through the whole import: each is refused with a message, nothing is
written, nothing crashes and memory stays bounded (reader.py's bounds against zip and merge bombs)."""

import io
import random
import re
import struct
import time
import tracemalloc
import zipfile

import pytest

from inspections.ledger.reader import MAX_MERGED_CELLS, LedgerRefused, check_upload
from inspections.ledger.services import ledger_import

from .conftest import workbook_file
from .test_import import HEADER, counts, row

SHEET = "xl/worksheets/sheet1.xml"
MAIN_NS = b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
SHARED_STRINGS_TYPE = b"application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
PEAK_LIMIT = 64 * 1024 * 1024  # bytes allocated at once while one file is refused
TOTAL_BUDGET = 60  # seconds for all 200


def _rebuild(base: bytes, replace=None, drop=(), extra=None) -> bytes:
    out = io.BytesIO()
    replace, extra = replace or {}, extra or {}
    with zipfile.ZipFile(io.BytesIO(base)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            if info.filename in drop:
                continue
            target.writestr(info.filename, replace.get(info.filename, source.read(info.filename)))
        for name, data in extra.items():
            target.writestr(name, data)
    return out.getvalue()


def _patch_central_directory(data: bytes, member: str, *, offset: int, value: int) -> bytes:
    """Overwrite a 4-byte field of `member`'s central directory entry (crc at 16, sizes at 20 and 24)."""
    name = member.encode()
    start = data.find(b"PK\x01\x02" + data[data.find(b"PK\x01\x02") + 4 : data.find(b"PK\x01\x02") + 4][:0])
    while start != -1:
        name_length = struct.unpack_from("<H", data, start + 28)[0]
        if data[start + 46 : start + 46 + name_length] == name:
            return data[: start + offset] + struct.pack("<I", value) + data[start + offset + 4 :]
        start = data.find(b"PK\x01\x02", start + 4)
    raise AssertionError(f"{member} not in the central directory")


def _sheet(base: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(base)) as archive:
        return archive.read(SHEET)


def _with_merges(base: bytes, refs: list[str]) -> bytes:
    cells = b"".join(b'<mergeCell ref="%s"/>' % ref.encode() for ref in refs)
    merges = b'<mergeCells count="%d">%s</mergeCells>' % (len(refs), cells)
    return _rebuild(base, {SHEET: _sheet(base).replace(b"</sheetData>", b"</sheetData>" + merges)})


def broken_zip(rng: random.Random, base: bytes, n: int) -> bytes:
    kind = n % 6
    if kind == 0:
        return b"PK\x03\x04" + rng.randbytes(rng.randint(10, 4000))
    if kind == 1:
        return base[: rng.randint(10, len(base) - 30)]  # cut: no central directory
    if kind == 2:  # a member whose bytes do not match its checksum
        return _patch_central_directory(base, SHEET, offset=16, value=rng.getrandbits(32))
    if kind == 3:  # a member that declares fewer bytes than it holds (zipfile stops there: checksum fails)
        return _patch_central_directory(base, SHEET, offset=24, value=rng.randint(1, 50))
    if kind == 4:
        return _rebuild(base, drop=[rng.choice([SHEET, "xl/workbook.xml", "[Content_Types].xml"])])
    data = bytearray(base)  # bytes flipped inside the compressed sheet
    start = data.find(SHEET.encode()) + len(SHEET) + 5
    for _ in range(rng.randint(5, 40)):
        data[rng.randint(start, start + 200)] ^= 0xFF
    return bytes(data)


def huge_merges(rng: random.Random, base: bytes, n: int) -> bytes:
    kind = n % 4
    if kind == 0:
        refs = ["A1:XFD1048576"]
    elif kind == 1:
        refs = [f"A{rng.randint(2, 20)}:{rng.choice(['T', 'CV', 'IV'])}{rng.randint(60_000, 1_048_576)}"]
    elif kind == 2:  # many modest ranges that add up
        width = 100
        count = MAX_MERGED_CELLS // (width * 10) + rng.randint(1, 50)
        refs = [f"A{10 * i + 3}:CV{10 * i + 12}" for i in range(count)]
    else:  # beyond the columns that are read, plus one huge one inside them
        refs = ["IW1:XFD1048576", f"B2:Z{rng.randint(30_000, 50_000)}"]
    return _with_merges(base, refs)


def huge_shared_strings(rng: random.Random, base: bytes, n: int) -> bytes:
    if n % 2:
        body = b"<si><t>" + b"A" * rng.randint(2, 6) * 1024 * 1024 + b"</t></si>"
    else:
        body = b"<si><t>x</t></si>" * rng.randint(150_000, 300_000)
    strings = b'<sst %s count="1" uniqueCount="1">%s</sst>' % (MAIN_NS, body)
    with zipfile.ZipFile(io.BytesIO(base)) as archive:
        types = archive.read("[Content_Types].xml")
    types = types.replace(
        b"</Types>",
        b'<Override PartName="/xl/sharedStrings.xml" ContentType="%s"/></Types>' % SHARED_STRINGS_TYPE,
    )
    return _rebuild(base, {"[Content_Types].xml": types}, extra={"xl/sharedStrings.xml": strings})


def deep_styles(rng: random.Random, base: bytes, n: int) -> bytes:
    depth = rng.randint(300, 200_000)
    tag = rng.choice([b"fonts", b"font", b"cellXfs", b"x"])
    styles = b"<styleSheet %s>" % MAIN_NS + b"<%s>" % tag * depth + b"</%s>" % tag * depth + b"</styleSheet>"
    if n % 3 == 0:  # deep inside the sheet instead
        return _rebuild(base, {SHEET: _sheet(base).replace(b"<sheetData>", b"<sheetData>" + b"<row>" * depth, 1)})
    return _rebuild(base, {"xl/styles.xml": styles})


# Cells of the finding-number column (C) that are malformed or of a type no ledger holds there.
WRONG_CELLS = [
    b'<c r="C2" t="n"><v>abc</v></c>',
    b'<c r="C2" t="s"><v>99999</v></c>',
    b'<c r="C2" t="b"><v>maybe</v></c>',
    b'<c r="C2" t="d"><v>not-a-date</v></c>',
    b'<c r="C2" t="n"><v>1e999999</v></c>',
    b'<c r="C2" s="999" t="n"><v>NaN</v></c>',
    b'<c r="ZZZZZZ2"><v>1</v></c>',
    b'<c r="C2" t="e"><v>#REF!</v></c>',
    b'<c r="C2" t="n"><v>-7.5</v></c>',
    b'<c r="C2" t="inlineStr"><is><t>\xe7\xac\xac</t></is></c>',
]
CELL_C2 = re.compile(rb'<c r="C2"[^>]*?(/>|>.*?</c>)', re.S)


def wrong_types(rng: random.Random, base: bytes, n: int) -> bytes:
    """One data row whose finding number is malformed or of the wrong type (its other cells are valid)."""
    sheet = _sheet(base)
    bad = WRONG_CELLS[n % len(WRONG_CELLS)]
    sheet, replaced = CELL_C2.subn(lambda _m: bad, sheet, count=1)
    assert replaced == 1
    if n % 3 == 0:
        number = rng.choice([b"0", b"-5", b"abc", b"99999999999"])
        sheet = sheet.replace(b'<row r="2"', b'<row r="%s"' % number, 1)
    return _rebuild(base, {SHEET: sheet})


GENERATORS = [broken_zip, huge_merges, huge_shared_strings, deep_styles, wrong_types]


@pytest.mark.django_db
def test_two_hundred_malformed_workbooks_are_refused_without_a_write(tmp_path, people, units):
    path = workbook_file(
        tmp_path / "base.xlsx",
        [HEADER, row(1, 1, "城区污水直排", "南山镇", "2026-06-30"), row(2, 2, "砂场扬尘", "河口镇", "2026-12-31")],
    )
    base = path.read_bytes()
    one_row = workbook_file(tmp_path / "one.xlsx", [HEADER, row(1, 1, "城区污水直排", "南山镇", "2026-06-30")])
    bases = {wrong_types: one_row.read_bytes()}
    rng = random.Random(20260614)
    before = counts()
    started = time.monotonic()
    outcomes = []
    for n in range(200):
        generator = GENERATORS[n % len(GENERATORS)]
        data = generator(rng, bases.get(generator, base), n // len(GENERATORS))
        target = tmp_path / f"fuzz-{n}.xlsx"
        target.write_bytes(data)
        tracemalloc.start()
        try:
            check_upload(target.name, len(data))
            plan = ledger_import(path=target, actor=people["bureau"])
        except LedgerRefused as refused:
            message = refused.message
        else:
            # Read, but with errors on its rows: also a refusal with messages, provided nothing was written.
            assert not plan.ok and not plan.written, (n, generator.__name__)
            message = "；".join(str(e) for e in plan.errors)
        finally:
            _current, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
        assert message.strip(), (n, generator.__name__)
        assert peak < PEAK_LIMIT, (n, generator.__name__, peak)
        outcomes.append((generator.__name__, message))
    assert counts() == before
    assert time.monotonic() - started < TOTAL_BUDGET
    refused_by_bounds = [m for name, m in outcomes if name in ("huge_merges", "huge_shared_strings")]
    assert len(refused_by_bounds) == 80
    assert all("合并单元格范围过大" in m or "异常庞大" in m for m in refused_by_bounds)
