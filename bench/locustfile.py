"""Load test: bureau staff, leaders and unit users working the tracker at once (bench/run_load.sh runs it).

Every simulated user logs in once through the login form (with its CSRF token), then mixes the task list
(filters, pages), task pages, the leader dashboard, progress posts (unit users, on their own unit's tasks,
with the CSRF token and version read from the task page) and small ledger exports (one round's overdue tasks).
Users come from env: LOAD_PASSWORD and LOAD_USERS = "bureau:load_bureau_1,load_bureau_2;leader:...;unit:...",
written by run_load.sh after it creates them. A request counts as an error unless it returns what the
page should (200, or the export's 302 to its job page).
"""

import itertools
import os
import random
import re

from locust import HttpUser, between, task

PASSWORD = os.environ.get("LOAD_PASSWORD", "")
USERS = {
    role: names.split(",")
    for role, names in (part.split(":", 1) for part in os.environ.get("LOAD_USERS", "").split(";") if part)
}
_counters = {role: itertools.count() for role in USERS}

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
TASK_LINK = re.compile(r'href="/tasks/(\d+)/"')
ROUND_LINK = re.compile(r'href="/rounds/(\d+)/"')
VERSION = re.compile(r'id="progress".*?name="version" value="(\d+)"', re.S)
PERCENT = re.compile(r'id="progress".*?name="percent"[^>]*value="(\d+)"', re.S)
FILTERS = [
    "",
    "?status=in_progress",
    "?overdue=true",
    "?status=not_started&page=2",
    "?due_within=30",
    "?q=%E6%B2%B3",
    "?ordering=deadline&page=3",
    "?complete=false&page=5",
    "?warning=red",
]


class Worker(HttpUser):
    abstract = True
    role = ""
    wait_time = between(1, 3)

    def on_start(self):
        self.username = USERS[self.role][next(_counters[self.role]) % len(USERS[self.role])]
        self.task_ids: list[int] = []
        page = self.client.get("/accounts/login/", name="login form")
        token = CSRF.search(page.text).group(1)
        with self.client.post(
            "/accounts/login/",
            name="login",
            data={"username": self.username, "password": PASSWORD, "csrfmiddlewaretoken": token},
            headers={"Referer": self.host + "/accounts/login/"},
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 302:
                response.failure(f"login of {self.username} answered {response.status_code}")

    def _ok(self, response, *codes):
        if response.status_code not in codes:
            response.failure(f"{response.status_code} for {response.url}: {response.error or ''}")
            return False
        response.success()
        return True

    def open_dashboard(self):
        with self.client.get("/dashboard/", name="dashboard", catch_response=True) as r:
            self._ok(r, 200)

    @task(5)
    def task_list(self):
        with self.client.get("/tasks/" + random.choice(FILTERS), name="task list", catch_response=True) as r:
            if self._ok(r, 200):
                ids = [int(i) for i in TASK_LINK.findall(r.text)]
                if ids:
                    self.task_ids = ids

    def _a_task(self):
        if not self.task_ids:
            self.task_list()
        return random.choice(self.task_ids) if self.task_ids else None

    def _task_page(self):
        """Open one of this user's tasks: (id, page text), with text None when there is no page to read."""
        pk = self._a_task()
        if pk is None:
            return None, None
        with self.client.get(f"/tasks/{pk}/", name="task detail", catch_response=True) as page:
            return pk, (page.text if self._ok(page, 200) else None)

    @task(4)
    def task_detail(self):
        self._task_page()

    @task(1)
    def export_small(self):
        """One round's overdue tasks as Excel: small ones are answered at once (200), big ones 302 to their job."""
        _pk, text = self._task_page()
        found = ROUND_LINK.search(text) if text else None
        if not found:
            return
        query = f"?round={found.group(1)}&overdue=true"
        with self.client.get(
            "/ledger/export/" + query, name="ledger export", allow_redirects=False, catch_response=True
        ) as r:
            self._ok(r, 200, 302)


class Bureau(Worker):
    role = "bureau"
    weight = 2

    dashboard = task(2)(lambda self: self.open_dashboard())


class Leader(Worker):
    role = "leader"
    weight = 1

    dashboard = task(4)(lambda self: self.open_dashboard())


class UnitUser(Worker):
    role = "unit"
    weight = 2

    @task(3)
    def post_progress(self):
        """Report progress on one of the unit's own tasks (those still open for reporting)."""
        pk, text = self._task_page()
        if text is None:
            return
        version, percent, token = VERSION.search(text), PERCENT.search(text), CSRF.search(text)
        if not (version and token):
            return  # finished or submitted tasks have no progress form
        new_percent = min(100, int(percent.group(1) if percent else 0) + random.randint(0, 5))
        with self.client.post(
            f"/tasks/{pk}/progress/",
            name="progress post",
            allow_redirects=False,
            data={
                "csrfmiddlewaretoken": token.group(1),
                "version": version.group(1),
                "text": "压测：本周完成现场核查并整改到位一处。",
                "percent": new_percent,
                "investment": "",
            },
            headers={"Referer": f"{self.host}/tasks/{pk}/"},
            catch_response=True,
        ) as r:
            self._ok(r, 302)
