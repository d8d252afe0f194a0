"""Periodic work of the points store, run by the task worker (`linli run_huey`)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from linli.store.services import redemption_expire_due


@db_periodic_task(crontab(minute="*/15"))
def expire_uncollected_redemptions():
    """Refund reservations nobody collected in time and put their stock back."""
    return redemption_expire_due()
