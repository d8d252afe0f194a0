from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PointsConfig(AppConfig):
    name = "linli.points"
    label = "points"
    verbose_name = _("Civic points bank")


#: Labels of the points entries in `linli.accounts.navigation.NAV_ITEMS`, listed here so that
#: they are collected into this app's catalogue.
NAV_LABELS = (_("My points"), _("Points review"), _("Conventions"), _("Points ranking"))
