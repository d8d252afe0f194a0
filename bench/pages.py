"""Page bench: the main pages, API lists and writes under load, each as a ratio to an empty page.

gunicorn runs exactly as run.sh serves Linli (2 workers x 4 threads, DEBUG=false, static files
collected) on a bench database with the demo data; wrk drives it at 32 connections. Every
target is measured against a baseline taken in the same run for the same user:

- pages: an empty page in the same layout (resident or workbench): base template, session,
  user, roles, navigation and unread count, no data (`/bench/empty/`, routed only when
  LINLI_BENCH=1);
- API lists: `GET /api/v1/notifications/unread-count` (auth and one COUNT);
- writes: `POST /api/v1/notifications/read-all` with nothing unread (auth, CSRF, JSON body, an
  UPDATE of no rows) -- the "trivial POST".

The ratio is throughput (requests/s) of the target over its baseline: 1.0 is as fast as the
empty page, 0.5 half as fast. Latency percentiles are of the target at 32 connections.

    apt-get install -y wrk                                    # Debian's wrk, once
    .venv/bin/python bench/pages.py                           # SQLite (var/bench-pages)
    .venv/bin/python bench/pages.py --db postgres             # PostgreSQL (linli_bench_pages)
    .venv/bin/python bench/pages.py --reuse --duration 5      # keep the prepared database
    .venv/bin/python bench/pages.py --reuse --only write      # a subset, by name
    .venv/bin/python bench/pages.py --reuse --fixed-costs     # the empty staff page, as served
                                                              # and with issue 13's fixed costs

The API rate limits are off for the bench server (a load generator is one client and would be
answered 429), and the per-household limits of the writes are raised so that every write does
its real work; everything else is as served.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv" / "bin"
PASSWORD = "Linli@2026demo"
RESIDENT, STAFF = "13900000015", "13900000011"  # 刘师傅 (resident), 郭娜 (community staff)
PG_URL = "postgres://postgres@127.0.0.1:5432/linli_bench_pages"

LUA = r"""
local method = os.getenv("B_METHOD")
local path = os.getenv("B_PATH")
local body_tpl = os.getenv("B_BODY")
local headers = {["Cookie"] = os.getenv("B_COOKIE"), ["X-CSRFToken"] = os.getenv("B_CSRF"),
                 ["Referer"] = os.getenv("B_ORIGIN") .. "/"}
if os.getenv("B_CTYPE") ~= "" then headers["Content-Type"] = os.getenv("B_CTYPE") end
local run = os.getenv("B_RUN")
local base = tonumber(os.getenv("B_BASE"))
local counter = 0
local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("tid", #threads)
end

function request()
  counter = counter + 1
  local body = nil
  if body_tpl ~= "" then
    -- order slots: a minute apart (7 days apart per thread), each run its own length
    local start = base + (((tid or 1) - 1) * 7 * 1440 + counter) * 60
    body = body_tpl:gsub("{n}", run .. "-" .. tostring(tid) .. "-" .. tostring(counter))
    body = body:gsub("{start}", os.date("!%Y-%m-%dT%H:%M:%SZ", start))
    body = body:gsub("{end}", os.date("!%Y-%m-%dT%H:%M:%SZ", start + 59 - tonumber(run) % 30))
  end
  return wrk.format(method, path, headers, body)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH {"requests": %d, "duration_us": %d, "status_errors": %d, "socket_errors": %d, ' ..
    '"timeouts": %d, "p50": %d, "p95": %d, "p99": %d}\n',
    summary.requests, summary.duration, e.status, e.connect + e.read + e.write, e.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99)))
end
"""

#: Runs inside Django on the bench database: raises the writes' stocks and balances and
#: returns what the targets need (door token, uuids). Printed as one JSON line.
PREPARE = r"""
import json, uuid
from datetime import timedelta
from django.utils import timezone
from linli.accounts.models import User
from linli.ledger.models import AccountKind, TransferKind, Unit
from linli.ledger import services as ledger
from linli.orders.models import Order, OrderStatus, ServiceProject
from linli.orders.services import order_submit
from linli.points.models import ConventionItem
from linli.registry.models import Resident
from linli.store.models import Goods
from linli.store.services import goods_restock

resident_user = User.objects.get(mobile=RESIDENT)
staff = User.objects.get(mobile=STAFF)
me = Resident.objects.select_related("household__community__street").get(user=resident_user)
home = me.household
street = home.community.street
points = ledger.household_account_ensure(household=home)
issuer = ledger.system_account_ensure(street=street, kind=AccountKind.ISSUER, unit=Unit.POINTS)
ledger.transfer_create(unit=Unit.POINTS, debit=issuer, credit=points, amount=10**9,
                       kind=TransferKind.AWARD, reference="bench",
                       idempotency_key=f"bench-points-{uuid.uuid4().hex}")
