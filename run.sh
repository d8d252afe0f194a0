#!/usr/bin/env bash
# Set up Linli on SQLite with demo data and serve it on http://127.0.0.1:8000
# (web server plus background task worker). Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")"
PYTHON=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e .
export DEBUG=${DEBUG:-false}
.venv/bin/linli migrate --noinput -v0
.venv/bin/linli collectstatic --noinput -v0
.venv/bin/linli demo
.venv/bin/linli run_huey --quiet &
worker=$!
trap 'kill $worker 2>/dev/null || true' EXIT INT TERM
echo "Linli is running at http://127.0.0.1:8000  (Ctrl-C to stop)"
.venv/bin/gunicorn linli.wsgi:application --bind 127.0.0.1:8000 --workers 2 --threads 4 \
  --access-logfile - --log-level warning
