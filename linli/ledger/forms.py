from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from linli.ledger.models import TransferKind, Unit


def hours_to_minutes(hours: Decimal) -> int:
    return int((hours * 60).quantize(Decimal("1"), rounding=ROUND_HALF_UP))


class HoursField(forms.DecimalField):
    """Hours as people say them (1.5 = 1 h 30 min); cleaned to whole minutes."""

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", Decimal("0.02"))
        kwargs.setdefault("max_value", Decimal("100000"))
        kwargs.setdefault("decimal_places", 2)
        kwargs.setdefault("max_digits", 8)
        super().__init__(**kwargs)
        self.widget.attrs.update({"step": "0.5", "inputmode": "decimal"})

    def clean(self, value) -> int | None:
        hours = super().clean(value)
        return None if hours is None else hours_to_minutes(hours)


class GiftForm(forms.Form):
    recipient = forms.ChoiceField(label=_("To whom"), widget=forms.RadioSelect)
    hours = HoursField(label=_("Hours to gift"))
    memo = forms.CharField(label=_("Message (optional)"), max_length=100, required=False)

    def __init__(self, *args, family=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.family = {str(r.uuid): r for r in family}
        self.fields["recipient"].choices = [(str(r.uuid), r.name) for r in family]

    def clean_recipient(self):
        return self.family[self.cleaned_data["recipient"]]


class DonationForm(forms.Form):
    hours = HoursField(label=_("Hours to donate"))
    memo = forms.CharField(label=_("Message (optional)"), max_length=100, required=False)


class StatementFilterForm(forms.Form):
    kind = forms.ChoiceField(label=_("Type"), required=False,
                             choices=[("", _("All"))] + list(TransferKind.choices))
    direction = forms.ChoiceField(label=_("Direction"), required=False, choices=[
        ("", _("All")), ("in", _("Money in: received")), ("out", _("Money out: paid"))])
    since = forms.DateField(label=_("From date"), required=False,
                            widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=_("To date"), required=False,
                            widget=forms.DateInput(attrs={"type": "date"}))


class AmountMixin:
    """Time accounts are corrected in hours, points accounts in points."""

    def setup_amount(self, unit: str) -> None:
        self.unit = unit
        if unit == Unit.TIME:
            self.fields["amount"] = HoursField(label=_("Hours"))
        else:
            self.fields["amount"] = forms.IntegerField(label=_("Points"), min_value=1,
                                                       max_value=10**9)


class AdjustmentForm(AmountMixin, forms.Form):
    direction = forms.ChoiceField(label=_("Correction"), choices=[
        ("credit", _("Add to the account")), ("debit", _("Deduct from the account"))])
    reason = forms.CharField(label=_("Reason (required, recorded in the audit log)"),
                             max_length=255)

    def __init__(self, *args, unit: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.setup_amount(unit)
        self.order_fields(["direction", "amount", "reason"])


class ReversalForm(AmountMixin, forms.Form):
    reason = forms.CharField(label=_("Reason (required, recorded in the audit log)"),
                             max_length=255)
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=100)

    def __init__(self, *args, unit: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.setup_amount(unit)
        self.fields["amount"].required = False
        self.fields["amount"].help_text = _("Leave empty to reverse the whole amount.")
        self.order_fields(["amount", "reason"])


class AllocationForm(forms.Form):
    recipient = forms.UUIDField(widget=forms.HiddenInput)
    hours = HoursField(label=_("Hours"))
    reason = forms.CharField(label=_("Reason (required for residents not on the priority "
                                     "list)"), max_length=255, required=False)
