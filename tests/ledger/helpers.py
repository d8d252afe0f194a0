import os
import sys
import threading
from pathlib import Path

from django.db import connection

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def run_in_threads(count: int, work) -> list[BaseException]:
    """Run `work(i)` in `count` threads released together by a barrier; each thread closes
    its own database connection. Returns the unexpected exceptions."""
    barrier = threading.Barrier(count)
    errors: list[BaseException] = []

    def target(i: int) -> None:
        try:
            barrier.wait(timeout=60)
            work(i)
        except BaseException as exc:  # collected and asserted on by the caller
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=target, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    return errors


def database_url() -> str:
    """The URL of the database the tests are using, for a subprocess to open the same one."""
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def subprocess_env() -> dict:
    env = {**os.environ, "DATABASE_URL": database_url(), "LINLI_TESTING": "0",
           "PYTHONPATH": str(PROJECT_ROOT), "DJANGO_SETTINGS_MODULE": "linli.settings"}
    env.pop("PYTEST_CURRENT_TEST", None)
    return env


def linli_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "linli.manage", *args]
