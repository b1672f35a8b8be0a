"""The bounds on what a client may send, shared by the FilterSets, the page forms, the API serializers
and the services: one range of calendar days and one cap on free text.

Far-off days are never a real ledger date and only make date arithmetic overflow (a 500); the one
validator turns them into a clear field error instead. Upload sizes are settings (EVIDENCE_MAX_MB,
EVIDENCE_MAX_REQUEST_MB, EVIDENCE_MAX_FILES).
"""

from datetime import date

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .deadlines import MAX_YEAR, MIN_YEAR

# Progress text, goal, measures, descriptions: pages and API alike.
MAX_TEXT = 10_000

EARLIEST_DAY = date(MIN_YEAR, 1, 1)
LATEST_DAY = date(MAX_YEAR, 12, 31)


def validate_day(day) -> None:
    """A field validator: `day` lies within EARLIEST_DAY .. LATEST_DAY."""
    if day is not None and not EARLIEST_DAY <= day <= LATEST_DAY:
        raise ValidationError(
            _("日期应在 %(low)s 至 %(high)s 之间。"),
            code="date_out_of_range",
            params={"low": EARLIEST_DAY.isoformat(), "high": LATEST_DAY.isoformat()},
        )


DAY_VALIDATORS = [validate_day]
