"""Pages: the volunteer's own (phone) and the staff workbench (desktop)."""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.accounts.models import Role
from linli.accounts.permissions import public, roles_required, signed_in
from linli.accounts.selectors import communities_for
from linli.common.exceptions import DomainError
from linli.common.pages import form_add_domain_error, object_or_404, post_action
from linli.common.text import is_uuid
from linli.registry.models import Grid
from linli.volunteers import policies, selectors, services
from linli.volunteers.certificates import certificate_pdf
from linli.volunteers.forms import (
    CommendationForm,
    GoodDeedForm,
    MemberForm,
    OrganisationForm,
    PartyReportForm,
    ProfileForm,
    ProjectForm,
    ReasonForm,
    RegistrationForm,
    TeamForm,
    WithdrawForm,
    choices_from_slots,
    slots_from_choices,
)
from linli.volunteers.models import (
    Certificate,
    PartyMemberReport,
    PartyOrganisation,
    PartyProject,
    ReportStatus,
    Volunteer,
    VolunteerStatus,
)

STAFF = tuple(selectors.VOLUNTEER_STAFF_ROLES)


def post_only(target: str, *, with_uuid: bool = False):
    """An action reached by POST; a GET (a reload, the back button, a bookmark) lands on the
    page the action belongs to instead of a blank 405."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.method != "POST":
                return redirect(target, uuid=kwargs["uuid"]) if with_uuid else redirect(target)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def _resident(user):
    from linli.ledger.selectors import resident_for_user

    return resident_for_user(user)


# --- volunteer (phone) ------------------------------------------------------------------


@signed_in
def register(request):
    resident = _resident(request.user)
    volunteer = selectors.volunteer_for_user(request.user)
    if volunteer is not None and volunteer.status not in (VolunteerStatus.REJECTED,
                                                          VolunteerStatus.WITHDRAWN):
        return redirect("volunteers:me")
    grids = (Grid.objects.filter(community=resident.household.community) if resident
             else Grid.objects.none())
    form = RegistrationForm(request.POST or None, grids=grids)
    if request.method == "POST" and resident is not None and form.is_valid():
        data = form.cleaned_data
        try:
            services.volunteer_register(
                user=request.user, skills=data["skills"], skills_note=data["skills_note"],
                availability=slots_from_choices(data["slots"]),
                service_grid=data["service_grid"], health_ok=data["health_ok"],
                health_note=data["health_note"], consent=data["consent"],
                emergency_contact=data["emergency_contact"],
                emergency_phone=data["emergency_phone"])
        except DomainError as exc:
            form_add_domain_error(form, exc)
        else:
            messages.success(request, _("Thank you! Your registration was sent to the "
                                        "community for approval."))
            return redirect("volunteers:me")
    return render(request, "volunteers/register.html",
                  {"form": form, "resident": resident, "volunteer": volunteer})


@signed_in
def me(request):
    volunteer = selectors.volunteer_for_user(request.user)
    ctx = {"volunteer": volunteer, "resident": _resident(request.user)}
    if volunteer is not None:
        ctx["record"] = selectors.volunteer_record(volunteer=volunteer)
        ctx["slots"] = list(volunteer.availability.all())
        ctx["skills"] = list(volunteer.skills.all())
    return render(request, "volunteers/me.html", ctx)


_EDITABLE = (VolunteerStatus.PENDING, VolunteerStatus.ACTIVE, VolunteerStatus.SUSPENDED)


@signed_in
def profile(request):
    """The volunteer keeps their skills, times, service area, health and emergency contact
    current (phone, elder mode)."""
    volunteer = selectors.volunteer_for_user(request.user)
    if volunteer is None:
        return redirect("volunteers:register")
    if volunteer.status not in _EDITABLE:
        messages.info(request, _("Register again to change these details."))
        return redirect("volunteers:me")
    existing = list(volunteer.availability.all())
    chosen, other = choices_from_slots(existing)
    grids = Grid.objects.filter(community=volunteer.community)
    form = ProfileForm(request.POST or None, grids=grids, initial={
        "skills": list(volunteer.skills.all()), "skills_note": volunteer.skills_note,
        "slots": chosen, "service_grid": volunteer.service_grid,
        "health_ok": "yes" if volunteer.health_ok else "no",
        "health_note": volunteer.health_note,
        "emergency_contact": volunteer.emergency_contact,
        "emergency_phone": volunteer.emergency_phone,
    })
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        slots = slots_from_choices(data["slots"]) + [
            services.Slot(s.weekday, s.start, s.end) for s in other]
        try:
            services.volunteer_update(
                volunteer=volunteer, actor=request.user, skills=data["skills"],
                skills_note=data["skills_note"], availability=slots,
                service_grid=data["service_grid"], health_ok=data["health_ok"],
                health_note=data["health_note"], emergency_contact=data["emergency_contact"],
                emergency_phone=data["emergency_phone"])
        except DomainError as exc:
            field = "slots" if exc.field == "availability" else exc.field
            form.add_error(field if field in form.fields else None, exc.message)
        else:
            messages.success(request, _("Your volunteer details were saved."))
            return redirect("volunteers:me")
    return render(request, "volunteers/profile.html",
                  {"form": form, "volunteer": volunteer, "other_slots": other})


@signed_in
def withdraw(request):
    """退出志愿者: what happens, the services still open (which block it), a reason and an
    explicit confirmation; the POST redirects (post/redirect/get)."""
    volunteer = selectors.volunteer_for_user(request.user)
    if volunteer is None:
        return redirect("volunteers:register")
    form = WithdrawForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        return post_action(
            request, lambda: services.volunteer_withdraw(
                volunteer=volunteer, actor=request.user, reason=form.cleaned_data["reason"]),
            success=_("You have withdrawn as a volunteer. Thank you for your service! You can "
                      "register again at any time."),
            next="volunteers:me", failure_next="volunteers:withdraw")
    return render(request, "volunteers/withdraw.html", {
        "form": form, "volunteer": volunteer,
        "problem": services.withdrawal_problem(volunteer=volunteer),
        "orders": selectors.open_service_orders(volunteer=volunteer),
    })


@signed_in
@post_only("volunteers:me")
def certificate_request(request):
    volunteer = selectors.volunteer_for_user(request.user)
    if volunteer is None:
        messages.error(request, _("Register as a volunteer first."))
        return redirect("volunteers:register")
    return post_action(
        request, lambda: services.certificate_issue(volunteer=volunteer, actor=request.user),
        success=_("Your certificate is ready. It is free of charge."),
        next=lambda certificate: (f"{reverse('volunteers:my_certificate')}"
                                  f"?serial={certificate.serial}"),
        failure_next="volunteers:me")


def _pdf_response(request, certificate):
    pdf = certificate_pdf(certificate=certificate, request=request)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="certificate-{certificate.serial}.pdf"'
    return response


@signed_in
def my_certificate(request):
    """The signed-in volunteer's certificate (`?serial=`), or their latest one."""
    volunteer = selectors.volunteer_for_user(request.user)
    certificates = volunteer.certificates.all() if volunteer else Certificate.objects.none()
    serial = request.GET.get("serial", "")[:32]
    certificate = (certificates.filter(serial=serial) if serial else certificates).first()
    if certificate is None:
        messages.info(request, _("You have no certificate yet."))
        return redirect("volunteers:me")
    return _pdf_response(request, certificate)