goods = Goods.objects.filter(community=home.community, active=True).order_by("price").first()
Goods.objects.filter(pk=goods.pk).update(limit_per_household=None, available_from=None,
                                         available_until=None)
goods_restock(goods=goods, quantity=100_000, actor=staff)
family = Resident.objects.filter(household=home, moved_out=False, deceased=False,
                                 anonymised_at__isnull=True).exclude(pk=me.pk).first()
if family is None:  # a gift needs a family member
    family = Resident.objects.create(household=home, name="刘小梅")
hours = ledger.resident_account_ensure(resident=me)
adjust = ledger.system_account_ensure(street=street, kind=AccountKind.ADJUSTMENT, unit=Unit.TIME)
ledger.transfer_create(unit=Unit.TIME, debit=adjust, credit=hours, amount=10**8,
                       kind=TransferKind.ADJUSTMENT, reference="bench",
                       idempotency_key=f"bench-hours-{uuid.uuid4().hex}")
item = ConventionItem.objects.filter(convention__community=home.community, points__gt=0,
                                     is_deduction=False, photo_required=False
                                     ).order_by("cap_count", "id").first()
if item is not None:  # a capped item would refuse the second claim of the period
    ConventionItem.objects.filter(pk=item.pk).update(cap_count=None)
project = None
slot = timezone.now() + timedelta(days=1)
for candidate in ServiceProject.objects.filter(community=home.community, active=True):
    try:
        order_submit(project=candidate, household=home, actor=resident_user, slot_start=slot,
                     slot_end=slot + timedelta(minutes=30), overlap_confirmed=True)
    except Exception:
        continue
    project = candidate
    break
pending = Order.objects.filter(community=staff.roles.first().community,
                               status=OrderStatus.SUBMITTED).order_by("-id").first()
print(json.dumps({
    "door_token": home.door_token, "household": str(home.uuid), "me": str(me.uuid),
    "family": str(family.uuid) if family else "", "goods": str(goods.uuid),
    "item": str(item.uuid) if item else "", "project": str(project.uuid) if project else "",
    "pending_order": str(pending.uuid) if pending else "",
}))
"""


def _env(db: str, data_dir: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LINLI_TESTING", "PYTEST"))}
    env.update(
        LINLI_DATA_DIR=str(data_dir), DEBUG="false", LINLI_BENCH="1", LOG_LEVEL="WARNING",
        API_THROTTLE_ANON="", API_THROTTLE_USER="", API_THROTTLE_TOKEN="",
        STORE_REDEMPTIONS_PER_DAY="100000000", POINTS_CLAIMS_PER_DAY="100000000",
        LEDGER_TIME_GIFT_YEARLY_CAP_MINUTES=str(10**11),
        LEDGER_TIME_STORAGE_CAP_MINUTES=str(10**11),
    )
    if db == "postgres":
        env["DATABASE_URL"] = PG_URL
    else:
        env.pop("DATABASE_URL", None)
    return env


def _linli(env: dict, *args: str, capture: bool = False) -> str:
    out = subprocess.run([str(VENV / "linli"), *args], env=env, cwd=ROOT, check=True,
                         capture_output=capture, text=True)
    return out.stdout if capture else ""


def prepare(db: str, data_dir: Path, env: dict, reuse: bool) -> dict:
    marker = data_dir / f"bench-prepared-{db}"
    if not (reuse and marker.exists()):
        if db == "postgres":
            subprocess.run(["psql", "-q", "-h", "127.0.0.1", "-U", "postgres", "-c",
                            "DROP DATABASE IF EXISTS linli_bench_pages"], check=True)
            subprocess.run(["psql", "-q", "-h", "127.0.0.1", "-U", "postgres", "-c",
                            "CREATE DATABASE linli_bench_pages"], check=True)
        else:
            for name in ("linli.sqlite3", "linli.sqlite3-wal", "linli.sqlite3-shm"):
                (data_dir / name).unlink(missing_ok=True)
        _linli(env, "migrate", "--noinput", "-v0")
        _linli(env, "demo")
        marker.touch()
    _linli(env, "collectstatic", "--noinput", "-v0")
    code = f"RESIDENT, STAFF = {RESIDENT!r}, {STAFF!r}\n" + PREPARE
    out = _linli(env, "shell", "-c", code, capture=True)
    return json.loads(out.strip().splitlines()[-1])


class Server:
    """gunicorn as run.sh starts it."""

    def __init__(self, env: dict, port: int, log: Path):
        self.env, self.port = env, port
        self.log = log.open("w")  # refusals of writes are logged as warnings
        self.origin = f"http://127.0.0.1:{port}"

    def __enter__(self):
        self.proc = subprocess.Popen(
            [str(VENV / "gunicorn"), "linli.wsgi:application", "--bind", f"127.0.0.1:{self.port}",
             "--workers", "2", "--threads", "4", "--log-level", "warning"],
            env=self.env, cwd=ROOT, start_new_session=True, stderr=self.log)
        for _ in range(120):
            try:
                urllib.request.urlopen(self.origin + "/healthz", timeout=2)
                return self
            except OSError:
                time.sleep(0.5)
        raise RuntimeError("gunicorn did not start")

    def __exit__(self, *exc):
        os.killpg(self.proc.pid, signal.SIGTERM)
        self.proc.wait(timeout=30)
        self.log.close()

    def rss_mb(self) -> list[float]:
        """Resident memory of each gunicorn worker (MB)."""
        out = subprocess.run(["ps", "-o", "rss=", "--ppid", str(self.proc.pid)],
                             capture_output=True, text=True).stdout
        return [round(int(v) / 1024) for v in out.split()]


def login(origin: str, mobile: str) -> tuple[str, str]:
    """A signed-in session: (Cookie header, CSRF token)."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.open(origin + "/accounts/login/").read()
    csrf = next(c.value for c in jar if c.name == "csrftoken")
    data = urllib.parse.urlencode({"username": mobile, "password": PASSWORD,
                                   "csrfmiddlewaretoken": csrf}).encode()
    request = urllib.request.Request(origin + "/accounts/login/", data=data,
                                     headers={"Referer": origin + "/accounts/login/"})
    opener.open(request).read()
    cookies = {c.name: c.value for c in jar}
    if "sessionid" not in cookies:
        raise RuntimeError(f"login of {mobile} failed")
    opener.open(origin + "/").read()  # the first signed-in request sets the idle expiry
    return "; ".join(f"{k}={v}" for k, v in cookies.items()), cookies["csrftoken"]


