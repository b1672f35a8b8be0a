"""文号: numbered per kind and year (潜督办〔2026〕17号), the place's prefix a setting.

The counter row of (kind, year) is locked with SELECT ... FOR UPDATE for the rest of the issuing
transaction, so two bureau staff issuing at once get consecutive numbers, never the same one.
"""

from django.conf import settings
from django.db import transaction

from ..choices import SupervisionKind
from ..models import DocumentCounter

# The word after the place's prefix, per kind (督办通知 → 潜督办, 约谈 → 潜约谈 ...).
KIND_WORDS = {
    SupervisionKind.NOTICE: "督办",
    SupervisionKind.LETTER: "督函",
    SupervisionKind.LISTED: "挂牌",
    SupervisionKind.INTERVIEW: "约谈",
    SupervisionKind.CRITICISM: "督通",
    SupervisionKind.ACCOUNTABILITY: "问责",
    SupervisionKind.DISQUALIFY: "督考",
}


def format_doc_number(kind: str, year: int, number: int) -> str:
    return f"{settings.SUPERVISION_DOC_PREFIX}{KIND_WORDS[kind]}〔{year}〕{number}号"


def next_doc_number(kind: str, year: int) -> tuple[int, str]:
    """Take the next number of (kind, year); call inside the issuing transaction (the lock lasts until commit)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("next_doc_number must run inside the issuing transaction")
    # Insert the year's row if missing without failing when another transaction does the same.
    DocumentCounter.objects.bulk_create([DocumentCounter(kind=kind, year=year)], ignore_conflicts=True)
    counter = DocumentCounter.objects.select_for_update().get(kind=kind, year=year)
    counter.last_number += 1
    counter.save(update_fields=["last_number"])
    return counter.last_number, format_doc_number(kind, year, counter.last_number)
