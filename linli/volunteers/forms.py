from __future__ import annotations

from datetime import time

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from linli.volunteers.models import PartyOrgKind, Skill, TeamType, Weekday
from linli.volunteers.services import Slot

#: Phone-friendly availability: tick day parts instead of typing times.
DAY_PARTS = {
    "am": (time(8, 0), time(12, 0), _("Morning")),
    "pm": (time(14, 0), time(18, 0), _("Afternoon")),
    "ev": (time(18, 30), time(21, 0), _("Evening")),
}
SLOT_CHOICES = [
    (f"{day.value}-{part}", f"{day.label} {label}")
    for day in Weekday for part, (_s, _e, label) in DAY_PARTS.items()
]


def slots_from_choices(values) -> list[Slot]:
    slots = []
    for value in values:
        day, part = value.split("-")
        start, end, _label = DAY_PARTS[part]
        slots.append(Slot(weekday=int(day), start=start, end=end))
    return slots


class RegistrationForm(forms.Form):
    skills = forms.ModelMultipleChoiceField(
        label=_("What can you do?"), queryset=Skill.objects.all(), required=False,
        widget=forms.CheckboxSelectMultiple)
    skills_note = forms.CharField(label=_("Other skills"), max_length=255, required=False)
    slots = forms.MultipleChoiceField(label=_("When are you available?"), choices=SLOT_CHOICES,
                                      widget=forms.CheckboxSelectMultiple)
    service_grid = forms.ModelChoiceField(label=_("Where do you want to serve?"), queryset=None,
                                          required=False,
                                          empty_label=_("Anywhere in my community"))
    health_ok = forms.TypedChoiceField(
        label=_("Health declaration"), coerce=lambda v: v == "yes",
        choices=[("yes", _("I am in good health and fit for volunteer service")),
                 ("no", _("I have a health condition that limits the service I can give"))],
        widget=forms.RadioSelect)
    health_note = forms.CharField(label=_("Health notes (optional)"), max_length=255,
                                  required=False)
    emergency_contact = forms.CharField(label=_("Emergency contact"), max_length=64,
                                        required=False)
    emergency_phone = forms.RegexField(label=_("Emergency phone"), regex=r"^[0-9-]{7,20}$",
                                       required=False)
    consent = forms.BooleanField(
        label=_("I agree that the community records my name, contact, skills, availability "
                "and service for volunteer work, and shares them only with those who "
                "organise my service."))

    def __init__(self, *args, grids=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service_grid"].queryset = grids


def choices_from_slots(slots) -> tuple[list[str], list]:
    """The day-part choices matching `slots`, and the slots that match none (kept as they
    are when the volunteer saves the page)."""
    parts = {(start, end): part for part, (start, end, _label) in DAY_PARTS.items()}
    chosen, other = [], []
    for slot in slots:
        part = parts.get((slot.start, slot.end))
        if part is None:
            other.append(slot)
        else:
            chosen.append(f"{slot.weekday}-{part}")
    return chosen, other


class ProfileForm(forms.Form):
    """What a volunteer keeps current themself (the fields of the registration, without the
    consent, which is given once)."""

    skills = RegistrationForm.base_fields["skills"]
    skills_note = RegistrationForm.base_fields["skills_note"]
    slots = forms.MultipleChoiceField(label=_("When are you available?"), choices=SLOT_CHOICES,
                                      widget=forms.CheckboxSelectMultiple, required=False)
    service_grid = RegistrationForm.base_fields["service_grid"]
    health_ok = RegistrationForm.base_fields["health_ok"]
    health_note = RegistrationForm.base_fields["health_note"]
    emergency_contact = RegistrationForm.base_fields["emergency_contact"]
    emergency_phone = RegistrationForm.base_fields["emergency_phone"]

    def __init__(self, *args, grids=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service_grid"].queryset = grids


class WithdrawForm(forms.Form):
    reason = forms.CharField(label=_("Why are you leaving?"), max_length=255,
                             widget=forms.Textarea(attrs={"rows": 3}))
    understood = forms.BooleanField(
        label=_("I understand that I will no longer receive service orders and that my teams "
                "will be left. My record, hours and certificates are kept."))


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=255)


class CommendationForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=120)
    awarded_by = forms.CharField(label=_("Awarded by"), max_length=120)
    awarded_on = forms.DateField(label=_("Awarded on"),
                                 widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label=_("Note"), max_length=255, required=False)


class TeamForm(forms.Form):
    name = forms.CharField(label=pgettext_lazy("team", "Name"), max_length=64)
    team_type = forms.ChoiceField(label=_("Type"), choices=TeamType.choices)
    community = forms.ModelChoiceField(label=_("Community"), queryset=None, required=False,
                                       empty_label=_("Whole street"))
    description = forms.CharField(label=_("Description"), required=False,
                                  widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, communities=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = communities


class MemberForm(forms.Form):
    number = forms.CharField(label=_("Volunteer number"), max_length=20)
    is_leader = forms.BooleanField(label=_("Team leader"), required=False)


class PartyReportForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=64)
    work_unit = forms.CharField(label=_("Work unit"), max_length=120, required=False)
    organisation = forms.ModelChoiceField(label=_("Party organisation"), queryset=None,
                                          required=False)

    def __init__(self, *args, organisations=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations


class OrganisationForm(forms.Form):
    name = forms.CharField(label=pgettext_lazy("organisation", "Name"), max_length=120)
    kind = forms.ChoiceField(label=_("Kind"), choices=PartyOrgKind.choices)
    secretary = forms.CharField(label=_("Secretary"), max_length=64, required=False)


class ProjectForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=120)
    planned_claims = forms.IntegerField(label=_("Planned number of claims"), min_value=1,
                                        max_value=10000)
    description = forms.CharField(label=_("Description"), required=False,
                                  widget=forms.Textarea(attrs={"rows": 2}))


class GoodDeedForm(forms.Form):
    title = forms.CharField(label=_("What was done"), max_length=120)
    done_on = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    member = forms.ModelChoiceField(label=_("Party member"), queryset=None, required=False)
    organisation = forms.ModelChoiceField(label=_("Party organisation"), queryset=None,
                                          required=False)
    description = forms.CharField(label=_("Details"), required=False,
                                  widget=forms.Textarea(attrs={"rows": 2}))
    photo = forms.ImageField(label=_("Photo"), required=False)

    def __init__(self, *args, members=None, organisations=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = members
        self.fields["organisation"].queryset = organisations