def wrk(origin: str, path: str, session: tuple[str, str], *, method: str = "GET",
        body: str = "", ctype: str = "", connections: int, duration: int,
        script: Path, run: str, base: int) -> dict:
    cookie, csrf = session
    env = {**os.environ, "B_METHOD": method, "B_PATH": path, "B_BODY": body, "B_CTYPE": ctype,
           "B_COOKIE": cookie, "B_CSRF": csrf, "B_ORIGIN": origin, "B_RUN": run,
           "B_BASE": str(base)}
    out = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--timeout", "20s",
                          "-s", str(script), origin], env=env, capture_output=True, text=True,
                         check=True).stdout
    line = next(x for x in out.splitlines() if x.startswith("BENCH "))
    result = json.loads(line[6:])
    result["rps"] = result["requests"] / (result["duration_us"] / 1e6)
    return result


def targets(ids: dict) -> list[dict]:
    r, s = "resident", "staff"
    page = [
        ("resident home", r, "/"),
        ("door plate (scan)", r, f"/d/{ids['door_token']}/"),
        ("time-bank statement", r, "/timebank/statement/"),
        ("points statement", r, "/points/statement/"),
        ("store", r, "/store/"),
        ("activity calendar", r, "/activities/calendar/"),
        ("workbench", s, "/workbench/"),
        ("order board", s, "/workbench/orders/"),
        ("registry list", s, "/registry/"),
        ("registry pinyin search", s, "/registry/?q=zs"),
        ("points review queue", s, "/workbench/points/queue/"),
    ]
    if ids["pending_order"]:
        page.insert(8, ("dispatch", s, f"/workbench/orders/{ids['pending_order']}/dispatch/"))
    out = [{"name": n, "who": w, "kind": "page", "path": p} for n, w, p in page]
    for name, path in [
        ("API residents", "/api/v1/registry/residents?limit=20"),
        ("API households", "/api/v1/registry/households?limit=20"),
        ("API people", "/api/v1/people?limit=20"),
        ("API orders", "/api/v1/orders?limit=20"),
        ("API activities", "/api/v1/activities?limit=20"),
        ("API ledger accounts", "/api/v1/ledger/accounts?limit=20"),
        ("API points claims", "/api/v1/points/claims?limit=20"),
    ]:
        out.append({"name": name, "who": s, "kind": "api", "path": path})
    json_type = "application/json"
    writes = [
        ("write: store redemption", "/api/v1/store/redemptions", json_type, json.dumps(
            {"goods": ids["goods"], "quantity": 1, "idempotency_key": "bench-{n}"})),
    ]
    if ids["family"]:
        writes.append(("write: time-bank gift", "/api/v1/timebank/gifts", json_type, json.dumps(
            {"recipient": ids["family"], "minutes": 1, "idempotency_key": "bench-{n}"})))
    if ids["project"]:
        writes.append(("write: service order", "/api/v1/orders", json_type, json.dumps(
            {"project": ids["project"], "household": ids["household"], "slot_start": "{start}",
             "slot_end": "{end}", "confirm_overlap": True})))
    if ids["item"]:
        boundary = "linlibenchboundary"
        fields = {"item": ids["item"], "member": ids["me"], "note": "bench {n}"}
        body = "".join(f"--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n"
                       f"{v}\r\n" for k, v in fields.items()) + f"--{boundary}--\r\n"
        writes.append(("write: points claim", "/api/v1/points/claims",
                       f"multipart/form-data; boundary={boundary}", body))
    for name, path, ctype, body in writes:
        out.append({"name": name, "who": r, "kind": "write", "path": path, "method": "POST",
                    "ctype": ctype, "body": body})
    return out


