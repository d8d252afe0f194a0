from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LedgerConfig(AppConfig):
    name = "linli.ledger"
    label = "ledger"
    verbose_name = _("Ledger and time bank")


#: Labels of the ledger's entries in `linli.accounts.navigation.NAV_ITEMS`, listed here so
#: that they are collected into this app's catalogue.
NAV_LABELS = (_("Time bank"), _("Ledger"), _("Time funds"))
