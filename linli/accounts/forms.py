from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _


class MobileLoginForm(AuthenticationForm):
    username = forms.CharField(
        label=_("Mobile number"),
        max_length=20,  # "139 0000 0001" and "139-0000-0001" are folded on lookup
        widget=forms.TextInput(attrs={
            "autofocus": True, "inputmode": "numeric", "autocomplete": "username",
            "placeholder": _("11-digit mobile number"),
        }),
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    error_messages = {
        "invalid_login": _(
            "The mobile number or password is wrong. After 5 failed attempts the account is "
            "locked for 15 minutes."
        ),
        "inactive": _("This account has been disabled. Please contact your community."),
    }