@roles_required(*STAFF)
def staff_certificate_pdf(request, token: str):
    certificate = selectors.certificate_get_for_staff(user=request.user, token=token)
    if certificate is None:
        raise Http404
    return _pdf_response(request, certificate)


@public
def verify(request, token: str):
    certificate = selectors.certificate_by_token(token)
    if certificate is None:
        raise Http404
    intact = services.content_hash(certificate.content) == certificate.content_hash
    return render(request, "volunteers/verify.html", {
        "certificate": certificate, "content": certificate.content, "intact": intact,
        "hours": f"{int(certificate.content.get('service_minutes', 0)) / 60:.1f}",
    })


@signed_in
def my_teams(request):
    volunteer = selectors.volunteer_for_user(request.user)
    memberships = list(selectors.team_list_for_volunteer(volunteer=volunteer))
    teams = [(m, list(selectors.team_members(m.team).filter(is_leader=True)))
             for m in memberships]
    return render(request, "volunteers/my_teams.html",
                  {"volunteer": volunteer, "teams": teams})


@signed_in
@post_only("volunteers:my_teams")
def team_leave(request, uuid):
    """A volunteer leaves one of their teams themself."""
    volunteer = selectors.volunteer_for_user(request.user)
    membership = (selectors.team_list_for_volunteer(volunteer=volunteer)
                  .filter(team__uuid=uuid).first())
    if membership is None:  # left already (a double tap) or never a member
        messages.info(request, _("You are not in this team."))
        return redirect("volunteers:my_teams")
    return post_action(
        request, lambda: services.team_member_remove(team=membership.team, volunteer=volunteer,
                                                     actor=request.user),
        success=_("You left “%(team)s”.") % {"team": membership.team.name},
        next="volunteers:my_teams")


