"""Repeats (重复件): a complaint that comes back in a later batch, by its 受理编号 or by its text and place.

Texts are compared after `normalise`: NFKC folding, no whitespace or punctuation, lower case. On
PostgreSQL the comparison is pg_trgm's similarity() over the normalised text, scored in one statement
against the earlier cases of the same round and place (read through the (round, region) index); elsewhere (the SQLite quick start)
difflib's ratio, which runs in Python. A case is a repeat of the best earlier case of the same
round whose place matches and whose similarity reaches REPEAT_SIMILARITY; the same 受理编号 in an
earlier batch is always a repeat.
"""

import re
import unicodedata
from dataclasses import dataclass
from difflib import SequenceMatcher

from django.conf import settings
from django.db import connection

from ..models import ComplaintCase

_NOT_WORD = re.compile(r"[\W_]+", re.UNICODE)
# Region words that differ between files for the same place ("XX区" / "XX区人民政府").
_REGION_NOISE = re.compile(r"(人民政府|管委会|管理委员会|街道办事处|办事处)$")


def normalise(text) -> str:
    if not text:
        return ""
    folded = unicodedata.normalize("NFKC", str(text)).lower()
    return _NOT_WORD.sub("", folded)


def normalise_region(text) -> str:
    return _REGION_NOISE.sub("", normalise(text))


def threshold() -> float:
    """Similarity from which two texts of the same place are the same complaint. pg_trgm scores Chinese
    lower than difflib does (it counts shared three-character runs), hence one value per backend."""
    if connection.vendor == "postgresql":
        return getattr(settings, "COMPLAINT_REPEAT_SIMILARITY_PG", 0.35)
    return getattr(settings, "COMPLAINT_REPEAT_SIMILARITY", 0.6)


@dataclass(frozen=True)
class RepeatLink:
    case_id: int
    original_id: int
    score: float
    by_code: bool


_NUMBER = re.compile(r"\d+")
# A number that names a thing (门牌 3号, 5栋, 2单元, 12地块, 4组), not a count, a date or a 编号 of the complaint.
_IDENTIFIER = re.compile(r"(?<!\d)\d+(?=号|栋|幢|单元|室|地块|组)")


def _identifiers(text: str) -> set[str]:
    """The numbered things a text names, each with the character before its number: "建设路82号" → "路82", so
    "甲82号" and "戊82号" of one town are two places, while the same address written twice agrees."""
    found = set()
    for match in _IDENTIFIER.finditer(text):
        start = match.start()
        if text[max(0, start - 2) : start] == "编号":
            continue
        found.add(text[start - 1 : match.end()] if start else match.group())
    return found


def numbers_agree(a: str, b: str) -> bool:
    """Texts naming numbers (house numbers, plot numbers, company numbers) must share one to be the same
    complaint: "3号企业" and "7号企业" of one street read alike but are two complaints. When both texts name
    numbered things (N号, N栋, N地块 ..., with the character before the number) those must share one; other numbers (a 编号, a date, a count) count only
    when one text names no numbered thing."""
    first, second = _identifiers(a), _identifiers(b)
    if first and second:
        return bool(first & second)
    first, second = set(_NUMBER.findall(a)), set(_NUMBER.findall(b))
    return not first or not second or bool(first & second)


def _regions_match(a: str, b: str) -> bool:
    a, b = normalise_region(a), normalise_region(b)
    return not a or not b or a == b or a in b or b in a


def find_repeats(cases: list[ComplaintCase]) -> list[RepeatLink]:
    """The repeat links of `cases` (saved, with batch loaded), each to an earlier case of its round.

    "Earlier" is a lower batch number, or the same batch and a lower 序号 (a file can list a complaint
    twice). Nothing is written; the caller stores the links.
    """
    links = []
    by_round: dict[int, list[ComplaintCase]] = {}
    for case in cases:
        by_round.setdefault(case.round_id, []).append(case)
    for round_id, group in by_round.items():
        links += _by_code(round_id, group)
        linked = {link.case_id for link in links}
        rest = [c for c in group if c.pk not in linked and c.summary_normalised]
        if not rest:
            continue
        if connection.vendor == "postgresql":
            links += _by_text_pg(round_id, rest)
        else:
            links += _by_text_python(round_id, rest)
    return links


def _order_key(case) -> tuple:
    return (case.batch.number, case.seq, case.pk)


def _by_code(round_id: int, group: list[ComplaintCase]) -> list[RepeatLink]:
    codes = {normalise(c.code) for c in group}
    earlier = {}
    rows = (
        ComplaintCase.objects.filter(round_id=round_id, code__in={c.code for c in group})
        .select_related("batch")
        .order_by("batch__number", "seq", "pk")
    )
    for other in rows:
        key = normalise(other.code)
        if key in codes:
            earlier.setdefault(key, []).append(other)
    links = []
    for case in group:
        for other in earlier.get(normalise(case.code), []):
            if other.pk != case.pk and _order_key(other) < _order_key(case):
                links.append(RepeatLink(case.pk, other.repeat_of_id or other.pk, 1.0, True))
                break
    return links


