#!/usr/bin/env bash
# Fuzz the API of a live server, as an outsider would meet it (issue 12): migrate a database,
# load the demo street, serve it with gunicorn as run.sh does, and run
# `schemathesis run --checks all` against /api/openapi.json with a staff token and with a
# resident token. Fails on any server error (5xx) or any response that breaks the published
# schema; gunicorn is stopped at the end whatever happens.
#
# Database: on PostgreSQL (DATABASE_URL=postgres://…) a sibling database "<name>_live_fuzz"
# is created and dropped at the end; on SQLite the subdirectory live-fuzz of LINLI_DATA_DIR
# (default var/) holds a fresh database. Bounded: LIVE_FUZZ_EXAMPLES cases per operation and
# phase (default 8), fixed seed LIVE_FUZZ_SEED, one client worker (the fuzzer's own schema code is not safe to run in two threads on this Python: it once failed with "SystemError: AST constructor recursion depth mismatch").
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
py="$root/.venv/bin/python"
examples=${LIVE_FUZZ_EXAMPLES:-8}
seed=${LIVE_FUZZ_SEED:-20261201}
password=Linli@2026demo  # every demo account's password (README)

data="${LINLI_DATA_DIR:-$root/var}/live-fuzz"
rm -rf "$data"
mkdir -p "$data"
export LINLI_DATA_DIR="$data"
export DEBUG=false
# The per-account and per-address API rate limits would answer most fuzz cases with 429 and
# hide what the cases are for; they have their own tests. Domain limits (reveals, counter
# lookups, claims per day) stay on.
export API_THROTTLE_ANON="" API_THROTTLE_USER=""

server=""
sibling=""
cleanup() {
  local status=$?
  trap - EXIT INT TERM
  if [ -n "$server" ]; then
    kill "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
  fi
  if [ -n "$sibling" ]; then
    "$py" tests/live/pg_sibling.py drop "$sibling" || true
  fi
  exit "$status"
}
trap cleanup EXIT INT TERM

if [[ "${DATABASE_URL:-}" == postgres* ]]; then
  sibling=$("$py" tests/live/pg_sibling.py create "$DATABASE_URL")
  export DATABASE_URL="$sibling"
else
  unset DATABASE_URL
fi

.venv/bin/linli migrate --noinput -v0
# Error pages (a 403 or 500 rendered as HTML) need the static files' manifest, as run.sh has.
.venv/bin/linli collectstatic --noinput -v0
.venv/bin/linli demo >"$data/demo.log" 2>&1

port=$("$py" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
# As run.sh serves it, except that the request line is not capped at gunicorn's 4 KB: a longer
# URL would be refused by gunicorn with its own HTML 414 (the front server's business in
# production), and the fuzz is here to test what the application answers.
.venv/bin/gunicorn linli.wsgi:application --bind "127.0.0.1:$port" --workers 2 --threads 4 \
  --limit-request-line 0 --log-level warning >"$data/server.log" 2>&1 &
server=$!
up=""
for _ in $(seq 60); do
  kill -0 "$server" 2>/dev/null || { echo "gunicorn did not start:"; cat "$data/server.log"; exit 1; }
  # The schema is built on request (400 KB): allow it time on a busy machine.
  "$py" -c "import urllib.request as u; u.urlopen('$base/api/openapi.json', timeout=60)" \
    2>/dev/null && { up=1; break; }
  sleep 1
done
[ -n "$up" ] || { echo "the server did not answer at $base"; exit 1; }

# Tokens first: the destructive run at the end revokes its own tokens and fuzzes the token
# route, whose lockout and rate limit must not keep the main runs from signing in.
staff=$("$py" tests/live/bearer_token.py "$base" 13900000011 "$password")
resident=$("$py" tests/live/bearer_token.py "$base" 13900000015 "$password")
staff_spare=$("$py" tests/live/bearer_token.py "$base" 13900000011 "$password")
resident_spare=$("$py" tests/live/bearer_token.py "$base" 13900000015 "$password")

# Operations that end the caller's session or erase a person's data: run on their own after
# the main runs (with spare tokens), so that they do not starve every case that follows.
destructive=(--include-path-regex '^/api/v1/auth/token$|/anonymise$')
main=(--exclude-path-regex '^/api/v1/auth/token$|/anonymise$')

fuzz() {
  local label=$1 token=$2
  shift 2
  echo "--- live API fuzz: $label"
  .venv/bin/schemathesis --no-color --config-file schemathesis.toml run "$base/api/openapi.json" \
    --checks all \
    --max-examples "$examples" --seed "$seed" --workers 1 --request-timeout 30 \
    --header "Authorization: Bearer $token" "$@"
}

status=0
fuzz "community staff" "$staff" "${main[@]}" || status=1
fuzz "resident" "$resident" "${main[@]}" || status=1
fuzz "community staff, destructive operations" "$staff_spare" "${destructive[@]}" || status=1
fuzz "resident, destructive operations" "$resident_spare" "${destructive[@]}" || status=1
# Every traceback the server logged is a failure, even one the checks did not see.
if grep -q "Traceback" "$data/server.log"; then
  echo "--- server errors logged (full log: $data/server.log):"
  grep -B2 -A40 "Traceback" "$data/server.log" | head -400
  status=1
fi
exit "$status"
