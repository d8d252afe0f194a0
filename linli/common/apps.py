from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _create_cache_table(sender, using="default", **kwargs):
    """The database cache is shared by every app server; create its table with the schema."""
    from django.conf import settings
    from django.core.management import call_command

    if settings.CACHES["default"]["BACKEND"].endswith("DatabaseCache"):
        call_command("createcachetable", database=using, verbosity=0)


class CommonConfig(AppConfig):
    name = "linli.common"
    label = "common"
    verbose_name = _("Common")

    def ready(self) -> None:
        from linli.common.reference import load_after_migrate

        post_migrate.connect(_create_cache_table, sender=self, dispatch_uid="linli_cache_table")
        post_migrate.connect(load_after_migrate, sender=self, dispatch_uid="linli_reference_data")
