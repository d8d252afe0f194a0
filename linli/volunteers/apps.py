from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VolunteersConfig(AppConfig):
    name = "linli.volunteers"
    label = "volunteers"
    verbose_name = _("Volunteers and party members")


#: Labels of this app's navigation entries (linli/accounts/navigation.py), listed here so
#: that they are translated in this app's catalogue.
NAV_LABELS = (_("Volunteer"), _("Volunteers"), _("Party members"))
