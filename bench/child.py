"""Run one step of a benchmark in a child process, so that its peak memory and CPU are its own."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_child(script: str, *args: str) -> dict:
    """Run `python <script> <args>` from the project folder; the child prints its result as JSON on its last line."""
    result = subprocess.run([sys.executable, script, *args], capture_output=True, text=True, cwd=ROOT)
    if result.returncode != 0:
        sys.stderr.write(result.stderr)
        raise SystemExit(f"child {args[0]} failed")
    return json.loads(result.stdout.strip().splitlines()[-1])
