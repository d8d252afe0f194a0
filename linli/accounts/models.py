"""Users log in with a mobile number; what they may do comes from role assignments with a scope."""

from __future__ import annotations

import uuid
from functools import cached_property

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from linli.common.text import fold_mobile

# [0-9], not \d: \d takes full-width and other scripts' digits.
mobile_validator = RegexValidator(r"^1[0-9]{10}$", _("Enter an 11-digit mobile number starting with 1."))


class Role(models.TextChoices):
    RESIDENT = "resident", _("Resident")
    VOLUNTEER = "volunteer", _("Volunteer")
    GRID_WORKER = "grid_worker", _("Grid worker")
    COMMUNITY_STAFF = "community_staff", _("Community staff")
    STREET_ADMIN = "street_admin", _("Street administrator")
    STORE_CLERK = "store_clerk", _("Store clerk")
    AUDITOR = "auditor", _("Auditor")


#: Roles that work for the street or a community (desktop workbench, 30-minute idle timeout,
#: 12-character passwords).
STAFF_ROLES = frozenset(
    {Role.GRID_WORKER, Role.COMMUNITY_STAFF, Role.STREET_ADMIN, Role.STORE_CLERK, Role.AUDITOR}
)
#: Roles scoped to the whole street.
STREET_ROLES = frozenset({Role.STREET_ADMIN, Role.AUDITOR})
#: Roles scoped to one grid.
GRID_ROLES = frozenset({Role.GRID_WORKER})
#: Everything else is scoped to one community.
COMMUNITY_ROLES = frozenset(set(Role) - STREET_ROLES - GRID_ROLES)


class UserManager(BaseUserManager):
    use_in_migrations = True

    def get_by_natural_key(self, username):
        # Logging in with "１３９ 0000 0001" finds the account stored as 13900000001, on the
        # page and through the API alike (both authenticate through this lookup).
        return self.get(mobile=fold_mobile(username))

    def create_user(self, mobile: str, password: str | None = None, **extra):
        if not mobile:
            raise ValueError("mobile is required")
        user = self.model(mobile=fold_mobile(mobile), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, mobile: str, password: str | None = None, **extra):
        extra.setdefault("is_superuser", True)
        return self.create_user(mobile, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    mobile = models.CharField(_("mobile number"), max_length=11, unique=True,
                              validators=[mobile_validator])
    name = models.CharField(_("name"), max_length=64, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    elder_mode = models.BooleanField(_("elder mode (large type)"), default=False)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "mobile"
    REQUIRED_FIELDS = ["name"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.name or self.mobile

    def get_full_name(self) -> str:
        return self.name

    def get_short_name(self) -> str:
        return self.name

    @property
    def is_staff(self) -> bool:
        """Django admin is for superusers only; staff work in the workbench."""
        return self.is_superuser

    @cached_property
    def role_assignments(self) -> list[RoleAssignment]:
        if self.pk is None:
            return []
        return list(self.roles.select_related("street", "community", "grid"))

    @cached_property
    def role_set(self) -> frozenset[str]:
        return frozenset(a.role for a in self.role_assignments)

    def has_role(self, *roles: str) -> bool:
        return bool(self.role_set.intersection(roles))

    @property
    def is_staff_member(self) -> bool:
        return bool(self.role_set & STAFF_ROLES)

    @cached_property
    def home_street_id(self) -> int | None:
        for assignment in self.role_assignments:
            return assignment.street_id
        return None

    def roles_changed(self) -> None:
        """Forget the roles read for this object, so the next check reads them again."""
        for name in ("role_assignments", "role_set", "home_street_id"):
            self.__dict__.pop(name, None)


class RoleAssignment(models.Model):
    """One role held by a user within one scope (a street, a community or a grid)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="roles")
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    street = models.ForeignKey("registry.Street", on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("street"))
    community = models.ForeignKey("registry.Community", null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+",
                                  verbose_name=_("community"))
    grid = models.ForeignKey("registry.Grid", null=True, blank=True, on_delete=models.PROTECT,
                             related_name="+", verbose_name=_("grid"))
    granted_at = models.DateTimeField(default=timezone.now)
    granted_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")
        constraints = [
            models.CheckConstraint(
                name="accounts_roleassignment_scope_shape",
                condition=(
                    Q(role__in=sorted(STREET_ROLES), community__isnull=True, grid__isnull=True)
                    | Q(role__in=sorted(GRID_ROLES), community__isnull=False, grid__isnull=False)
                    | Q(role__in=sorted(COMMUNITY_ROLES), community__isnull=False,
                        grid__isnull=True)
                ),
            ),
            models.UniqueConstraint(
                fields=["user", "role", "street"], condition=Q(community__isnull=True),
                name="accounts_roleassignment_unique_street",
            ),
            models.UniqueConstraint(
                fields=["user", "role", "community"],
                condition=Q(community__isnull=False, grid__isnull=True),
                name="accounts_roleassignment_unique_community",
            ),
            models.UniqueConstraint(
                fields=["user", "role", "grid"], condition=Q(grid__isnull=False),
                name="accounts_roleassignment_unique_grid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()} @ {self.scope_label}"

    @property
    def scope_label(self) -> str:
        if self.grid_id:
            return f"{self.community.name} {self.grid.name}"
        return (self.community or self.street).name


class ApiToken(models.Model):
    """A bearer token for mobile and mini-program clients. Only a hash is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8)
    name = models.CharField(_("device name"), max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"


def scope_model(field: str):
    """The registry model a role's scope field ("street", "community", "grid") points at.
    Accounts sits below the registry and imports none of it: the models are reached through
    RoleAssignment's own foreign keys, which name them by label."""
    return RoleAssignment._meta.get_field(field).related_model
