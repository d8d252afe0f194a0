"""Periodic work of the order loop: offers nobody accepted go back to dispatch, orders left
waiting are flagged to staff, and completed orders nobody rated are confirmed and settled."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from linli.orders import services


@db_periodic_task(crontab(minute="*/5"))
def orders_escalate_task() -> dict:
    return services.orders_escalate()
