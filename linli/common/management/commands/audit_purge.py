from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from linli.common.models import AuditEvent

MINIMUM_DAYS = 180


class Command(BaseCommand):
    help = "Delete audit records older than --days (default AUDIT_RETENTION_DAYS; never under 180)."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=settings.AUDIT_RETENTION_DAYS)

    def handle(self, *args, days: int, **options):
        if days < MINIMUM_DAYS:
            raise CommandError(f"Audit records must be kept at least {MINIMUM_DAYS} days.")
        cutoff = timezone.now() - timedelta(days=days)
        count = AuditEvent.objects.purge_before(cutoff)
        self.stdout.write(f"Purged {count} audit records older than {cutoff:%Y-%m-%d}.")
