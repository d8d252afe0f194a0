"""Registry import API: staff upload a roster, map its columns, preview every row's
outcome and save. The steps and their rules live in `linli.registry.imports`; this module only
translates HTTP."""

from uuid import UUID

from django.http import Http404
from ninja import Router, Schema

from linli.common.api import ERRORS, require_roles
from linli.registry import selectors
from linli.registry.models import ImportStatus
from linli.registry.selectors import MANAGER_ROLES

router = Router(tags=["registry"])


class RegistryImportJobOut(Schema):
    uuid: UUID
    file_name: str
    status: ImportStatus
    total_rows: int
    processed_rows: int
    percent: int
    create_count: int
    update_count: int
    error_count: int
    message: str


@router.get("/registry/imports/{uuid}", response={200: RegistryImportJobOut, **ERRORS})
def import_job_get(request, uuid: UUID):
    """Progress and counts of one import."""
    require_roles(request, *MANAGER_ROLES)
    job = selectors.import_job_get_for_user(user=request.auth, uuid=uuid)
    if job is None:
        raise Http404
    return job
