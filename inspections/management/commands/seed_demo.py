"""Load the demo ledger (idempotent), or with --tasks N add N benchmark tasks deterministically."""

import time

from django.core.management.base import BaseCommand

from inspections.demo.bulk import seed_bulk
from inspections.demo.realistic import DemoBuilder
from inspections.demo.units import DEMO_PASSWORD, DEMO_USERS


class Command(BaseCommand):
    help = "Load realistic demo data (five rounds, units, one user per role); --tasks N adds bulk benchmark data."

    def add_arguments(self, parser):
        parser.add_argument("--tasks", type=int, default=0, help="add N benchmark tasks (bulk inserts)")
        parser.add_argument("--seed", type=int, default=1, help="random seed of the bulk data")

    def handle(self, *args, tasks, seed, **options):
        started = time.monotonic()
        if tasks:
            seed_bulk(tasks=tasks, seed=seed, stdout=self.stdout)
            self.stdout.write(f"Added {tasks} tasks (seed={seed}) in {time.monotonic() - started:.1f} s.")
            return
        result = DemoBuilder().build()
        if result["tasks"]:
            self.stdout.write(f"Demo ledger loaded: {result['tasks']} tasks in {time.monotonic() - started:.1f} s.")
        else:
            self.stdout.write("Demo ledger already present; nothing added.")
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for username, full_name, role, _unit in DEMO_USERS:
            self.stdout.write(f"  {username:<10} {full_name}（{role.label}）")
