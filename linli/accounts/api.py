
from datetime import datetime
from uuid import UUID

from django.contrib.auth import authenticate
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status
from pydantic import StrictBool

from linli.accounts import selectors, services
from linli.accounts.models import Role, User
from linli.common.api import (
    ERRORS,
    AnonThrottle,
    Pagination,
    TokenThrottle,
    require_roles,
)
from linli.common.exceptions import DomainError
from linli.common.masking import mask_mobile
from linli.common.pagination import PageMap

auth_router = Router(tags=["auth"])
router = Router(tags=["accounts"])


class TokenIn(Schema):
    mobile: str = Field(..., min_length=1, max_length=32)
    password: str = Field(..., min_length=1, max_length=256)
    device: str = Field("", max_length=64)


class TokenOut(Schema):
    token: str
    expires_at: datetime


class Unauthenticated(DomainError):
    status = 401
    code = "invalid_credentials"


@auth_router.post("/token", auth=None, throttle=[AnonThrottle(), TokenThrottle()],
                  response={201: TokenOut, **ERRORS})
def token_create(request, payload: TokenIn):
    """Exchange mobile + password for a bearer token (5 failures lock the account 15 min)."""
    user = authenticate(request, username=payload.mobile, password=payload.password)
    if user is None:
        raise Unauthenticated(_("The mobile number or password is wrong."))
    token, key = services.api_token_create(user=user, name=payload.device, request=request)
    return Status(201, {"token": key, "expires_at": token.expires_at})


@auth_router.delete("/token", response={204: None, **ERRORS})
def token_revoke(request):
    """Revoke the bearer token used for this request."""
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        services.api_token_revoke(key=header[7:].strip())
    return Status(204, None)


class RoleOut(Schema):
    role: str
    role_label: str
    street: str
    community: str | None
    grid: str | None


class MeOut(Schema):
    uuid: UUID
    name: str
    mobile_masked: str
    elder_mode: bool
    roles: list[RoleOut]


class MeIn(Schema):
    elder_mode: StrictBool


def _me(user: User) -> dict:
    return {
        "uuid": user.uuid,
        "name": user.name,
        "mobile_masked": mask_mobile(user.mobile),
        "elder_mode": user.elder_mode,
        "roles": [
            {
                "role": a.role,
                "role_label": a.get_role_display(),
                "street": a.street.name,
                "community": a.community.name if a.community else None,
                "grid": a.grid.name if a.grid else None,
            }
            for a in user.role_assignments
        ],
    }


@router.get("/me", response={200: MeOut, **ERRORS})
def me_get(request):
    """The signed-in account: name, masked mobile, roles with their scope."""
    return _me(request.auth)


@router.patch("/me", response={200: MeOut, **ERRORS})
def me_update(request, payload: MeIn):
    """Switch elder mode (large type) on or off."""
    user = services.user_set_elder_mode(user=request.auth, enabled=payload.elder_mode)
    return _me(user)


class CommunityOut(Schema):
    uuid: UUID
    code: str
    name: str
    street: str
    phone: str
    address: str

    @staticmethod
    def resolve_street(obj) -> str:
        return obj.street.name


@router.get("/communities", response={200: list[CommunityOut], **ERRORS})
@paginate(Pagination)
def community_list(request):
    """Communities within the caller's staff scope."""
    return selectors.communities_for(request.auth).select_related("street").order_by("id")


class PersonOut(Schema):
    uuid: UUID
    name: str
    mobile_masked: str
    roles: list[str]


class PeopleFilter(Schema):
    q: str = Field("", max_length=64)
    role: Role | None = None


@router.get("/people", response={200: list[PersonOut], **ERRORS})
@paginate(Pagination)
def people_list(request, filters: Query[PeopleFilter]):
    """Accounts with a role in the caller's communities (mobile masked)."""
    require_roles(request, Role.COMMUNITY_STAFF, Role.STREET_ADMIN)
    qs = selectors.user_list_for_user(user=request.auth, query=filters.q,
                                      role=filters.role or "")
    return PageMap(qs, lambda u: {"uuid": u.uuid, "name": u.name,
                                  "mobile_masked": mask_mobile(u.mobile),
                                  "roles": sorted({r.role for r in u.roles.all()})})
