#!/usr/bin/env bash
# The dashboard benchmark (bench/bench_dashboard.py seeds the demo and 100,000 tasks when missing).
#   bash bench/run_bench_dashboard.sh [--requests 20]
exec bash "$(dirname "${BASH_SOURCE[0]}")/run.sh" dashboard "$@"
