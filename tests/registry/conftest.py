import datetime

import pytest

from tests.factories import id_number_for, registry_household, registry_resident, registry_world


@pytest.fixture
def reg(world):
    """The registry objects of `registry_world` plus a second household in grid A with an
    elder (tagged 独居/高龄) and a child with a guardian."""
    from linli.registry.services import tag_ensure

    data = registry_world(world)
    tags = {t.name: t for t in tag_ensure(street=world.street, names=[
        ("独居", False), ("高龄", False), ("残疾", True), ("低保", False)])}
    household = registry_household(world.grid, "a-2-201", address="紫轩路2号2栋201")
    elder = registry_resident(household, "刘德华", id_number=id_number_for(
        datetime.date(1940, 5, 1), 33), mobile="13912345678", relation="head",
        tags=[tags["独居"], tags["高龄"]])
    child = registry_resident(household, "刘小明", id_number=id_number_for(
        datetime.date.today().replace(year=datetime.date.today().year - 8, day=1), 45),
        relation="grandchild", guardian=elder)
    data.update(tags=tags, household2=household, elder=elder, child=child)
    return data


@pytest.fixture(autouse=True)
def _chinese(settings):
    """Registry tests read the Chinese interface: pin it, so no assertion has to accept
    either language."""
    from django.utils import translation

    settings.LANGUAGE_CODE = "zh-hans"
    with translation.override("zh-hans"):
        yield
