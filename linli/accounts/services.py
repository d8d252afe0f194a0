"""Writes for accounts: users, role assignments, API tokens, preferences."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.accounts.models import (
    GRID_ROLES,
    STREET_ROLES,
    ApiToken,
    Role,
    RoleAssignment,
    User,
    mobile_validator,
    scope_model,
)
from linli.accounts.passwords import RoleAwareMinimumLengthValidator
from linli.accounts.selectors import scopes_forget
from linli.common.audit import audit_record
from linli.common.exceptions import Conflict, ValidationError
from linli.common.models import AuditAction
from linli.common.text import fold_mobile


def _validate_password(password: str, *, user: User, roles: frozenset[str]) -> None:
    validators = [
        v if not isinstance(v, RoleAwareMinimumLengthValidator) else RoleAwareMinimumLengthValidator(roles)
        for v in password_validation.get_default_password_validators()
    ]
    try:
        password_validation.validate_password(password, user=user, password_validators=validators)
    except DjangoValidationError as exc:
        raise ValidationError(" ".join(exc.messages), field="password") from exc


def _validate_mobile(mobile: str) -> None:
    try:
        mobile_validator(mobile)
    except DjangoValidationError as exc:
        raise ValidationError(exc.messages[0], field="mobile") from exc


@transaction.atomic
def user_create(
    *,
    mobile: str,
    password: str,
    name: str = "",
    roles: list[tuple[str, object]] | None = None,
    granted_by: User | None = None,
) -> User:
    """Create a user with its roles. `roles` is a list of (role, scope) where scope is a
    Street, Community or Grid matching the role's scope level."""
    mobile = fold_mobile(mobile)
    _validate_mobile(mobile)
    if User.objects.filter(mobile=mobile).exists():
        raise Conflict(_("An account with this mobile number already exists."), field="mobile")
    user = User(mobile=mobile, name=name)
    role_names = frozenset(r for r, _scope in roles or [])
    _validate_password(password, user=user, roles=role_names)
    user.set_password(password)
    user.save()
    for role, scope in roles or []:
        role_grant(user=user, role=role, scope=scope, granted_by=granted_by)
    return user


def _scope_fields(role: str, scope) -> dict:
    Street, Community, Grid = (scope_model(f) for f in ("street", "community", "grid"))
    if role in STREET_ROLES:
        if not isinstance(scope, Street):
            raise ValidationError(_("This role needs a street as its scope."), field="scope")
        return {"street": scope, "community": None, "grid": None}
    if role in GRID_ROLES:
        if not isinstance(scope, Grid):
            raise ValidationError(_("This role needs a grid as its scope."), field="scope")
        return {"street": scope.community.street, "community": scope.community, "grid": scope}
    if not isinstance(scope, Community):
        raise ValidationError(_("This role needs a community as its scope."), field="scope")
    return {"street": scope.street, "community": scope, "grid": None}


@transaction.atomic
def role_grant(*, user: User, role: str, scope, granted_by: User | None = None) -> RoleAssignment:
    if role not in Role.values:
        raise ValidationError(_("Unknown role."), field="role")
    fields = _scope_fields(role, scope)
    existing = RoleAssignment.objects.filter(user=user, role=role, **fields).first()
    if existing:
        return existing
    try:
        with transaction.atomic():
            assignment = RoleAssignment.objects.create(
                user=user, role=role, granted_by=granted_by, **fields
            )
    except IntegrityError:
        return RoleAssignment.objects.get(user=user, role=role, **fields)
    roles_changed(user)
    if granted_by is not None:
        audit_record(action=AuditAction.ROLE_CHANGED, actor=granted_by, obj=user,
                     field=role, reason="grant")
    return assignment


@transaction.atomic
def role_revoke(*, user: User, role: str, scope, revoked_by: User | None = None) -> int:
    """Take `role` in `scope` away from `user`; the account keeps its other roles. Returns
    how many assignments were removed (0 when the user did not hold it: nothing to undo)."""
    if role not in Role.values:
        raise ValidationError(_("Unknown role."), field="role")
    fields = _scope_fields(role, scope)
    removed, _by_model = RoleAssignment.objects.filter(user=user, role=role, **fields).delete()
    if removed:
        roles_changed(user)
        if revoked_by is not None:
            audit_record(action=AuditAction.ROLE_CHANGED, actor=revoked_by, obj=user,
                         field=role, reason="revoke")
    return removed


def roles_changed(user: User) -> None:
    """Every service that grants or takes away a role calls this: the user's roles and the
    scopes worked out from them in this request are read again on the next check."""
    user.roles_changed()
    scopes_forget()


def user_set_elder_mode(*, user: User, enabled: bool) -> User:
    User.objects.filter(pk=user.pk).update(elder_mode=enabled)
    user.elder_mode = enabled
    return user


def _token_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def api_token_create(*, user: User, name: str = "", request=None) -> tuple[ApiToken, str]:
    """Returns the token row and the plain key, which is shown once and never stored."""
    key = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        key_hash=_token_hash(key),
        prefix=key[:8],
        name=name[:64],
        expires_at=timezone.now() + timedelta(days=settings.API_TOKEN_TTL_DAYS),
    )
    audit_record(action=AuditAction.TOKEN_ISSUED, actor=user, request=request, obj=user)
    return token, key


def api_token_authenticate(key: str) -> User | None:
    now = timezone.now()
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=_token_hash(key), revoked_at__isnull=True, expires_at__gt=now)
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=5):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


def api_token_revoke(*, key: str) -> int:
    return ApiToken.objects.filter(key_hash=_token_hash(key), revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
