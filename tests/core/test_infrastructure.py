"""Web processes keep no state of their own; periodic housekeeping runs on the task queue."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.utils import timezone
from huey.contrib.djhuey import HUEY

from linli.common import tasks
from linli.common.models import AuditAction, AuditEvent, AuditResult


def test_no_process_local_state():
    assert settings.SESSION_ENGINE == "django.contrib.sessions.backends.db"
    backend = settings.CACHES["default"]["BACKEND"]
    assert backend.endswith(("DatabaseCache", "RedisCache")), backend
    assert type(HUEY).__name__ in ("SqliteHuey", "RedisHuey", "MemoryHuey")


def test_sqlite_is_tuned_for_concurrent_writers():
    """Whatever DATABASE_URL says, a SQLite configuration always carries these options."""
    from linli.settings import SQLITE_OPTIONS

    assert SQLITE_OPTIONS["transaction_mode"] == "IMMEDIATE"
    assert SQLITE_OPTIONS["timeout"] >= 5
    assert "journal_mode=WAL" in SQLITE_OPTIONS["init_command"]
    db = settings.DATABASES["default"]
    if db["ENGINE"] == "django.db.backends.sqlite3":
        assert db["OPTIONS"]["transaction_mode"] == "IMMEDIATE"


def test_time_zone_and_languages():
    assert settings.TIME_ZONE == "Asia/Shanghai"
    assert settings.LANGUAGE_CODE == "zh-hans"
    assert "en" in dict(settings.LANGUAGES)


@pytest.mark.django_db
def test_periodic_tasks_purge_old_audit_rows_and_sessions():
    periodic = {t.__name__ for t in HUEY._registry._periodic_tasks}
    assert {"purge_old_audit_records", "clear_expired_sessions"} <= periodic
    old = AuditEvent.objects.create(action=AuditAction.LOGIN_SUCCESS, result=AuditResult.OK,
                                    at=timezone.now() - timedelta(days=400))
    Session.objects.create(session_key="x" * 32, session_data="",
                           expire_date=timezone.now() - timedelta(days=1))
    tasks.purge_old_audit_records()
    tasks.clear_expired_sessions()
    assert not AuditEvent.objects.filter(pk=old.pk).exists()
    assert not Session.objects.filter(session_key="x" * 32).exists()
