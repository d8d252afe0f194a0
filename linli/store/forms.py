from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from linli.common.periods import Period


class RedeemForm(forms.Form):
    quantity = forms.IntegerField(label=_("Quantity"), min_value=1, max_value=20, initial=1)


class GoodsForm(forms.Form):
    community = forms.ModelChoiceField(label=_("Community"), queryset=None, to_field_name="uuid")
    name = forms.CharField(label=pgettext_lazy("goods", "Name"), max_length=100)
    description = forms.CharField(label=_("Description"), max_length=500, required=False,
                                  widget=forms.Textarea(attrs={"rows": 2}))
    price = forms.IntegerField(label=_("Points price"), min_value=1, max_value=1_000_000)
    stock = forms.IntegerField(label=_("Initial stock"), min_value=0, max_value=100_000,
                               initial=0)
    limit_per_household = forms.IntegerField(label=_("Limit per household"), min_value=1,
                                             max_value=1000, required=False)
    limit_period = forms.ChoiceField(label=_("Limit period"), choices=Period.choices)
    available_from = forms.DateTimeField(label=_("Available from"), required=False,
                                         widget=forms.DateTimeInput(
                                             attrs={"type": "datetime-local"}))
    available_until = forms.DateTimeField(label=_("Available until"), required=False,
                                          widget=forms.DateTimeInput(
                                              attrs={"type": "datetime-local"}))
    donor_name = forms.CharField(label=_("Donor (caring merchant)"), max_length=100,
                                 required=False)
    photo = forms.FileField(label=_("Photo"), required=False,
                            widget=forms.ClearableFileInput(attrs={"accept": "image/*"}))
    active = forms.BooleanField(label=_("On sale"), required=False, initial=True)

    def __init__(self, *args, communities, editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = communities
        if editing:
            del self.fields["community"]
            del self.fields["stock"]


class RestockForm(forms.Form):
    quantity = forms.IntegerField(label=_("Quantity"), min_value=1, max_value=100_000)
    donor_name = forms.CharField(label=_("Donor (caring merchant)"), max_length=100,
                                 required=False)
    note = forms.CharField(label=_("Note"), max_length=255, required=False)
