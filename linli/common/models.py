from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class TimeStampedModel(models.Model):
    """Base for domain records: a public UUID for URLs and QR codes, never the sequential id."""

    uuid = models.UUIDField(_("public id"), default=uuid.uuid4, unique=True, editable=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class TransitionEvent(models.Model):
    """Base of every app's event row: one state transition of one record — who, when, which
    action, from, to, why. Written only by `linli.common.transitions.StateMachine.move`, from
    the row the guarded update actually changed; never changed afterwards. A concrete event
    adds the foreign key to its record (named as the machine's `subject`)."""

    at = models.DateTimeField(_("time"), default=timezone.now)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+",
                              verbose_name=_("by"))
    action = models.CharField(_("action"), max_length=24, blank=True)
    from_status = models.CharField(_("from status"), max_length=24, blank=True)
    to_status = models.CharField(_("to status"), max_length=24)
    note = models.CharField(_("note"), max_length=500, blank=True)

    #: The record's status choices (set by each concrete event), for the labels below.
    states: type[models.TextChoices] | None = None

    class Meta:
        abstract = True
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.action or '-'}: {self.from_status or '-'} → {self.to_status}"

    def _label(self, status: str) -> str:
        if self.states is None or status not in self.states.values:
            return ""
        return self.states(status).label

    @property
    def from_label(self) -> str:
        return self._label(self.from_status)

    @property
    def to_label(self) -> str:
        return self._label(self.to_status)


class AuditAction(models.TextChoices):
    LOGIN_SUCCESS = "login_success", _("Login succeeded")
    LOGIN_FAILURE = "login_failure", _("Login failed")
    LOGIN_LOCKED = "login_locked", _("Login locked out")
    LOGOUT = "logout", _("Logout")
    PERMISSION_DENIED = "permission_denied", _("Permission denied")
    REVEAL = "reveal", _("Personal data revealed")
    EXPORT = "export", _("Personal data exported")
    TOKEN_ISSUED = "token_issued", _("API token issued")
    ROLE_CHANGED = "role_changed", _("Role changed")
    LEDGER_ADJUSTMENT = "ledger_adjustment", _("Ledger adjustment")
    LEDGER_REVERSAL = "ledger_reversal", _("Ledger reversal")
    LEDGER_ALLOCATION = "ledger_allocation", _("Community fund allocation")
    ANONYMISE = "anonymise", _("Personal data removed")
    REGISTRY_IMPORT = "registry_import", _("Registry import saved")


class AuditResult(models.TextChoices):
    OK = "ok", _("Success")
    DENIED = "denied", _("Denied")
    FAILED = "failed", _("Failed")


class AuditAppendOnly(Exception):
    pass


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AuditAppendOnly("Audit records are append-only.")

    def delete(self):
        raise AuditAppendOnly("Audit records are append-only; use the purge command.")

    def purge_before(self, cutoff) -> int:
        """The only way rows leave the log: the retention purge (never under 180 days)."""
        count, _ = models.QuerySet.delete(self.filter(at__lt=cutoff))
        return count


class AuditEvent(models.Model):
    """Who did what to which object, when, with what result — never the value revealed."""

    at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_label = models.CharField(_("actor label"), max_length=64, blank=True)
    action = models.CharField(_("action"), max_length=32, choices=AuditAction.choices, db_index=True)
    result = models.CharField(_("result"), max_length=16, choices=AuditResult.choices)
    object_type = models.CharField(_("object type"), max_length=64, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    field = models.CharField(_("field"), max_length=64, blank=True)
    reason = models.CharField(_("reason"), max_length=255, blank=True)
    path = models.CharField(_("path"), max_length=255, blank=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    street = models.ForeignKey(
        "registry.Street", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.result}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise AuditAppendOnly("Audit records are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AuditAppendOnly("Audit records are append-only; use the purge command.")