def _party_communities(user):
    report = selectors.party_report_for_user(user=user)
    ids = set(communities_for(user, frozenset(Role)).values_list("id", flat=True))
    if report is not None:
        ids.add(report.community_id)
    return ids


@signed_in
def party(request):
    """双报到 for a party member: report to the community, claim projects, see claims."""
    report = selectors.party_report_for_user(user=request.user)
    resident = _resident(request.user)
    community = resident.household.community if resident else None
    form = None
    if report is None and community is not None:
        form = PartyReportForm(request.POST or None,
                               initial={"name": resident.name},
                               organisations=PartyOrganisation.objects.filter(
                                   community=community))
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                services.party_member_report_create(
                    community=community, name=data["name"], mobile=request.user.mobile,
                    user=request.user, resident=resident, organisation=data["organisation"],
                    work_unit=data["work_unit"], actor=request.user)
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("You have reported to the community. The "
                                            "community will confirm shortly."))
                return redirect("volunteers:party")
    claims = list(selectors.claim_list_for_member(report=report))
    claimed_ids = {c.project_id for c in claims}
    projects = [p for p in selectors.party_project_list_open_for_member(report=report)
                if p.id not in claimed_ids]
    return render(request, "volunteers/party.html", {
        "report": report, "form": form, "claims": claims, "projects": projects,
        "resident": resident})


@signed_in
@post_only("volunteers:party")
def party_claim(request, uuid):
    project = object_or_404(
        PartyProject.objects.filter(community_id__in=_party_communities(request.user)),
        uuid=uuid)
    report = selectors.party_report_for_user(user=request.user)
    if report is None or report.community_id != project.community_id:
        messages.error(request, _("Report to this community as a party member first."))
        return redirect("volunteers:party")
    return post_action(
        request, lambda: services.project_claim_create(project=project, member=report,
                                                       actor=request.user),
        success=_("You claimed “%(title)s”.") % {"title": project.title},
        next="volunteers:party")


# --- staff (workbench) ------------------------------------------------------------------


@roles_required(*STAFF)
def staff_list(request):
    status = request.GET.get("status", VolunteerStatus.PENDING)
    if status not in VolunteerStatus.values and status != "all":
        status = VolunteerStatus.PENDING
    q = request.GET.get("q", "").strip()[:32]
    volunteers = selectors.volunteer_list_for_user(
        user=request.user, status="" if status == "all" else status, q=q)
    communities = selectors.staff_communities(request.user)
    return render(request, "volunteers/staff_list.html", {
        "volunteers": volunteers[:200], "status": status, "q": q,
        "statuses": VolunteerStatus.choices,
        "figures": selectors.volunteer_figures(communities=communities),
    })


def _staff_volunteer(request, uuid) -> Volunteer:
    volunteer = selectors.volunteer_get_for_user(user=request.user, uuid=uuid)
    if volunteer is None:
        raise Http404
    return volunteer


@roles_required(*STAFF)
def staff_detail(request, uuid):
    volunteer = _staff_volunteer(request, uuid)
    return render(request, "volunteers/staff_detail.html", {
        "volunteer": volunteer, "record": selectors.volunteer_record(volunteer=volunteer),
        "events": volunteer.events.select_related("actor"),
        "slots": list(volunteer.availability.all()), "skills": list(volunteer.skills.all()),
        "can_decide": policies.can_decide_volunteer(request.user, volunteer),
        "can_commend": policies.can_commend(request.user, volunteer),
        "reason_form": ReasonForm(), "commendation_form": CommendationForm(
            initial={"awarded_on": timezone.localdate()}),
    })


