"""Backup and restore of the whole database: SQLite's online backup API, or pg_dump/pg_restore."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from django.db import connections


class BackupError(Exception):
    pass


def _settings(alias: str) -> dict:
    return connections[alias].settings_dict


def _is_sqlite(alias: str) -> bool:
    return connections[alias].vendor == "sqlite"


def _pg_env(s: dict) -> tuple[list[str], dict]:
    args = []
    if s.get("HOST"):
        args += ["-h", str(s["HOST"])]
    if s.get("PORT"):
        args += ["-p", str(s["PORT"])]
    if s.get("USER"):
        args += ["-U", str(s["USER"])]
    env = dict(os.environ)
    if s.get("PASSWORD"):
        env["PGPASSWORD"] = str(s["PASSWORD"])
    return args, env


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"{name} is not installed (Debian package postgresql-client).")
    return path


def backup(path: Path, *, alias: str = "default") -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    s = _settings(alias)
    if _is_sqlite(alias):
        # The backup API copies a consistent snapshot while other processes keep writing.
        source = sqlite3.connect(str(s["NAME"]))
        target = sqlite3.connect(str(path))
        try:
            with target:
                source.backup(target)
        finally:
            target.close()
            source.close()
        return path
    args, env = _pg_env(s)
    cmd = [_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", *args,
           "-f", str(path), str(s["NAME"])]
    result = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(result.stderr.strip() or "pg_dump failed")
    return path


def restore(path: Path, *, alias: str = "default") -> None:
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"No backup file at {path}")
    s = _settings(alias)
    connections[alias].close()
    if _is_sqlite(alias):
        source = sqlite3.connect(str(path))
        try:
            source.execute("PRAGMA schema_version").fetchone()
        except sqlite3.DatabaseError as exc:
            source.close()
            raise BackupError(f"{path} is not a Linli SQLite backup: {exc}") from exc
        target = sqlite3.connect(str(s["NAME"]), timeout=30)
        try:
            with target:
                source.backup(target)
        finally:
            target.close()
            source.close()
        return
    args, env = _pg_env(s)
    cmd = [_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--no-privileges",
           "--single-transaction", *args, "-d", str(s["NAME"]), str(path)]
    result = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(result.stderr.strip() or "pg_restore failed")
