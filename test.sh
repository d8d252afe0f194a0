#!/usr/bin/env bash
# Install what the tests need (Python packages, Debian's Chromium and CJK fonts) and run the
# whole suite. Set DATABASE_URL=postgres://… to run it on PostgreSQL; extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")"
PYTHON=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e '.[test]'
need_apt=""
command -v chromium >/dev/null 2>&1 || need_apt=1
command -v pg_dump >/dev/null 2>&1 || need_apt=1
command -v pdftotext >/dev/null 2>&1 || need_apt=1
# grep reads all of fc-list's output (no -q): with pipefail an early exit would fail the pipe
fc-list 2>/dev/null | grep -i "Noto Sans CJK" >/dev/null || need_apt=1
# Debian's npm only where there is none: it conflicts with a Node.js installed otherwise
npm_pkg=""; command -v npm >/dev/null 2>&1 || { need_apt=1; npm_pkg=npm; }
if [ -n "$need_apt" ]; then
  sudo=""; [ "$(id -u)" = 0 ] || sudo=sudo
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium fonts-noto-cjk \
    poppler-utils postgresql-client $npm_pkg >/dev/null
fi
# Front-end files (the counter's QR reader) from npm, exactly as locked in package-lock.json.
npm ci --no-audit --no-fund --loglevel=error
.venv/bin/ruff check linli tests bench
# Dependencies point one way: the contracts in pyproject.toml ([tool.importlinter]).
.venv/bin/lint-imports --no-cache
.venv/bin/linli makemigrations --check --dry-run -v0
# Two workers (one per core); each module stays on one worker.
.venv/bin/pytest -n "${PYTEST_WORKERS:-2}" --dist loadfile -m "not fuzz" "$@"
# API fuzzing makes its cases while it runs, which parallel workers cannot share out.
status=0
.venv/bin/pytest -m fuzz "$@" || status=$?
[ "$status" -eq 0 ] || [ "$status" -eq 5 ] || exit "$status"  # 5: no fuzz test selected
# The same API over real HTTP: gunicorn on a fresh database (a sibling of DATABASE_URL's on
# PostgreSQL, LINLI_DATA_DIR/live-fuzz on SQLite), fuzzed with a staff and a resident token.
# LIVE_FUZZ=0 skips it (e.g. while running one test file).
if [ "${LIVE_FUZZ:-1}" != 0 ]; then
  tests/live/fuzz_live.sh
fi