@roles_required(*STAFF)
@post_only("volunteers:staff_detail", with_uuid=True)
def staff_decide(request, uuid):
    volunteer = _staff_volunteer(request, uuid)
    action = request.POST.get("action", "")
    reason = request.POST.get("reason", "")
    actions = {
        "approve": lambda: services.volunteer_approve(volunteer=volunteer, actor=request.user,
                                                      note=reason),
        "reject": lambda: services.volunteer_reject(volunteer=volunteer, actor=request.user,
                                                    reason=reason),
        "suspend": lambda: services.volunteer_suspend(volunteer=volunteer, actor=request.user,
                                                      reason=reason),
        "reinstate": lambda: services.volunteer_reinstate(volunteer=volunteer,
                                                          actor=request.user, note=reason),
    }
    detail = reverse("volunteers:staff_detail", kwargs={"uuid": volunteer.uuid})
    if action not in actions:
        messages.error(request, _("Choose what to do."))
        return redirect(detail)
    return post_action(
        request, actions[action],
        success=lambda decided: _("Saved: %(status)s.") % {
            "status": decided.get_status_display()},
        next=detail)


@roles_required(*STAFF)
@post_only("volunteers:staff_detail", with_uuid=True)
def commend(request, uuid):
    volunteer = _staff_volunteer(request, uuid)
    detail = reverse("volunteers:staff_detail", kwargs={"uuid": volunteer.uuid})
    form = CommendationForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Please check the commendation details."))
        return redirect(detail)
    return post_action(
        request, lambda: services.commendation_create(volunteer=volunteer, actor=request.user,
                                                      **form.cleaned_data),
        success=_("The commendation was recorded."), next=detail)


@roles_required(*STAFF)
@post_only("volunteers:staff_detail", with_uuid=True)
def staff_certificate(request, uuid):
    volunteer = _staff_volunteer(request, uuid)
    return post_action(
        request, lambda: services.certificate_issue(volunteer=volunteer, actor=request.user),
        success=None,
        next=lambda certificate: reverse("volunteers:staff_certificate_pdf",
                                         kwargs={"token": certificate.token}),
        failure_next=reverse("volunteers:staff_detail", kwargs={"uuid": volunteer.uuid}))


@roles_required(*STAFF)
@post_only("volunteers:staff_list")
def certificate_revoke(request, token: str):
    certificate = selectors.certificate_get_for_staff(user=request.user, token=token)
    if certificate is None:
        raise Http404
    return post_action(
        request, lambda: services.certificate_revoke(certificate=certificate, actor=request.user,
                                                     reason=request.POST.get("reason", "")),
        success=_("The certificate was revoked."),
        next=reverse("volunteers:staff_detail", kwargs={"uuid": certificate.volunteer.uuid}))


@roles_required(*STAFF)
def teams(request):
    communities = selectors.staff_communities(request.user)
    form = TeamForm(request.POST or None, communities=communities)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        street = data["community"].street if data["community"] else communities.first().street
        try:
            team = services.team_create(street=street, actor=request.user, **data)
        except DomainError as exc:
            form_add_domain_error(form, exc)
        else:
            messages.success(request, _("The team was created."))
            return redirect("volunteers:team", uuid=team.uuid)
    return render(request, "volunteers/teams.html", {
        "teams": selectors.team_list_for_user(user=request.user), "form": form})


@roles_required(*STAFF)
def team(request, uuid):
    team = selectors.team_get_for_user(user=request.user, uuid=uuid)
    if team is None:
        raise Http404
    form = MemberForm(request.POST or None)
    if request.method == "POST":
        if request.POST.get("remove"):
            remove = request.POST["remove"]
            volunteer = (selectors.volunteer_get_for_user(user=request.user, uuid=remove)
                         if is_uuid(remove) else None)
            here = reverse("volunteers:team", kwargs={"uuid": team.uuid})
            if volunteer is None:
                return redirect(here)
            return post_action(
                request, lambda: services.team_member_remove(team=team, volunteer=volunteer,
                                                             actor=request.user),
                success=_("The member was removed."), next=here)
        if form.is_valid():
            volunteer = selectors.volunteer_list_for_user(user=request.user).filter(
                number=form.cleaned_data["number"].strip()).first()
            if volunteer is None:
                form.add_error("number", _("No volunteer with this number in your "
                                           "communities."))
            else:
                try:
                    services.team_member_add(team=team, volunteer=volunteer,
                                             is_leader=form.cleaned_data["is_leader"],
                                             actor=request.user)
                except DomainError as exc:
                    form.add_error(None, exc.message)
                else:
                    messages.success(request, _("Saved."))
                    return redirect("volunteers:team", uuid=team.uuid)
    return render(request, "volunteers/team.html", {
        "team": team, "members": selectors.team_members(team), "form": form})


