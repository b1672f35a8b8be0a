"""CPU time of a benchmark: this process plus the PostgreSQL backend serving it.

On a machine shared with other work, wall time measures the neighbours' load too; CPU time is what a request
costs on an idle core. The backend's parallel workers are counted through the postmaster's reaped-children
time. Every reading is None when PostgreSQL is not on this machine (no /proc entry for its backend).
"""

import os
import time

from django.db import connection


def _proc_ticks(pid: int, fields: slice) -> int:
    with open(f"/proc/{pid}/stat") as stat:
        values = stat.read().rsplit(")", 1)[1].split()  # the fields after the command name
    return sum(int(v) for v in values[fields])


class CpuClock:
    """`now()`: CPU seconds of this process plus its backend and the backend's parallel workers;
    `backend_now()`: the backend's (and workers') share alone."""

    def __init__(self):
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            self.backend = cursor.fetchone()[0]
        try:
            self.postmaster = _proc_ticks(self.backend, slice(1, 2))  # ppid
            self.hz = os.sysconf("SC_CLK_TCK")
        except OSError:
            self.postmaster = None

    def backend_now(self) -> float | None:
        if self.postmaster is None:
            return None
        try:
            ticks = _proc_ticks(self.backend, slice(11, 13)) + _proc_ticks(self.postmaster, slice(13, 15))
        except OSError:
            return None
        return ticks / self.hz

    def now(self) -> float | None:
        backend = self.backend_now()
        return None if backend is None else time.process_time() + backend
