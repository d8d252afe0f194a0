from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

STAFF_MIN_LENGTH = 12
MEMBER_MIN_LENGTH = 8


class RoleAwareMinimumLengthValidator:
    """Staff passwords need 12 characters (GB/T 22239); residents and volunteers need 8.

    Services that create a user together with roles pass `roles` through
    `validate_password(..., password_validators=...)`; otherwise the user's saved roles count.
    """

    def __init__(self, roles: frozenset[str] | None = None):
        self.roles = roles

    def _min_length(self, user) -> int:
        from linli.accounts.models import STAFF_ROLES

        roles = self.roles
        if roles is None:
            roles = user.role_set if user is not None and getattr(user, "pk", None) else frozenset()
        return STAFF_MIN_LENGTH if set(roles) & STAFF_ROLES else MEMBER_MIN_LENGTH

    def validate(self, password: str, user=None) -> None:
        minimum = self._min_length(user)
        if len(password) < minimum:
            raise ValidationError(
                ngettext(
                    "This password is too short. It must contain at least %(min_length)d character.",
                    "This password is too short. It must contain at least %(min_length)d characters.",
                    minimum,
                ),
                code="password_too_short",
                params={"min_length": minimum},
            )

    def get_help_text(self) -> str:
        return _("Staff passwords need at least 12 characters; others at least 8.")
