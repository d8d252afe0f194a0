from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from linli.common.periods import Period
from linli.points.models import AwardSource, Category

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ItemChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        sign = "−" if obj.is_deduction else "+"
        return f"{obj.title}（{sign}{obj.points}）"


class ClaimForm(forms.Form):
    item = ItemChoiceField(label=_("What did you do?"), queryset=None, to_field_name="uuid",
                           empty_label=_("Choose an item"))
    resident = forms.ModelChoiceField(label=_("Who did it?"), queryset=None, required=False,
                                      to_field_name="uuid", empty_label=_("The whole household"))
    occurred_on = forms.DateField(label=_("Date"), widget=DATE)
    note = forms.CharField(label=_("Note"), max_length=500, required=False,
                           widget=forms.Textarea(attrs={"rows": 3}))
    photo = forms.FileField(label=_("Photo"), required=False,
                            widget=forms.ClearableFileInput(attrs={"accept": "image/*"}))

    def __init__(self, *args, items, residents, **kwargs):
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("occurred_on", timezone.localdate())
        super().__init__(*args, **kwargs)
        self.fields["item"].queryset = items
        self.fields["resident"].queryset = residents


class InspectionForm(ClaimForm):
    household = forms.ModelChoiceField(label=_("Household"), queryset=None, to_field_name="uuid",
                                       empty_label=_("Choose a household"))
    field_order = ["household", "item", "resident", "occurred_on", "note", "photo"]

    def __init__(self, *args, households, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["household"].queryset = households
        self.fields["item"].label = _("Item")
        self.fields["resident"].label = _("Member")


class RejectForm(forms.Form):
    reason = forms.CharField(label=_("Reason for rejecting"), max_length=255)


class ConventionForm(forms.Form):
    community = forms.ModelChoiceField(label=_("Community"), queryset=None, to_field_name="uuid")
    title = forms.CharField(label=_("Title"), max_length=100)
    allows_deductions = forms.BooleanField(label=_("This convention has deduction items"),
                                           required=False)

    def __init__(self, *args, communities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = communities


class ItemForm(forms.Form):
    code = forms.CharField(label=_("Code"), max_length=16)
    title = forms.CharField(label=_("Title"), max_length=100)
    category = forms.ChoiceField(label=_("Category"), choices=Category.choices)
    points = forms.IntegerField(label=_("Points"), min_value=1, max_value=10_000)
    is_deduction = forms.BooleanField(label=_("Deduction"), required=False)
    evidence = forms.CharField(label=_("Evidence required"), max_length=200, required=False)
    photo_required = forms.BooleanField(label=_("Photo required"), required=False)
    cap_count = forms.IntegerField(label=_("Times per household per period"), min_value=1,
                                   max_value=1000, required=False)
    period = forms.ChoiceField(label=_("Period"), choices=Period.choices)


class AdoptForm(forms.Form):
    adopted_on = forms.DateField(label=_("Adopted on"),
                                 widget=DATE)
    meeting = forms.CharField(label=_("Residents' meeting"), max_length=100)
    entitled_count = forms.IntegerField(label=_("Entitled to attend"), min_value=1,
                                        max_value=1_000_000)
    present_count = forms.IntegerField(label=_("Present"), min_value=0, max_value=1_000_000)
    votes_for = forms.IntegerField(label=_("Votes in favour"), min_value=0, max_value=1_000_000)


class RuleForm(forms.Form):
    community = forms.ModelChoiceField(label=_("Community"), queryset=None, to_field_name="uuid")
    code = forms.ChoiceField(label=pgettext_lazy("award source", "Counts"),
                             choices=AwardSource.choices)
    title = forms.CharField(label=_("Title"), max_length=100)
    points_per_unit = forms.IntegerField(label=_("Points per unit"), min_value=1, max_value=1000)
    unit_label = forms.CharField(label=pgettext_lazy("measure", "Unit"), max_length=16, required=False)
    cap_points = forms.IntegerField(label=_("Points per household per period"), min_value=1,
                                    required=False)
    period = forms.ChoiceField(label=_("Period"), choices=Period.choices)
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args, communities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = communities
