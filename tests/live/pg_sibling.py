"""Create or drop the PostgreSQL database the live API fuzz serves from: a sibling of the one
in DATABASE_URL (same server and user, name + "_live_fuzz"), so the fuzz never writes demo
data into the database the caller named.

    python tests/live/pg_sibling.py create postgres://…/linli   # prints the sibling's URL
    python tests/live/pg_sibling.py drop postgres://…/linli_live_fuzz
"""

import sys
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

SUFFIX = "_live_fuzz"


def _connect(url: str):
    return psycopg.connect(url, autocommit=True, dbname="postgres")


def create(url: str) -> str:
    parts = urlsplit(url)
    name = (parts.path.lstrip("/") or "postgres")[:63 - len(SUFFIX)] + SUFFIX
    with _connect(url) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
            sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return urlunsplit(parts._replace(path="/" + name))


def drop(url: str) -> None:
    name = urlsplit(url).path.lstrip("/")
    if not name.endswith(SUFFIX):  # never drop a database this script did not make
        raise SystemExit(f"refusing to drop {name!r}: not a live-fuzz database")
    with _connect(url) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
            sql.Identifier(name)))


if __name__ == "__main__":
    action, url = sys.argv[1], sys.argv[2]
    if action == "create":
        print(create(url))
    elif action == "drop":
        drop(url)
    else:
        raise SystemExit("usage: pg_sibling.py create|drop DATABASE_URL")
