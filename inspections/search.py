"""The task's search document: one folded text column (`search_text`) that every task search reads.

The document holds the task code (its own first line, in full-width digits: see code_line), the finding's summary and description, the task's own texts, 责任人 and
the names of the lead and co-operating units, NFKC-folded and lower-cased (ＶＯＣｓ → vocs), one part per
line. A pg_trgm GIN index (migration 0018) serves `search_text LIKE '%term%'`, so a search is one indexed
condition on one table instead of ORs over joins and subqueries.

The services keep it current in their own transaction (task assign/edit, finding edit, ledger import);
a unit's rename refreshes that unit's tasks in the background. `search_texts_stale` / `search_texts_refresh`
find and repair drift (`manage.py search_text --check / --repair`).

On PostgreSQL the document is built in SQL (`DOCUMENT_SQL`: one statement per refresh, whatever the number
of tasks); `task_document` is the same recipe in Python for other databases (SQLite quick start) and the
oracle the tests compare the SQL with. Both fold with NFKC then lower(); the query is folded the same way
(`fold`). PostgreSQL needs a UTF-8 database whose LC_CTYPE is not C/POSIX (e.g. C.UTF-8): under C,
pg_trgm makes no trigrams of Chinese characters and the index serves nothing (see README).

Terms shorter than 3 characters (黑臭) give pg_trgm no trigram: they are still correct, but read every
document (a sequential scan of search_text); a longer term in the same query lets the index filter first.
"""

import re
import unicodedata

from django.db import connection, transaction
from django.db.models import Q

from .models import RectificationTask

# Terms of one search; more are ignored (each adds a condition).
MAX_TERMS = 8
# Shorter terms than this cannot use the trigram index.
TRIGRAM_LENGTH = 3
# A task code as ledgers write it ("3-2"); bounded so it always fits the integer columns.
TASK_CODE = re.compile(r"^(\d{1,9})-(\d{1,4})$")
_BATCH = 2000
# The fields the document is made of: an edit of one of them refreshes it.
DOCUMENT_TASK_FIELDS = frozenset(
    {"number", "goal", "measures", "remark", "responsible_person", "leader_text", "lead_unit", "cooperating_units"}
)
DOCUMENT_FINDING_FIELDS = frozenset({"number", "summary", "description"})


# The code line is written in full-width digits and hyphen (３－２), which folding turns into ASCII in any
# query: no typed term can hit it by accident ("3-" or "12" would otherwise match every code holding them),
# and a code-shaped term looks for it on purpose (term_q).
_FULL_WIDTH = str.maketrans("0123456789-", "０１２３４５６７８９－")


def code_line(finding_number: int, task_number: int) -> str:
    return f"{finding_number}-{task_number}".translate(_FULL_WIDTH)


def fold(text: str) -> str:
    """Full-width to half-width (NFKC) and lower case: what the document holds and what a query looks for."""
    return unicodedata.normalize("NFKC", text or "").lower()


def search_terms(value: str) -> list[str]:
    """The folded terms of a search box's value (split on white space, at most MAX_TERMS)."""
    return fold(value).split()[:MAX_TERMS]


def term_q(term: str) -> Q:
    """One folded term: a substring of the document (LIKE '%term%', served by the trigram index).

    A term shaped like a task code ("3-2", "３-２") finds that very task code: the document's first line
    (LIKE '３－２\n%'), not 13-2 or 3-21. Not also "the text anywhere": digits alone make trigrams that nearly
    every document has ("  3", " 3 "), so at 300,000 tasks that second LIKE rechecked 104,483 rows (490 ms)
    where the code alone takes 13 ms.
    """
    code = TASK_CODE.match(term)
    if code is None:
        return Q(search_text__contains=term)
    return Q(search_text__startswith=code_line(int(code[1]), int(code[2])) + "\n")


def search_q(value: str) -> Q:
    """The condition of a task search: every term of `value` is in the document."""
    condition = Q()
    for term in search_terms(value):
        condition &= term_q(term)
    return condition


def task_document(task: RectificationTask) -> str:
    """The search document of one task, in Python (the recipe DOCUMENT_SQL follows)."""
    finding = task.finding
    parts = [
        finding.summary,
        finding.description,
        task.goal,
        task.measures,
        task.remark,
        task.responsible_person,
        task.leader_text,
        task.lead_unit.name,
    ]
    names = sorted(unit.name for unit in task.cooperating_units.all())
    if names:
        parts.append("\n".join(names))
    return code_line(finding.number, task.number) + "\n" + fold("\n".join(parts))


def _tables() -> dict:
    through = RectificationTask.cooperating_units.through
    return {
        "task": RectificationTask._meta.db_table,
        "finding": RectificationTask._meta.get_field("finding").related_model._meta.db_table,
        "unit": RectificationTask._meta.get_field("lead_unit").related_model._meta.db_table,
        "through": through._meta.db_table,
    }


# The document of task row `t` (joined to its finding `f` and lead unit `lu`; `{names}` is its co-operating
# units' names). The names are sorted bytewise (COLLATE "C": code point order, as Python's sorted) so that
# SQL and Python build the same text.
DOCUMENT_SQL = """translate(f.number::text || '-' || t.number::text, '0123456789-', '０１２３４５６７８９－')
    || E'\\n' || lower(normalize(concat_ws(E'\\n',
    f.summary, f.description, t.goal, t.measures, t.remark, t.responsible_person, t.leader_text, lu.name,
    {names}
), NFKC))"""
# A few tasks: each one's names by an index lookup. Every task: one grouped pass over the link table.
_NAMES_OF_ONE = """(SELECT string_agg(cu.name, E'\\n' ORDER BY cu.name COLLATE "C")
    FROM {through} tc JOIN {unit} cu ON cu.id = tc.unit_id WHERE tc.rectificationtask_id = t.id)"""
