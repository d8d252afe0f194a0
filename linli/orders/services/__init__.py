"""Writes for service projects, the order loop and meal delivery, one module per sub-domain:

- `settings`: the minute and day knobs of the loop;
- `guards`: reading an order fresh and refusing a move its status does not allow;
- `eligibility`: who may serve (Art. 15) and who may be served;
- `notifications`: messages after commit;
- `projects`: the service catalogue;
- `loop`: 点单 → 派单 → 接单 (submit, refuse, dispatch, reassign, accept, decline, time out,
  cancel);
- `visit`: check-in, early visits, 圆单 (completion) and the service photo;
- `settlement`: 评单 (rating), automatic confirmation, dispute, resolution, hours and points;
- `periodic`: what the periodic task does;
- `meals`: meal delivery.

Every status change goes through `linli.orders.states.ORDER_MACHINE.move` (one guarded
UPDATE, one event). Callers import from here (`from linli.orders import services;
services.order_accept(...)`); the names below are the public surface.
"""

from linli.orders.services.eligibility import (
    requester_eligibility_problem,
    volunteer_eligibility_problem,
)
from linli.orders.services.guards import (
    MANAGER_ROLES,
    grid_worker_of,
    household_member,
    manages,
    volunteer_of,
)
from linli.orders.services.loop import (
    open_duplicates,
    order_accept,
    order_cancel,
    order_decline,
    order_dispatch,
    order_reassign,
    order_refuse,
    order_submit,
    order_time_out,
    slot_validate,
)
from linli.orders.services.meals import (
    meal_assign,
    meal_deliver,
    meal_order_cancel,
    meal_order_create,
)
from linli.orders.services.periodic import orders_escalate
from linli.orders.services.projects import (
    DEFAULT_PROJECTS,
    PROJECT_FIELDS,
    PROJECT_SKILLS,
    project_catalogue_ensure,
    project_create,
    project_update,
)
from linli.orders.services.settings import (
    accept_minutes,
    auto_confirm_days,
    checkin_closes_minutes,
    checkin_max_distance_m,
    checkin_opens_minutes,
    dispatch_escalate_minutes,
    max_service_minutes,
    min_service_minutes,
)
from linli.orders.services.settlement import (
    POINTS_RULE,
    order_auto_confirm,
    order_dispute,
    order_rate,
    order_resolve,
    order_settle,
    service_points,
)
from linli.orders.services.visit import (
    PhotoTooLarge,
    checkin_window,
    completion_bounds,
    haversine_m,
    order_check_in,
    order_complete,
    order_confirm_early,
    order_photo_attach,
)

__all__ = [
    "DEFAULT_PROJECTS", "MANAGER_ROLES", "POINTS_RULE", "PROJECT_FIELDS", "PROJECT_SKILLS",
    "PhotoTooLarge", "accept_minutes", "auto_confirm_days", "checkin_closes_minutes",
    "checkin_max_distance_m", "checkin_opens_minutes", "checkin_window", "completion_bounds",
    "dispatch_escalate_minutes", "grid_worker_of", "haversine_m", "household_member",
    "manages", "max_service_minutes", "meal_assign", "meal_deliver", "meal_order_cancel",
    "meal_order_create", "min_service_minutes", "open_duplicates", "order_accept",
    "order_auto_confirm", "order_cancel", "order_check_in", "order_complete",
    "order_confirm_early", "order_decline", "order_dispatch", "order_dispute",
    "order_photo_attach", "order_rate", "order_reassign", "order_refuse", "order_resolve",
    "order_settle", "order_submit", "order_time_out", "orders_escalate",
    "project_catalogue_ensure", "project_create", "project_update",
    "requester_eligibility_problem", "service_points", "slot_validate",
    "volunteer_eligibility_problem", "volunteer_of",
]
