#!/usr/bin/env bash
# Set up Linli on SQLite with demo data and serve it on http://127.0.0.1:8000
# (web server plus background task worker). Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")"
PYTHON=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e .
# Front-end files (the counter's QR reader) from npm, exactly as locked in package-lock.json.
if ! command -v npm >/dev/null 2>&1; then
  sudo=""; [ "$(id -u)" = 0 ] || sudo=sudo
  $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq npm >/dev/null
fi
npm ci --no-audit --no-fund --loglevel=error
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
