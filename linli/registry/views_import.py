"""Registry import pages: upload a roster, map its columns, preview, save."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from linli.accounts.permissions import roles_required
from linli.common.exceptions import DomainError
from linli.registry import imports, selectors
from linli.registry.forms import ImportUploadForm
from linli.registry.models import ImportRow, ImportStatus, RowOutcome
from linli.registry.selectors import MANAGER_ROLES
from linli.registry.views import post_or_back


@roles_required(*MANAGER_ROLES)
def import_template(request):
    response = HttpResponse(
        imports.template_workbook(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = 'attachment; filename="registry-template.xlsx"'
    return response


@roles_required(*MANAGER_ROLES)
def import_start(request):
    communities = selectors.community_list_for_manager(user=request.user)
    form = ImportUploadForm(request.POST or None, request.FILES or None, communities=communities)
    if request.method == "POST" and form.is_valid():
        try:
            job = imports.import_job_create(community=form.cleaned_data["community"],
                                            actor=request.user, upload=form.cleaned_data["file"])
        except DomainError as exc:
            form.add_error("file" if exc.field == "file" else None, exc.message)
        else:
            return redirect("registry:import_detail", uuid=job.uuid)
    jobs = selectors.import_job_list_for_user(user=request.user)[:10]
    return render(request, "registry/import_start.html", {"form": form, "jobs": jobs})


def _job_or_404(request, uuid):
    job = selectors.import_job_get_for_user(user=request.user, uuid=uuid)
    if job is None:
        raise Http404
    return job


def _job_context(request, job) -> dict:
    only_errors = request.GET.get("show") != "all"
    if job.status == ImportStatus.COMMITTING:
        job.processed_rows = imports.commit_progress(job)
    rows = ImportRow.objects.filter(job=job)
    if only_errors:
        rows = rows.filter(outcome=RowOutcome.ERROR)
    return {"job": job, "page": Paginator(rows, 50).get_page(request.GET.get("page")),
            "only_errors": only_errors, "can_commit": job.status == ImportStatus.CHECKED
            and job.error_count == 0 and (job.create_count or job.update_count)}


@roles_required(*MANAGER_ROLES)
def import_detail(request, uuid):
    job = _job_or_404(request, uuid)
    return render(request, "registry/import_detail.html", _job_context(request, job))


@roles_required(*MANAGER_ROLES)
def import_progress(request, uuid):
    """Polled by the page while the job runs; returns the whole panel when it is done."""
    job = _job_or_404(request, uuid)
    return render(request, "registry/_import_panel.html", _job_context(request, job))


@roles_required(*MANAGER_ROLES)
@post_or_back(lambda request, uuid: reverse("registry:import_detail", kwargs={"uuid": uuid}))
def import_commit(request, uuid):
    job = _job_or_404(request, uuid)
    try:
        imports.import_commit_request(job=job, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("registry:import_detail", uuid=job.uuid)