_NAMES_OF_ALL = """LEFT JOIN (
    SELECT tc.rectificationtask_id, string_agg(cu.name, E'\\n' ORDER BY cu.name COLLATE "C") AS names
      FROM {through} tc JOIN {unit} cu ON cu.id = tc.unit_id GROUP BY tc.rectificationtask_id
) co ON co.rectificationtask_id = t.id"""


def _tables() -> dict:
    return {
        "task": RectificationTask._meta.db_table,
        "finding": RectificationTask._meta.get_field("finding").related_model._meta.db_table,
        "unit": RectificationTask._meta.get_field("lead_unit").related_model._meta.db_table,
        "through": RectificationTask.cooperating_units.through._meta.db_table,
    }


def _documents_sql(*, task_ids=None, finding_ids=None, unit_id=None) -> tuple[str, list]:
    """SELECT id, document, search_text of the tasks in scope (all tasks without a scope)."""
    tables = _tables()
    params = []
    if task_ids is not None:
        scope, params = "t.id = ANY(%s)", [list(task_ids)]
    elif finding_ids is not None:
        scope, params = "t.finding_id = ANY(%s)", [list(finding_ids)]
    elif unit_id is not None:
        # A UNION of two index lookups (an OR of the two would read every task).
        scope = (
            "t.id IN (SELECT id FROM {task} WHERE lead_unit_id = %s "
            "UNION SELECT rectificationtask_id FROM {through} WHERE unit_id = %s)"
        )
        params = [unit_id, unit_id]
    else:
        scope = ""
    names, join = ("co.names", _NAMES_OF_ALL) if not scope else (_NAMES_OF_ONE, "")
    document = DOCUMENT_SQL.format(names=names)
    sql = (
        f"SELECT t.id, {document} AS document, t.search_text FROM {{task}} t "
        f"JOIN {{finding}} f ON f.id = t.finding_id JOIN {{unit}} lu ON lu.id = t.lead_unit_id {join}"
        f"{' WHERE ' + scope if scope else ''}"
    )
    return sql.format(**tables), params


def _postgres() -> bool:
    return connection.vendor == "postgresql"


def _tasks_in_scope(*, task_ids=None, finding_ids=None, unit_id=None):
    tasks = RectificationTask.objects.order_by("pk")
    if task_ids is not None:
        tasks = tasks.filter(pk__in=list(task_ids))
    elif finding_ids is not None:
        tasks = tasks.filter(finding_id__in=list(finding_ids))
    elif unit_id is not None:
        tasks = tasks.filter(Q(lead_unit_id=unit_id) | Q(cooperating_units=unit_id)).distinct()
    return tasks.select_related("finding", "lead_unit").prefetch_related("cooperating_units")


@transaction.atomic
def search_texts_refresh(*, task_ids=None, finding_ids=None, unit_id=None) -> int:
    """Rebuild the documents of the given tasks (or of some findings', a unit's, or all tasks) that differ
    from what their sources make. Returns how many were rewritten; rows already right are not touched."""
    if (task_ids is not None and not task_ids) or (finding_ids is not None and not finding_ids):
        return 0
    if _postgres():
        documents, params = _documents_sql(task_ids=task_ids, finding_ids=finding_ids, unit_id=unit_id)
        sql = (
            f"UPDATE {RectificationTask._meta.db_table} AS target SET search_text = d.document "
            f"FROM ({documents}) d WHERE d.id = target.id AND d.search_text IS DISTINCT FROM d.document"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.rowcount
    changed = []
    for task in _tasks_in_scope(task_ids=task_ids, finding_ids=finding_ids, unit_id=unit_id).iterator(_BATCH):
        document = task_document(task)
        if task.search_text != document:
            task.search_text = document
            changed.append(task)
    RectificationTask.objects.bulk_update(changed, ["search_text"], batch_size=_BATCH)
    return len(changed)


def search_texts_stale(*, limit: int = 20) -> tuple[int, list[int]]:
    """How many tasks' documents differ from what their sources make, and the first `limit` of their ids."""
    if _postgres():
        documents, params = _documents_sql()
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT count(*), (array_agg(d.id ORDER BY d.id))[1:%s] FROM ({documents}) d "
                "WHERE d.search_text IS DISTINCT FROM d.document",
                [*params, limit],
            )
            count, ids = cursor.fetchone()
        return count, list(ids or [])
    stale = [task.pk for task in _tasks_in_scope().iterator(_BATCH) if task.search_text != task_document(task)]
    return len(stale), stale[:limit]


def search_text_refresh_later(*, unit_id: int) -> None:
    """After a unit's rename: refresh its tasks' documents in the background (Celery, after commit)."""
    from .background import run_after_commit

    run_after_commit("inspections.refresh_unit_search_texts", unit_id)


def on_unit_renamed(sender, *, unit, **kwargs) -> None:
    """accounts' `unit_renamed` (accounts never imports inspections, so it announces; connected in apps.py)."""
    search_text_refresh_later(unit_id=unit.pk)
