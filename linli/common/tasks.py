"""Periodic housekeeping, run by the task worker (`linli run_huey`)."""

from django.core.management import call_command
from huey import crontab
from huey.contrib.djhuey import db_periodic_task


@db_periodic_task(crontab(hour="3", minute="10"))
def purge_old_audit_records():
    call_command("audit_purge")


@db_periodic_task(crontab(hour="3", minute="20"))
def clear_expired_sessions():
    call_command("clearsessions")
