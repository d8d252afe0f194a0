from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "linli.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from linli.accounts import receivers  # noqa: F401  (audit of logins)
        from linli.accounts.models import Role
        from linli.common.audit import audit_labels_register

        # The audit log names a granted role by its label, not its code.
        audit_labels_register(dict(Role.choices))
