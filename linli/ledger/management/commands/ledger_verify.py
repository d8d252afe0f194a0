from django.core.management.base import BaseCommand, CommandError

from linli.ledger.reconciliation import ledger_verify


class Command(BaseCommand):
    help = ("Reconcile the ledger: each unit sums to zero, every cached balance and reserved "
            "amount equals the replay of its records. Exits non-zero on any violation.")
    # Reconciliation must run even when something else in the project is misconfigured.
    requires_system_checks = []

    def handle(self, *args, **options):
        report = ledger_verify()
        self.stdout.write(f"Accounts: {report.accounts}  Transfers: {report.transfers}")
        for unit, total in sorted(report.totals.items()):
            self.stdout.write(f"  unit {unit}: sum of balances = {total}")
        if report.ok:
            self.stdout.write(self.style.SUCCESS("Ledger OK: no violations."))
            return
        for line in report.violations:
            self.stderr.write(f"VIOLATION {line}")
        raise CommandError(f"Ledger verification failed: {len(report.violations)} violation(s).")
