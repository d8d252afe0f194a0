"""Posts random transfers (single and grouped) forever among the given accounts; run by
test_crash.py and killed with SIGKILL mid-load. Usage: load_script.py <account ids>"""

import os
import random
import sys

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "linli.settings")
django.setup()

from linli.common.exceptions import DomainError  # noqa: E402
from linli.ledger import services  # noqa: E402
from linli.ledger.models import Account, TransferKind, Unit  # noqa: E402


def main() -> None:
    ids = [int(x) for x in sys.argv[1].split(",")]
    accounts = list(Account.objects.filter(pk__in=ids))
    rng = random.Random(os.getpid())
    posted = 0
    n = 0
    while True:
        n += 1
        try:
            if n % 3:
                a, b = rng.sample(accounts, 2)
                services.transfer_create(unit=Unit.TIME, debit=a, credit=b,
                                         amount=rng.randint(1, 50), kind=TransferKind.SPEND,
                                         reference="load", idempotency_key=f"load-{os.getpid()}-{n}")
                posted += 1
            else:
                specs = []
                for k in range(3):
                    a, b = rng.sample(accounts, 2)
                    specs.append(services.TransferSpec(
                        unit=Unit.TIME, debit=a, credit=b, amount=rng.randint(1, 50),
                        kind=TransferKind.SPEND, reference="load",
                        idempotency_key=f"load-{os.getpid()}-{n}-{k}"))
                services.transfer_group_create(transfers=specs)
                posted += 3
        except DomainError:
            continue
        if n % 20 == 0:
            print(f"posted {posted}", flush=True)


if __name__ == "__main__":
    main()