def _one_community(request, communities):
    """The community a staff form acts on: the chosen one if the user has several."""
    chosen = request.POST.get("community")
    if chosen:
        return communities.filter(uuid=chosen).first() if is_uuid(chosen) else None
    return communities.first()


@roles_required(*STAFF)
def party_staff(request):
    communities = selectors.staff_communities(request.user)
    kind = request.POST.get("form", "")
    org_form = OrganisationForm(request.POST if kind == "organisation" else None,
                                prefix="org")
    project_form = ProjectForm(request.POST if kind == "project" else None, prefix="project")
    if request.method == "POST":
        community = _one_community(request, communities)
        form = org_form if kind == "organisation" else project_form
        if community is None:
            messages.error(request, _("Choose a community."))
        elif kind in ("organisation", "project") and form.is_valid():
            try:
                if kind == "organisation":
                    services.party_organisation_create(community=community, actor=request.user,
                                                       **form.cleaned_data)
                else:
                    services.party_project_create(community=community, actor=request.user,
                                                  **form.cleaned_data)
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("Saved."))
                return redirect("volunteers:party_staff")
    return render(request, "volunteers/party_staff.html", {
        "figures": selectors.party_figures(communities=communities),
        "communities": communities,
        "pending": selectors.party_report_list_for_user(user=request.user,
                                                        status=ReportStatus.PENDING)[:100],
        "organisations": selectors.party_organisation_list_for_user(user=request.user),
        "projects": selectors.party_project_list_for_user(user=request.user),
        "org_form": org_form, "project_form": project_form,
    })


@roles_required(*STAFF)
@post_only("volunteers:party_staff")
def report_decide(request, uuid):
    report = selectors.party_report_get_for_user(user=request.user, uuid=uuid)
    if report is None:
        raise Http404
    return post_action(
        request, lambda: services.party_member_report_decide(
            report=report, actor=request.user, confirm=request.POST.get("action") == "confirm",
            note=request.POST.get("note", "")),
        success=_("Saved."), next="volunteers:party_staff")


@roles_required(*STAFF)
def project(request, uuid):
    project = selectors.party_project_get_for_user(user=request.user, uuid=uuid)
    if project is None:
        raise Http404
    if request.method == "POST":
        def act():
            if request.POST.get("action") == "close":
                return services.party_project_close(project=project, actor=request.user)
            chosen = request.POST.get("organisation", "")
            org = PartyOrganisation.objects.filter(
                community=project.community, uuid=chosen if is_uuid(chosen) else None).first()
            if org is None:
                raise DomainError(_("Choose a party organisation."))
            return services.project_claim_create(project=project, organisation=org,
                                                 actor=request.user)

        return post_action(request, act, success=_("Saved."),
                           next=reverse("volunteers:project", kwargs={"uuid": project.uuid}))
    return render(request, "volunteers/project.html", {
        "project": project,
        "claims": project.claims.select_related("member", "organisation"),
        "organisations": PartyOrganisation.objects.filter(community=project.community),
    })


@roles_required(*STAFF)
def deeds(request):
    communities = selectors.staff_communities(request.user)
    members = PartyMemberReport.objects.filter(community__in=communities,
                                               status=ReportStatus.CONFIRMED)
    organisations = PartyOrganisation.objects.filter(community__in=communities)
    form = GoodDeedForm(request.POST or None, request.FILES or None, members=members,
                        organisations=organisations,
                        initial={"done_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        claimant = data["member"] or data["organisation"]
        community = claimant.community if claimant else _one_community(request, communities)
        try:
            if community is None:
                raise DomainError(_("Choose a community."))
            services.good_deed_create(community=community, actor=request.user, **data)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("The good deed was recorded."))
            return redirect("volunteers:deeds")
    return render(request, "volunteers/deeds.html", {
        "deeds": selectors.good_deed_list_for_user(user=request.user)[:100], "form": form,
        "figures": selectors.party_figures(communities=communities),
        "communities": communities,
    })
