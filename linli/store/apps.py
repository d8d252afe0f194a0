from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StoreConfig(AppConfig):
    name = "linli.store"
    label = "store"
    verbose_name = _("Points store")


#: Labels of the store entries in `linli.accounts.navigation.NAV_ITEMS`, listed here so that
#: they are collected into this app's catalogue.
NAV_LABELS = (_("Points store"), _("Store counter"), _("Store goods"))
