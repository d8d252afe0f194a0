from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from linli.activities.models import ActivityKind, Audience, SignupRole

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
WEEKDAYS = [(0, _("Monday")), (1, _("Tuesday")), (2, _("Wednesday")), (3, _("Thursday")),
            (4, _("Friday")), (5, _("Saturday")), (6, _("Sunday"))]


class CommunityChoiceMixin:
    def setup_community(self, communities):
        self.communities = {str(c.uuid): c for c in communities}
        self.fields["community"].choices = [(k, c.name) for k, c in self.communities.items()]
        if len(self.communities) == 1:
            self.fields["community"].initial = next(iter(self.communities))

    def clean_community(self):
        return self.communities[self.cleaned_data["community"]]


class ActivityForm(CommunityChoiceMixin, forms.Form):
    community = forms.ChoiceField(label=_("Community"))
    title = forms.CharField(label=_("Title"), max_length=100)
    kind = forms.ChoiceField(label=_("Type"), choices=ActivityKind.choices)
    organiser = forms.CharField(label=_("Organising team"), max_length=64)
    place = forms.CharField(label=_("Place"), max_length=128)
    starts_at = forms.DateTimeField(label=_("Starts at"), widget=DATETIME)
    ends_at = forms.DateTimeField(label=_("Ends at"), widget=DATETIME)
    signup_opens_at = forms.DateTimeField(label=_("Sign-up opens at"), widget=DATETIME)
    signup_closes_at = forms.DateTimeField(label=_("Sign-up closes at"), widget=DATETIME)
    audience = forms.ChoiceField(label=_("Audience"), choices=Audience.choices)
    capacity = forms.IntegerField(label=_("Places for participants"), min_value=1,
                                  max_value=100_000)
    volunteers_needed = forms.IntegerField(label=_("Volunteers needed"), min_value=0,
                                           max_value=10_000, initial=0)
    points = forms.IntegerField(label=_("Points per participant"), min_value=0,
                                max_value=10_000, initial=0,
                                help_text=_("Credited to the participant's household."))
    volunteer_minutes = forms.IntegerField(
        label=_("Most service minutes per volunteer"), min_value=0, max_value=7 * 24 * 60,
        initial=0, help_text=_("0 means the length of the activity."))
    description = forms.CharField(label=_("Description"), required=False,
                                  widget=forms.Textarea(attrs={"rows": 4}))
    cover = forms.ImageField(label=_("Cover photo"), required=False,
                             help_text=_("JPEG, PNG or WebP, at most 5 MB."))

    def __init__(self, *args, communities=(), editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.setup_community(communities)
        if editing:
            del self.fields["community"]


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("Reason (everyone signed up is told)"), max_length=255)


class SessionCancelForm(forms.Form):
    note = forms.CharField(label=_("Reason (everyone enrolled is told)"), max_length=255,
                           widget=forms.Textarea(attrs={"rows": 3}))


class SummaryForm(forms.Form):
    summary = forms.CharField(label=_("Summary"), widget=forms.Textarea(attrs={"rows": 6}))
    photo1 = forms.ImageField(label=_("Photo 1"), required=False)
    photo2 = forms.ImageField(label=_("Photo 2"), required=False)
    photo3 = forms.ImageField(label=_("Photo 3"), required=False)
    caption = forms.CharField(label=_("Caption for the photos"), max_length=100, required=False)


class BeneficiariesForm(forms.Form):
    count = forms.IntegerField(label=_("Other people served"), min_value=0, max_value=100_000)
    reason = forms.CharField(label=_("Who they were"), max_length=255, required=False)


class WalkinForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=64)
    mobile = forms.RegexField(label=_("Mobile number (to credit their household)"),
                              regex=r"^1\d{10}$", required=False, max_length=11)
    role = forms.ChoiceField(label=_("As"), choices=SignupRole.choices,
                             initial=SignupRole.PARTICIPANT)


class ClassForm(CommunityChoiceMixin, forms.Form):
    community = forms.ChoiceField(label=_("Community"))
    name = forms.CharField(label=pgettext_lazy("class", "Name"), max_length=64)
    kind = forms.ChoiceField(label=_("Type"), choices=ActivityKind.choices,
                             initial=ActivityKind.CULTURE)
    teacher_name = forms.CharField(label=_("Teacher"), max_length=64)
    teacher_mobile = forms.RegexField(label=_("Teacher's mobile (links their account)"),
                                      regex=r"^1\d{10}$", required=False, max_length=11)
    place = forms.CharField(label=_("Place"), max_length=128)
    weekdays = forms.TypedMultipleChoiceField(label=_("Weekdays"), choices=WEEKDAYS, coerce=int,
                                              widget=forms.CheckboxSelectMultiple)
    start_time = forms.TimeField(label=_("Starts at"), widget=TIME)
    end_time = forms.TimeField(label=_("Ends at"), widget=TIME)
    term_name = forms.CharField(label=_("Term"), max_length=32)
    term_start = forms.DateField(label=_("Term starts"), widget=DATE)
    term_end = forms.DateField(label=_("Term ends"), widget=DATE)
    capacity = forms.IntegerField(label=_("Places"), min_value=1, max_value=10_000)
    description = forms.CharField(label=_("Description"), required=False,
                                  widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, communities=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.setup_community(communities)