def _region_pairs(round_id: int, group: list[ComplaintCase]) -> tuple[list[str], list[str]]:
    """Every (region of a new case, region of the round) pair that _regions_match accepts, as two columns.

    The round holds few distinct places (tens), so the pairs are few; they let the statement below read only
    the earlier cases of the same place through the (round, region) index instead of comparing every text."""
    regions = set(ComplaintCase.objects.filter(round_id=round_id).values_list("region", flat=True).distinct())
    regions |= {c.region for c in group}
    new_regions = {c.region for c in group}
    left, right = [], []
    for a in new_regions:
        for b in regions:
            if _regions_match(a, b):
                left.append(a)
                right.append(b)
    return left, right


def _by_text_pg(round_id: int, group: list[ComplaintCase]) -> list[RepeatLink]:
    """One statement for the whole group: for each case, its most similar earlier case of the same place.

    Set-based: the earlier cases of a matching place come through the (round, region) index, pg_trgm's
    similarity() scores only those (tens to a few hundred per case), and the best five per case come back;
    the place and number rules are then checked in Python. (A trigram index with `%` would have to visit
    every text sharing the boilerplate trigrams of complaint wording, which is most of the round.)"""
    table = ComplaintCase._meta.db_table
    batch_table = ComplaintCase._meta.get_field("batch").related_model._meta.db_table
    ids = [c.pk for c in group]
    limit = threshold()
    left, right = _region_pairs(round_id, group)
    sql = f"""
        WITH places AS (SELECT * FROM unnest(%s::text[], %s::text[]) AS p(region, other_region))
        SELECT c.id, best.id, best.score, best.region, best.summary_normalised
        FROM {table} c
        JOIN {batch_table} cb ON cb.id = c.batch_id
        CROSS JOIN LATERAL (
            SELECT o.id, o.region, o.summary_normalised, similarity(o.summary_normalised, c.summary_normalised) AS score
            FROM {table} o
            JOIN {batch_table} ob ON ob.id = o.batch_id
            WHERE o.round_id = %s
              AND o.region IN (SELECT other_region FROM places WHERE places.region = c.region)
              AND o.id <> c.id
              AND similarity(o.summary_normalised, c.summary_normalised) >= %s
              AND (ob.number < cb.number OR (ob.number = cb.number AND (o.seq, o.id) < (c.seq, c.id)))
            ORDER BY score DESC, ob.number, o.seq, o.id
            LIMIT 5
        ) best
        WHERE c.id = ANY(%s)
        ORDER BY c.id, best.score DESC
    """
    by_pk = {c.pk: c for c in group}
    originals = {}
    chosen = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, [left, right, round_id, limit, ids])
        for case_id, other_id, score, region, other_text in cursor.fetchall():
            if case_id in chosen or score < limit:
                continue
            case = by_pk[case_id]
            if _regions_match(case.region, region) and numbers_agree(case.summary_normalised, other_text):
                chosen[case_id] = (other_id, float(score))
    if chosen:
        originals = dict(
            ComplaintCase.objects.filter(pk__in=[o for o, _s in chosen.values()]).values_list("pk", "repeat_of_id")
        )
    return [
        RepeatLink(case_id, originals.get(other_id) or other_id, round(score, 3), False)
        for case_id, (other_id, score) in chosen.items()
    ]


def _by_text_python(round_id: int, group: list[ComplaintCase]) -> list[RepeatLink]:
    limit = threshold()
    candidates = list(
        ComplaintCase.objects.filter(round_id=round_id)
        .select_related("batch")
        .only("pk", "seq", "region", "summary_normalised", "repeat_of_id", "batch__number")
    )
    links = []
    for case in group:
        best = None
        for other in candidates:
            if other.pk == case.pk or _order_key(other) >= _order_key(case):
                continue
            if not _regions_match(case.region, other.region):
                continue
            if not numbers_agree(case.summary_normalised, other.summary_normalised):
                continue
            matcher = SequenceMatcher(None, case.summary_normalised, other.summary_normalised, autojunk=False)
            if matcher.real_quick_ratio() < limit or matcher.quick_ratio() < limit:
                continue
            score = matcher.ratio()
            if score >= limit and (best is None or score > best[1]):
                best = (other, score)
        if best:
            other, score = best
            links.append(RepeatLink(case.pk, other.repeat_of_id or other.pk, round(score, 3), False))
    return links
