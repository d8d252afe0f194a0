"""Every login attempt is written to the audit log (GB/T 22239: who, when, result)."""

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from linli.accounts.models import User
from linli.common.audit import audit_record
from linli.common.models import AuditAction, AuditResult


def _street_of(mobile) -> int | None:
    """Failed attempts have no actor; file them under the street of the account tried, so that
    street's auditors see attacks on their staff."""
    user = User.objects.filter(mobile=str(mobile or "")[:11]).first()
    return user.home_street_id if user else None


@receiver(user_logged_in, dispatch_uid="linli_audit_login")
def _login(sender, request, user, **kwargs):
    audit_record(action=AuditAction.LOGIN_SUCCESS, actor=user, request=request, obj=user)


@receiver(user_logged_out, dispatch_uid="linli_audit_logout")
def _logout(sender, request, user, **kwargs):
    if user is not None:
        audit_record(action=AuditAction.LOGOUT, actor=user, request=request, obj=user)


@receiver(user_login_failed, dispatch_uid="linli_audit_login_failed")
def _login_failed(sender, credentials, request=None, **kwargs):
    username = (credentials or {}).get("username") or (credentials or {}).get("mobile") or ""
    audit_record(action=AuditAction.LOGIN_FAILURE, result=AuditResult.FAILED, request=request,
                 actor_label=str(username)[:64], street_id=_street_of(username))


@receiver(user_locked_out, dispatch_uid="linli_audit_locked")
def _locked(sender, request, username, ip_address, **kwargs):
    audit_record(action=AuditAction.LOGIN_LOCKED, result=AuditResult.DENIED, request=request,
                 actor_label=str(username or "")[:64], street_id=_street_of(username))
