"""Registry import pages: upload a roster, map its columns and values, preview, save."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from linli.accounts.permissions import roles_required
from linli.common.exceptions import DomainError
from linli.common.pages import flash_domain_error, form_add_domain_error, post_action
from linli.registry import imports, selectors
from linli.registry.forms import (
    ImportColumnsForm,
    ImportCommitForm,
    ImportUploadForm,
    ImportValuesForm,
)
from linli.registry.models import ImportRow, ImportStatus, RowOutcome
from linli.registry.selectors import MANAGER_ROLES
from linli.registry.views import post_or_back

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SHOW = ("errors", "warnings", "all")


@roles_required(*MANAGER_ROLES)
def import_template(request):
    response = HttpResponse(
        imports.template_workbook(street_id=getattr(request.user, "home_street_id", None)),
        content_type=XLSX)
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
            form_add_domain_error(form, exc)
        else:
            return redirect("registry:import_detail", uuid=job.uuid)
    jobs = selectors.import_job_list_for_user(user=request.user)[:10]
    return render(request, "registry/import_start.html", {"form": form, "jobs": jobs})


def _job_or_404(request, uuid):
    job = selectors.import_job_get_for_user(user=request.user, uuid=uuid)
    if job is None:
        raise Http404
    return job


def _detail_url(job) -> str:
    return reverse("registry:import_detail", kwargs={"uuid": job.uuid})


def _job_context(request, job) -> dict:
    context: dict = {"job": job}
    if job.status == ImportStatus.COMMITTING:
        job.processed_rows = imports.commit_progress(job)
    step = request.GET.get("step")
    if job.status == ImportStatus.MAPPING and (not job.mapping_confirmed or step == "columns"):
        context["columns_form"] = ImportColumnsForm(job=job)
    elif job.status == ImportStatus.MAPPING:
        context["values_form"] = ImportValuesForm(
            job=job, choices=imports.import_value_choices(job=job))
    if job.status in (ImportStatus.CHECKED, ImportStatus.DONE, ImportStatus.FAILED):
        show = request.GET.get("show")
        if show not in SHOW:
            show = "errors" if job.error_count else "all"
        rows = ImportRow.objects.filter(job=job)
        if show == "errors":
            rows = rows.filter(outcome=RowOutcome.ERROR)
        elif show == "warnings":
            rows = rows.exclude(warnings=[])
        context.update(show=show, page=Paginator(rows, 50).get_page(request.GET.get("page")))
    context["can_commit"] = (job.status == ImportStatus.CHECKED
                             and bool(job.create_count or job.update_count)
                             and (job.mode == "partial" or not job.error_count))
    context["can_download_errors"] = (job.status in (ImportStatus.CHECKED, ImportStatus.DONE)
                                      and bool(job.error_count))
    return context


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
def import_columns(request, uuid):
    job = _job_or_404(request, uuid)
    form = ImportColumnsForm(request.POST, job=job)
    if not form.is_valid():
        return redirect(_detail_url(job))
    return post_action(
        request, lambda: imports.import_columns_set(job=job, actor=request.user,
                                                    columns=form.mapping()),
        success=None, next=_detail_url(job), failure_next=_detail_url(job) + "?step=columns")


@roles_required(*MANAGER_ROLES)
@post_or_back(lambda request, uuid: reverse("registry:import_detail", kwargs={"uuid": uuid}))
def import_mapping(request, uuid):
    job = _job_or_404(request, uuid)
    form = ImportValuesForm(request.POST, job=job, choices=imports.import_value_choices(job=job))
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values()
                                         for e in errors))
        return redirect(_detail_url(job))
    return post_action(
        request, lambda: imports.import_mapping_set(
            job=job, actor=request.user, columns=dict(enumerate(job.mapping)),
            values=form.values(), sensitive_basis=form.cleaned_data["sensitive_basis"] or "",
            mode=form.cleaned_data["mode"]),
        success=None, next=_detail_url(job))


@roles_required(*MANAGER_ROLES)
@post_or_back(lambda request, uuid: reverse("registry:import_detail", kwargs={"uuid": uuid}))
def import_remap(request, uuid):
    """From the preview back to the column step (the choices stay as they were)."""
    job = _job_or_404(request, uuid)
    return post_action(request, lambda: imports.import_mapping_reopen(job=job, actor=request.user),
                       success=None, next=_detail_url(job) + "?step=columns")


@roles_required(*MANAGER_ROLES)
@post_or_back(lambda request, uuid: reverse("registry:import_detail", kwargs={"uuid": uuid}))
def import_commit(request, uuid):
    job = _job_or_404(request, uuid)
    form = ImportCommitForm(request.POST)
    form.is_valid()
    return post_action(
        request, lambda: imports.import_commit_request(
            job=job, actor=request.user,
            confirm_places=form.cleaned_data.get("confirm_places", False)),
        success=None, next=_detail_url(job))


@roles_required(*MANAGER_ROLES)
def import_errors(request, uuid):
    """The bad rows as an .xlsx with a 问题 column, to fix and import again."""
    job = _job_or_404(request, uuid)
    try:
        content = imports.import_error_workbook(job=job, actor=request.user)
    except DomainError as exc:
        flash_domain_error(request, exc)
        return redirect(_detail_url(job))
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="import-errors-{job.uuid}.xlsx"'
    return response