BASELINES = {
    ("page", "resident"): {"path": "/bench/empty/"},
    ("page", "staff"): {"path": "/bench/empty/?layout=workbench"},
    ("api", "staff"): {"path": "/api/v1/notifications/unread-count"},
    ("write", "resident"): {"path": "/api/v1/notifications/read-all", "method": "POST",
                            "ctype": "application/json", "body": "{}"},
}


def bench(db: str, *, duration: int, connections: int, port: int, reuse: bool,
          only: str = "") -> dict:
    if shutil.which("wrk") is None:
        sys.exit("wrk is missing: apt-get install -y wrk")
    data_dir = ROOT / "var" / f"bench-pages-{db}"
    data_dir.mkdir(parents=True, exist_ok=True)
    env = _env(db, data_dir)
    ids = prepare(db, data_dir, env, reuse)
    script = Path(tempfile.mkdtemp()) / "bench.lua"
    script.write_text(LUA)
    run = str(int(time.time()))
    base = _slot_base()
    rows = []
    with Server(env, port, data_dir / "gunicorn.log") as server:
        sessions = {"resident": login(server.origin, RESIDENT),
                    "staff": login(server.origin, STAFF)}
        baselines = {}

        def measure(spec: dict, who: str) -> dict:
            # A short warm-up (templates, connections), then the measured run.
            args = dict(method=spec.get("method", "GET"), body=spec.get("body", ""),
                        ctype=spec.get("ctype", ""), connections=connections, script=script,
                        run=run, base=base)
            wrk(server.origin, spec["path"], sessions[who], duration=1, **args)
            args["base"] = base + 3000 * 60  # order slots after the warm-up's
            return wrk(server.origin, spec["path"], sessions[who], duration=duration, **args)

        for target in targets(ids):
            if only and only not in target["name"]:
                continue
            # Each target right after its own baseline, so that drift (other load on the
            # machine, WAL growth) hits both alike.
            key = (target["kind"], target["who"])
            base_result = measure(BASELINES[key], key[1])
            baselines.setdefault(key, []).append(base_result)
            result = measure(target, target["who"])
            result.update(name=target["name"], path=target["path"], kind=target["kind"],
                          who=target["who"], baseline=BASELINES[key]["path"],
                          baseline_rps=base_result["rps"],
                          ratio=result["rps"] / base_result["rps"])
            rows.append(result)
            print(_row(result, base_result), flush=True)
        rss = server.rss_mb()
    return {"db": db, "rows": rows, "baselines": {f"{k[0]}/{k[1]}": v for k, v in
                                                   baselines.items()},
            "worker_rss_mb": rss, "connections": connections, "duration": duration}


