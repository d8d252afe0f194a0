"""Who may act on volunteers, teams, certificates and party members (双报到). Pure predicates
(they may query, never write): pages use them to show or hide a button, services enforce them
with `require(...)`.

`user` is None when the system acts (demo loaders, imports, commands). The system may do the
office's paperwork (approve a registration it loads, issue a certificate, record party data);
it never acts for a person (withdraw, change a profile, claim as a member).
"""

from __future__ import annotations

from linli.accounts.models import Role
from linli.volunteers.selectors import staff_communities


def _signed_in(user) -> bool:
    return user is not None and getattr(user, "is_authenticated", False)


def _system(user) -> bool:
    return user is None


def is_staff_of(user, community_id) -> bool:
    """Community staff of that community, or the street administrator of its street."""
    if not _signed_in(user) or community_id is None:
        return False
    return staff_communities(user).filter(pk=community_id).exists()


def _street_admin_of(user, street_id) -> bool:
    return _signed_in(user) and any(
        a.role == Role.STREET_ADMIN and a.street_id == street_id for a in user.role_assignments)


# --- volunteers ---------------------------------------------------------------------------


def can_decide_volunteer(user, volunteer) -> bool:
    """Approve, reject, suspend or reinstate: staff of the volunteer's community, never on their
    own registration (the one who registers may not approve)."""
    if _system(user):
        return True
    return is_staff_of(user, volunteer.community_id) and volunteer.user_id != user.pk


def can_edit_profile(user, volunteer) -> bool:
    """Skills, availability, service area and health: the volunteer themself."""
    return _signed_in(user) and volunteer.user_id == user.pk


def can_withdraw(user, volunteer) -> bool:
    return _signed_in(user) and volunteer.user_id == user.pk


def can_commend(user, volunteer) -> bool:
    if _system(user):
        return True
    return is_staff_of(user, volunteer.community_id) and volunteer.user_id != user.pk


def can_issue_certificate(user, volunteer) -> bool:
    """The volunteer asks for their own proof of service, or staff of their community issue
    it (谁组织谁记录，谁记录谁证明)."""
    if _system(user):
        return True
    return volunteer.user_id == user.pk or is_staff_of(user, volunteer.community_id)


def can_revoke_certificate(user, certificate) -> bool:
    if _system(user):
        return True
    volunteer = certificate.volunteer
    return is_staff_of(user, volunteer.community_id) and volunteer.user_id != user.pk


# --- teams --------------------------------------------------------------------------------


def can_create_team(user, *, street, community=None) -> bool:
    """A community's team: its staff; a team of the whole street: the street administrator."""
    if _system(user):
        return True
    if community is not None:
        return community.street_id == street.pk and is_staff_of(user, community.pk)
    return _street_admin_of(user, street.pk)


def can_manage_team(user, team) -> bool:
    """Add or remove members: staff of the team's community; for a street team the street
    administrator or staff of any of the street's communities (as they see it)."""
    if _system(user):
        return True
    if team.community_id is not None:
        return is_staff_of(user, team.community_id)
    return _signed_in(user) and staff_communities(user).filter(street_id=team.street_id).exists()


def can_join_team(user, team, volunteer) -> bool:
    """Staff who manage the team and look after the volunteer's community put them in it."""
    return can_manage_team(user, team) and (
        _system(user) or is_staff_of(user, volunteer.community_id))


def can_leave_team(user, team, volunteer) -> bool:
    """A volunteer leaves a team themself; staff who manage the team may remove anyone."""
    return (_signed_in(user) and volunteer.user_id == user.pk) or can_manage_team(user, team)


# --- party members (双报到) -----------------------------------------------------------------


def can_report_party_member(user, *, community, member_user=None) -> bool:
    """A party member reports themself; staff of the community enter a report for someone."""
    if _system(user):
        return True
    if member_user is not None and member_user.pk == user.pk:
        return _signed_in(user)
    return is_staff_of(user, community.pk)


def can_decide_party_report(user, report) -> bool:
    """Staff of the community confirm a report, never their own."""
    if _system(user):
        return True
    return is_staff_of(user, report.community_id) and report.user_id != user.pk


def can_manage_party(user, community) -> bool:
    """Organisations, projects (publish, close) and good deeds of a community: its staff."""
    return _system(user) or is_staff_of(user, community.pk)


def can_claim_project(user, project, *, member=None, organisation=None) -> bool:
    """A confirmed party member claims for themself; staff claim for a party organisation."""
    if _system(user):
        return True
    if member is not None:
        return _signed_in(user) and member.user_id == user.pk
    if organisation is not None:
        return is_staff_of(user, project.community_id)
    return False
