"""Factories for tests. Each capability adds its own below."""

import factory

from linli.accounts.models import User
from linli.registry.models import Community, District, Grid, Street

PASSWORD = "Correct-Horse-9-Battery"


class DistrictFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = District
        django_get_or_create = ("code",)

    code = "520581"
    name = "黔西市"


class StreetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Street

    district = factory.SubFactory(DistrictFactory)
    code = factory.Sequence(lambda n: f"{(n % 999) + 1:03d}")
    name = factory.Sequence(lambda n: f"测试街道{n}")


class CommunityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Community

    street = factory.SubFactory(StreetFactory)
    code = factory.Sequence(lambda n: f"{(n % 999) + 1:03d}")
    name = factory.Sequence(lambda n: f"测试社区{n}")
    phone = "0857-4221000"


class GridFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Grid

    community = factory.SubFactory(CommunityFactory)
    number = factory.Sequence(lambda n: f"{(n % 999) + 1:03d}")
    name = factory.Sequence(lambda n: f"第{n}网格")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    mobile = factory.Sequence(lambda n: f"137{n:08d}")
    name = factory.Faker("name", locale="zh_CN")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


def user_with_role(role: str, scope, **kwargs) -> User:
    from linli.accounts.services import role_grant

    user = UserFactory(**kwargs)
    role_grant(user=user, role=role, scope=scope)
    return User.objects.get(pk=user.pk)
