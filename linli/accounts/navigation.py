"""Role-aware navigation. Each capability adds its entries here."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from linli.accounts.models import STAFF_ROLES, Role


@dataclass(frozen=True)
class NavItem:
    url_name: str
    label: str
    icon: str
    roles: frozenset[str] | None  # None: every signed-in user
    staff: bool = False  # shown in the workbench sidebar rather than the resident tab bar


NAV_ITEMS: list[NavItem] = [
    NavItem("home", _("Home"), "home", None),
    NavItem("workbench", _("Workbench"), "grid", STAFF_ROLES, staff=True),
    NavItem("accounts:people", _("Accounts"), "users",
            frozenset({Role.COMMUNITY_STAFF, Role.STREET_ADMIN}), staff=True),
    NavItem("common:audit", _("Audit log"), "shield",
            frozenset({Role.AUDITOR, Role.STREET_ADMIN}), staff=True),
    NavItem("ledger:timebank", _("Time bank"), "users", None),
    NavItem("ledger:accounts", _("Ledger"), "shield",
            frozenset({Role.COMMUNITY_STAFF, Role.STREET_ADMIN}), staff=True),
    NavItem("ledger:funds", _("Time funds"), "users",
            frozenset({Role.COMMUNITY_STAFF, Role.STREET_ADMIN}), staff=True),
    NavItem("registry:index", _("Grid registry"), "users",
            frozenset({Role.GRID_WORKER, Role.COMMUNITY_STAFF, Role.STREET_ADMIN}), staff=True),
    NavItem("registry:collect", _("Households"), "home",
            frozenset({Role.GRID_WORKER, Role.COMMUNITY_STAFF, Role.STREET_ADMIN}), staff=True),
    NavItem("registry:my_data", _("My data"), "shield", frozenset({Role.RESIDENT})),
    NavItem("volunteers:me", _("Volunteer"), "users", None),
    NavItem("volunteers:staff_list", _("Volunteers"), "users",
            frozenset({Role.COMMUNITY_STAFF, Role.STREET_ADMIN}), staff=True),
    NavItem("volunteers:party_staff", _("Party members"), "users",
            frozenset({Role.COMMUNITY_STAFF, Role.STREET_ADMIN}), staff=True),
    NavItem("orders:mine", _("Home services"), "home", None),
    NavItem("orders:volunteer", _("My tasks"), "users", frozenset({Role.VOLUNTEER})),
    NavItem("orders:board", _("Dispatch board"), "grid",
            frozenset({Role.COMMUNITY_STAFF, Role.STREET_ADMIN}), staff=True),
    NavItem("activities:list", _("Activities"), "grid", None),
    NavItem("activities:manage", _("Activities"), "grid",
            frozenset({Role.COMMUNITY_STAFF, Role.STREET_ADMIN}), staff=True),
    NavItem("points:household", _("My points"), "shield", frozenset({Role.RESIDENT})),
    NavItem("points:queue", _("Points review"), "shield",
            frozenset({Role.GRID_WORKER, Role.COMMUNITY_STAFF, Role.STREET_ADMIN}), staff=True),
    NavItem("points:conventions", _("Conventions"), "grid",
            frozenset({Role.COMMUNITY_STAFF, Role.STREET_ADMIN}), staff=True),
    NavItem("store:counter", _("Store counter"), "home",
            frozenset({Role.STORE_CLERK, Role.COMMUNITY_STAFF, Role.STREET_ADMIN}), staff=True),
    NavItem("store:manage", _("Store goods"), "grid",
            frozenset({Role.STORE_CLERK, Role.COMMUNITY_STAFF, Role.STREET_ADMIN}), staff=True),
    NavItem("accounts:me", _("Me"), "user", None),
]


def items_for(user) -> list[NavItem]:
    if not user.is_authenticated:
        return []
    return [i for i in NAV_ITEMS if i.roles is None or user.has_role(*i.roles)]
