"""The as-of dashboard's snapshots of a whole span of past days, built in one pass over the history.

`summaries.snapshot_grouped(day)` replays the events for one day: one scan of every task and its events per
day, so a history of hundreds of days cost hundreds of full replays. This builds the same rows for every day
of start..end at once (PostgreSQL):

1. each task's **status spans**: after each status event (to_status set) its status holds from that event's
   local day until the day before the next status event's day (several events on one day: the last one wins,
   as `with_status_as_of` orders by at, id); before its first status event (or without any) the task has its
   current status, as `tasks_as_of`'s COALESCE says; nothing before the day it was created (`existing_on`);
2. each span cut where the other two parts of the snapshot key change with the day, both fixed by the task's
   current deadline and signed_off_at: the deadline class ("" until deadline - N - 1, soon from deadline - N
   to the deadline, past from the day after; no deadline: "") and "signed off this week" (from the day of
   signing off to that week's Sunday); at most five pieces a span;
3. each piece adds +1 to its key on its first day and -1 the day after its last; a running sum per key over
   the days gives the count of every day, expanded to one row per (day, key) while the count is not 0,
   in the order of the days (a day's rows lie together in the table: the as-of page reads a few pages).

So the cost is one scan of the tasks and the status events of the span, whatever the number of days: the
rows equal `snapshot_grouped(day)` of each day (tests/inspections/test_snapshot_span.py proves it).
"""

from datetime import date

from django.conf import settings
from django.db import connection
from django.utils import timezone

from .models import RectificationTask, TaskEvent
from .models.tasks import end_of_day

# The snapshot's key in the order the SELECT below returns it, after the day.
SPAN_COLUMNS = ("round_id", "lead_unit_id", "category", "status", "deadline_class", "closed_week")


def span_sql(*, start: date, end: date, past: str, soon: str, skip_built: str | None = None) -> tuple[str, list]:
    """SELECT day, round_id, lead_unit_id, category, status, deadline_class, closed_week, n: the snapshot rows
    of every day start..end (PostgreSQL). `skip_built`: a table of days (column `day`) whose rows to leave out."""
    quote = connection.ops.quote_name
    tasks = quote(RectificationTask._meta.db_table)
    events = quote(TaskEvent._meta.db_table)
    zone = timezone.get_current_timezone_name()
    before_soon = settings.DUE_SOON_DAYS
    skip = f" AND NOT EXISTS (SELECT 1 FROM {quote(skip_built)} b WHERE b.day = g.day::date)" if skip_built else ""
    sql = f"""
WITH task AS (
    SELECT t.id, t.round_id, t.lead_unit_id, t.category, t.status, t.deadline,
           (t.created_at AT TIME ZONE %(zone)s)::date AS born,
           (t.signed_off_at AT TIME ZONE %(zone)s)::date AS signed
    FROM {tasks} t
    WHERE t.created_at <= %(end_at)s
), event AS (
    SELECT e.task_id, e.to_status, (e.at AT TIME ZONE %(zone)s)::date AS day,
           LEAD((e.at AT TIME ZONE %(zone)s)::date) OVER (PARTITION BY e.task_id ORDER BY e.at, e.id) AS next_day
    FROM {events} e
    WHERE e.to_status <> '' AND e.at <= %(end_at)s
), span AS (
    SELECT task_id, to_status AS status, day AS lo, next_day - 1 AS hi
    FROM event WHERE next_day IS NULL OR next_day > day
    UNION ALL
    SELECT t.id, t.status, NULL::date, f.first_day - 1
    FROM task t LEFT JOIN (SELECT task_id, MIN(day) AS first_day FROM event GROUP BY task_id) f ON f.task_id = t.id
), piece AS (
    SELECT t.round_id, t.lead_unit_id, t.category, s.status, c.deadline_class, w.closed_week,
           GREATEST(s.lo, c.lo, w.lo, t.born, %(start)s) AS lo,
           LEAST(s.hi, c.hi, w.hi, %(end)s) AS hi
    FROM span s
    JOIN task t ON t.id = s.task_id
    CROSS JOIN LATERAL (VALUES
        (1, '', NULL::date, t.deadline - %(soon_days)s - 1),
        (2, %(soon)s, t.deadline - %(soon_days)s, t.deadline),
        (3, %(past)s, t.deadline + 1, NULL::date)
    ) AS c(part, deadline_class, lo, hi)
    CROSS JOIN LATERAL (VALUES
        (1, FALSE, NULL::date, t.signed - 1),
        (2, TRUE, t.signed, t.signed + (7 - EXTRACT(ISODOW FROM t.signed)::int)),
        (3, FALSE, t.signed + (8 - EXTRACT(ISODOW FROM t.signed)::int), NULL::date)
    ) AS w(part, closed_week, lo, hi)
    WHERE (t.deadline IS NOT NULL OR c.part = 1) AND (t.signed IS NOT NULL OR w.part = 1)
), change AS (
    SELECT round_id, lead_unit_id, category, status, deadline_class, closed_week, d.day,
           SUM(SUM(d.n)) OVER key_days AS n,
           LEAD(d.day) OVER key_days AS next_day
    FROM piece CROSS JOIN LATERAL (VALUES (piece.lo, 1), (piece.hi + 1, -1)) AS d(day, n)
    WHERE piece.lo <= piece.hi AND d.day <= %(end)s
    GROUP BY round_id, lead_unit_id, category, status, deadline_class, closed_week, d.day
    WINDOW key_days AS (
        PARTITION BY round_id, lead_unit_id, category, status, deadline_class, closed_week ORDER BY d.day
    )
)
SELECT g.day::date AS day, {", ".join(SPAN_COLUMNS)}, n
FROM change CROSS JOIN LATERAL generate_series(change.day, COALESCE(change.next_day - 1, %(end)s), '1 day') AS g(day)
WHERE n <> 0{skip}
ORDER BY 1
"""
    params = {
        "zone": zone,
        "start": start,
        "end": end,
        "end_at": end_of_day(end),
        "soon_days": before_soon,
        "soon": soon,
        "past": past,
    }
    return sql, params