def _slot_base() -> int:
    """Order slots: from tomorrow, on days 1-28 only (the API's date pattern), a minute apart."""
    now = time.time()
    day = 86400
    start = (int(now) // day + 1) * day
    while time.gmtime(start).tm_mday > 10:
        start += day
    if start - now > 40 * day:
        start = (int(now) // day + 1) * day
    return start


def _row(r: dict, base: dict) -> str:
    return (f"{r['name']:28} {r['rps']:8.1f} req/s  x{r['rps'] / base['rps']:.2f}  "
            f"p50 {r['p50'] / 1000:7.1f} ms  p95 {r['p95'] / 1000:7.1f} ms  "
            f"p99 {r['p99'] / 1000:7.1f} ms  non-2xx {r['status_errors']}"
            f"{'  socket errors ' + str(r['socket_errors']) if r['socket_errors'] else ''}")


def markdown(result: dict) -> str:
    lines = [f"### {result['db']} ({result['connections']} connections, "
             f"{result['duration']} s per target)", "",
             "| target | req/s | × empty | p50 ms | p95 ms | p99 ms | non-2xx |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    for key, runs in result["baselines"].items():  # each measured before its targets: mean
        mean = {k: sum(b[k] for b in runs) / len(runs) for k in ("rps", "p50", "p95", "p99")}
        lines.append(f"| baseline {key} (mean of {len(runs)}) | {mean['rps']:.1f} | 1.00 | "
                     f"{mean['p50'] / 1000:.1f} | {mean['p95'] / 1000:.1f} | "
                     f"{mean['p99'] / 1000:.1f} | {sum(b['status_errors'] for b in runs)} |")
    for r in result["rows"]:
        lines.append(f"| {r['name']} | {r['rps']:.1f} | {r['ratio']:.2f} | {r['p50'] / 1000:.1f}"
                     f" | {r['p95'] / 1000:.1f} | {r['p99'] / 1000:.1f} | {r['status_errors']} |")
    lines.append("")
    lines.append(f"Worker memory after the run (RSS, MB): {result['worker_rss_mb']}")
    return "\n".join(lines)


#: The fixed costs of issue 13 switched back on: the staff session written on every request,
#: and on SQLite a new connection per request (running its PRAGMAs each time); PostgreSQL
#: already kept its connections for 60 s.
BEFORE_FIXED_COSTS = {
    "sqlite": {"CONN_MAX_AGE": "0", "STAFF_IDLE_REFRESH_SECONDS": "0"},
    "postgres": {"STAFF_IDLE_REFRESH_SECONDS": "0"},
}


def fixed_costs(db: str, *, duration: int, connections: int, port: int, rounds: int = 2) -> list:
    """The empty workbench page for a staff user, as served and with the fixed costs of
    issue 13 back (BEFORE_FIXED_COSTS), alternating servers so drift hits both alike."""
    data_dir = ROOT / "var" / f"bench-pages-{db}"
    data_dir.mkdir(parents=True, exist_ok=True)
    env = _env(db, data_dir)
    prepare(db, data_dir, env, reuse=True)
    script = Path(tempfile.mkdtemp()) / "bench.lua"
    script.write_text(LUA)
    results = []
    for r in range(rounds):
        for variant, extra in (("as served", {}), ("before", BEFORE_FIXED_COSTS[db])):
            with Server({**env, **extra}, port, data_dir / "gunicorn.log") as server:
                session = login(server.origin, STAFF)
                args = dict(connections=connections, script=script, run=str(r), base=0)
                for path in ("/bench/empty/?layout=workbench",):
                    wrk(server.origin, path, session, duration=1, **args)
                    result = wrk(server.origin, path, session, duration=duration, **args)
                    result.update(variant=variant, path=path, round=r)
                    results.append(result)
                    print(f"{variant:10} {path:34} {result['rps']:8.1f} req/s  "
                          f"p50 {result['p50'] / 1000:.1f} ms  p95 {result['p95'] / 1000:.1f} ms",
                          flush=True)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--duration", type=int, default=8, help="seconds per target")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--port", type=int, default=8061)
    parser.add_argument("--reuse", action="store_true",
                        help="keep the database prepared by an earlier run")
    parser.add_argument("--only", default="", help="targets whose name contains this")
    parser.add_argument("--json", type=Path, help="also write the raw results here")
    parser.add_argument("--fixed-costs", action="store_true",
                        help="only the empty staff page, as served and with issue 13's fixed "
                             "costs back (a connection per request, a session write per "
                             "request)")
    args = parser.parse_args()
    uptime = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    print(f"uptime before: {uptime}", flush=True)
    if args.fixed_costs:
        fixed_costs(args.db, duration=args.duration, connections=args.connections,
                    port=args.port)
        print(subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip())
        return
    result = bench(args.db, duration=args.duration, connections=args.connections,
                   port=args.port, reuse=args.reuse, only=args.only)
    result["uptime_before"] = uptime
    result["uptime_after"] = subprocess.run(["uptime"], capture_output=True,
                                            text=True).stdout.strip()
    print()
    print(markdown(result))
    print(f"\nuptime before: {uptime}\nuptime after:  {result['uptime_after']}")
    if args.json:
        args.json.write_text(json.dumps(result, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
