from datetime import date

import pytest

from tests.factories import UserFactory, ledger_funded_account, ledger_resident


@pytest.fixture
def family(world):
    """A signed-up resident of community A with 10 hours, and her mother in the same home."""
    user = UserFactory(name="管素芹")
    me = ledger_resident(community=world.community, user=user, name="管素芹")
    account = ledger_funded_account(resident=me, minutes=600)
    mother = ledger_resident(household=me.household, name="管老太",
                             birth_date=date(1940, 3, 8))
    return user, me, account, mother
