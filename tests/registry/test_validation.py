"""ID numbers, cross-field rules and storage of residents."""

import datetime

import pytest
from django.db import connection

from linli.common.exceptions import Conflict, ValidationError
from linli.registry.idnumbers import id_number_parse
from linli.registry.models import Resident
from linli.registry.privacy import decrypt_id_number, hash_id_number
from linli.registry.services import resident_create, resident_update
from tests.factories import id_number_for, registry_household

pytestmark = pytest.mark.django_db

BORN = datetime.date(1962, 9, 15)


def test_valid_id_number_gives_birth_date_and_gender():
    info = id_number_parse(id_number_for(BORN, 17))
    assert (info.birth_date, info.gender, info.warnings) == (BORN, "M", [])
    assert id_number_parse("11010519491231002x").gender == "F"  # lower-case x accepted


@pytest.mark.parametrize("value, message", [
    ("11010519491231002", "18位"),
    ("1101051949123100AX", "17位"),
    ("110105194912310021", "校验位"),
])
def test_invalid_id_numbers_are_rejected(value, message):
    with pytest.raises(ValidationError) as exc:
        id_number_parse(value)
    assert exc.value.field == "id_number"
    assert message in exc.value.message


def test_impossible_birth_date_is_rejected():
    body = "52058119620231001"  # 31 February
    from stdnum.cn import ric
    with pytest.raises(ValidationError, match="出生日期"):
        id_number_parse(body + ric.calc_check_digit(body + "0"))


def test_unknown_area_code_is_only_a_warning():
    info = id_number_parse(id_number_for(BORN, 17, area="990101"))
    assert info.birth_date == BORN and info.warnings


def test_mismatched_birth_date_and_gender_are_refused(world):
    household = registry_household(world.grid, "v-1")
    with pytest.raises(ValidationError) as exc:
        resident_create(household=household, name="王芳", id_number=id_number_for(BORN, 17),
                        birth_date=datetime.date(1962, 9, 16))
    assert exc.value.field == "birth_date" and "1962-09-15" in exc.value.message
    with pytest.raises(ValidationError) as exc:
        resident_create(household=household, name="王芳", id_number=id_number_for(BORN, 17),
                        gender="F")
    assert exc.value.field == "gender"
    assert not Resident.objects.filter(name="王芳").exists()


def test_birth_date_and_gender_come_from_the_id_number(world):
    household = registry_household(world.grid, "v-2")
    r = resident_create(household=household, name="王芳", id_number=id_number_for(BORN, 18))
    assert (r.birth_date, r.gender) == (BORN, "F")


def test_id_number_is_encrypted_at_rest_with_a_lookup_hash(world):
    household = registry_household(world.grid, "v-3")
    number = id_number_for(BORN, 19)
    r = resident_create(household=household, name="陈静", id_number=number, mobile="13700001111")
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM registry_resident WHERE id = %s", [r.pk])
        raw = " ".join(str(v) for v in cursor.fetchone())
        cursor.execute("SELECT * FROM registry_historicalresident WHERE id = %s", [r.pk])
        history = " ".join(str(v) for row in cursor.fetchall() for v in row)
    assert number not in raw and number not in history
    assert r.id_number_masked == f"{number[:3]}***********{number[-4:]}"
    assert r.id_number_hash == hash_id_number(number) and len(r.id_number_hash) == 64
    assert decrypt_id_number(r.id_number_encrypted) == number


def test_duplicate_id_number_is_a_conflict(world):
    household = registry_household(world.grid, "v-4")
    number = id_number_for(BORN, 21)
    resident_create(household=household, name="甲", id_number=number)
    with pytest.raises(Conflict) as exc:
        resident_create(household=household, name="乙", id_number=number.lower())
    assert exc.value.field == "id_number"


@pytest.mark.parametrize("fields, field", [
    ({"mobile": "1380013800"}, "mobile"),
    ({"mobile": "23800138000"}, "mobile"),
    ({"name": " "}, "name"),
    ({"moved_out_on": datetime.date(2020, 1, 1)}, "moved_out_on"),
    ({"deceased": True, "deceased_on": datetime.date.today() + datetime.timedelta(days=3)},
     "deceased_on"),
    ({"birth_date": datetime.date.today() + datetime.timedelta(days=1)}, "birth_date"),
    ({"health_note": "轮椅"}, "sensitive_basis"),
    ({"health_note": "轮椅", "sensitive_basis": "consent"}, "sensitive_basis_note"),
    ({"political_status": "king"}, "political_status"),
])
def test_field_rules(world, fields, field):
    household = registry_household(world.grid, "v-5")
    data = {"name": "赵六", **fields}
    with pytest.raises(ValidationError) as exc:
        resident_create(household=household, **data)
    assert exc.value.field == field


def test_sensitive_tag_needs_a_basis(reg, world):
    with pytest.raises(ValidationError) as exc:
        resident_update(resident=reg["elder"], tags=[reg["tags"]["残疾"]])
    assert exc.value.field == "sensitive_basis"
    r = resident_update(resident=reg["elder"], tags=[reg["tags"]["残疾"]],
                        sensitive_basis="consent", sensitive_basis_note="同意书存档2024-07号",
                        health_note="右腿残疾")
    assert [t.name for t in r.tags.all()] == ["残疾"]


def test_child_under_14_needs_an_adult_guardian(reg, world):
    young = datetime.date.today().replace(year=datetime.date.today().year - 5, day=1)
    with pytest.raises(ValidationError) as exc:
        resident_create(household=reg["household2"], name="刘小小",
                        id_number=id_number_for(young, 51))
    assert exc.value.field == "guardian"
    with pytest.raises(ValidationError):
        resident_create(household=reg["household2"], name="刘小小",
                        id_number=id_number_for(young, 51), guardian=reg["child"])
    child = resident_create(household=reg["household2"], name="刘小小",
                            id_number=id_number_for(young, 51), guardian=reg["elder"])
    assert child.guardian == reg["elder"]


def test_update_keeps_the_stored_number_and_records_history(reg, world):
    elder = reg["elder"]
    before = elder.id_number_hash
    actor = world.users["grid_worker"]
    r = resident_update(resident=elder, actor=actor, mobile="13912340000", id_number=None)
    assert r.id_number_hash == before and r.mobile == "13912340000"
    latest = r.history.order_by("-history_date").first()
    assert latest.history_user == actor and latest.history_type == "~"
    with pytest.raises(ValidationError):
        resident_update(resident=elder, birth_date=datetime.date(1941, 1, 1))


def test_pinyin_columns_are_computed_on_write(world):
    household = registry_household(world.grid, "v-6")
    r = resident_create(household=household, name="张三")
    assert (r.name_pinyin, r.name_initials) == ("zhangsan", "zs")
    r = resident_update(resident=r, name="吕布")
    assert (r.name_pinyin, r.name_initials) == ("lvbu", "lb")


def test_head_of_household_follows_the_relation(reg):
    household = reg["household2"]
    household.refresh_from_db()
    assert household.head == reg["elder"]
