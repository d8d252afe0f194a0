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
    #: In the phone tab bar (at most five fit an elder's thumb); every other resident item is
    #: a big button on the home page.
    tab: bool = False


NAV_ITEMS: list[NavItem] = [
    NavItem("home", _("Home"), "home", None, tab=True),
    NavItem("workbench", _("Workbench"), "grid", STAFF_ROLES, staff=True),
    NavItem("accounts:people", _("Accounts"), "users",
            frozenset({Role.COMMUNITY_STAFF, Role.STREET_ADMIN}), staff=True),
    NavItem("common:audit", _("Audit log"), "shield",
            frozenset({Role.AUDITOR, Role.STREET_ADMIN}), staff=True),
    NavItem("ledger:timebank", _("Time bank"), "clock", None),
    NavItem("ledger:accounts", _("Ledger"), "clock",
            frozenset({Role.COMMUNITY_STAFF, Role.STREET_ADMIN}), staff=True),
    NavItem("ledger:funds", _("Time funds"), "heart",
            frozenset({Role.COMMUNITY_STAFF, Role.STREET_ADMIN}), staff=True),
    NavItem("registry:index", _("Grid registry"), "users",
            frozenset({Role.GRID_WORKER, Role.COMMUNITY_STAFF, Role.STREET_ADMIN}), staff=True),
    NavItem("registry:collect", _("Households"), "home",
            frozenset({Role.GRID_WORKER, Role.COMMUNITY_STAFF, Role.STREET_ADMIN}), staff=True),
    NavItem("registry:my_plate", _("My door plate"), "home", frozenset({Role.RESIDENT})),
    NavItem("registry:my_data", _("My data"), "file", frozenset({Role.RESIDENT})),
    NavItem("volunteers:me", _("Volunteer"), "heart", None),
    NavItem("volunteers:staff_list", _("Volunteers"), "users",
            frozenset({Role.COMMUNITY_STAFF, Role.STREET_ADMIN}), staff=True),
    NavItem("volunteers:party_staff", _("Party members"), "users",
            frozenset({Role.COMMUNITY_STAFF, Role.STREET_ADMIN}), staff=True),
    NavItem("points:household", _("My points"), "star", frozenset({Role.RESIDENT}), tab=True),
    NavItem("points:queue", _("Points review"), "star",
            frozenset({Role.GRID_WORKER, Role.COMMUNITY_STAFF, Role.STREET_ADMIN}), staff=True),
    NavItem("points:conventions", _("Conventions"), "file",
            frozenset({Role.COMMUNITY_STAFF, Role.STREET_ADMIN}), staff=True),
    NavItem("store:counter", _("Store counter"), "bag",
            frozenset({Role.STORE_CLERK, Role.COMMUNITY_STAFF, Role.STREET_ADMIN}), staff=True),
    NavItem("store:manage", _("Store goods"), "bag",
            frozenset({Role.STORE_CLERK, Role.COMMUNITY_STAFF, Role.STREET_ADMIN}), staff=True),
    NavItem("orders:mine", _("Home services"), "tool", None, tab=True),
    NavItem("orders:volunteer", _("My tasks"), "list", frozenset({Role.VOLUNTEER})),
    NavItem("orders:board", _("Dispatch board"), "list",
            frozenset({Role.COMMUNITY_STAFF, Role.STREET_ADMIN}), staff=True),
    NavItem("activities:list", _("Activities"), "calendar", None, tab=True),
    NavItem("activities:manage", _("Activities"), "calendar",
            frozenset({Role.COMMUNITY_STAFF, Role.STREET_ADMIN}), staff=True),
    NavItem("accounts:me", _("Me"), "user", None, tab=True),
]


def items_for(user) -> list[NavItem]:
    if not user.is_authenticated:
        return []
    return [i for i in NAV_ITEMS if i.roles is None or user.has_role(*i.roles)]
