"""Places: district → street (the tenant) → community → grid.

Estates, buildings, households and residents hang below the grid.
"""

from __future__ import annotations

from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from linli.common.models import TimeStampedModel

six_digits = RegexValidator(r"^\d{6}$", _("Enter a 6-digit GB/T 2260 code."))
three_digits = RegexValidator(r"^\d{3}$", _("Enter a 3-digit code."))


class District(TimeStampedModel):
    """A county-level division (区/县/县级市), GB/T 2260 code."""

    code = models.CharField(_("division code"), max_length=6, unique=True, validators=[six_digits])
    name = models.CharField(_("name"), max_length=64)

    class Meta:
        ordering = ["code"]
        verbose_name = _("district")
        verbose_name_plural = _("districts")

    def __str__(self) -> str:
        return self.name


class Street(TimeStampedModel):
    """A street office (街道) — the tenant: every record belongs to exactly one street."""

    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="streets",
                                 verbose_name=_("district"))
    code = models.CharField(_("street code"), max_length=3, validators=[three_digits],
                            help_text=_("GB/T 10114 three-digit code within the district."))
    name = models.CharField(_("name"), max_length=64)
    phone = models.CharField(_("public phone"), max_length=32, blank=True)

    class Meta:
        ordering = ["district__code", "code"]
        verbose_name = _("street")
        verbose_name_plural = _("streets")
        constraints = [
            models.UniqueConstraint(fields=["district", "code"], name="registry_street_unique_code"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def full_code(self) -> str:
        return f"{self.district.code}{self.code}"


class Community(TimeStampedModel):
    """A community (社区) with its residents' committee; the usual unit of staff scope."""

    street = models.ForeignKey(Street, on_delete=models.PROTECT, related_name="communities",
                               verbose_name=_("street"))
    code = models.CharField(_("community code"), max_length=3, validators=[three_digits])
    name = models.CharField(_("name"), max_length=64)
    address = models.CharField(_("office address"), max_length=255, blank=True)
    phone = models.CharField(_("public phone"), max_length=32, blank=True)

    class Meta:
        ordering = ["street_id", "code"]
        verbose_name = _("community")
        verbose_name_plural = _("communities")
        constraints = [
            models.UniqueConstraint(fields=["street", "code"], name="registry_community_unique_code"),
        ]

    def __str__(self) -> str:
        return self.name


class Grid(TimeStampedModel):
    """A grid (网格): the patch one grid worker answers for."""

    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="grids",
                                  verbose_name=_("community"))
    number = models.CharField(_("grid number"), max_length=3, validators=[three_digits])
    name = models.CharField(_("name"), max_length=64)
    boundary = models.TextField(_("boundary description"), blank=True)

    class Meta:
        ordering = ["community_id", "number"]
        verbose_name = _("grid")
        verbose_name_plural = _("grids")
        constraints = [
            models.UniqueConstraint(fields=["community", "number"], name="registry_grid_unique_number"),
        ]

    def __str__(self) -> str:
        return f"{self.community.name} {self.name}"

    @property
    def code(self) -> str:
        """Built from the parents: district(6) + street(3) + community(3) + grid(3)."""
        community = self.community
        return f"{community.street.full_code}{community.code}{self.number}"


class Household(TimeStampedModel):
    """A household (户): the unit that holds civic points and owns a door plate."""

    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="households",
                                  verbose_name=_("community"))
    grid = models.ForeignKey(Grid, on_delete=models.PROTECT, related_name="households",
                             verbose_name=_("grid"))
    number = models.CharField(_("household number"), max_length=32)
    address = models.CharField(_("address"), max_length=255)

    class Meta:
        ordering = ["community_id", "number"]
        verbose_name = _("household")
        verbose_name_plural = _("households")
        constraints = [
            models.UniqueConstraint(fields=["community", "number"],
                                    name="registry_household_unique_number"),
        ]

    def __str__(self) -> str:
        return self.address


class Gender(models.TextChoices):
    MALE = "M", _("Male")
    FEMALE = "F", _("Female")


class Resident(TimeStampedModel):
    """A person living in (or registered to) a household. `user` links their login, if any."""

    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="residents",
                                  verbose_name=_("household"))
    user = models.OneToOneField("accounts.User", null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="resident", verbose_name=_("account"))
    name = models.CharField(_("name"), max_length=64)
    gender = models.CharField(_("gender"), max_length=1, choices=Gender.choices, blank=True)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)

    class Meta:
        ordering = ["household_id", "id"]
        verbose_name = _("resident")
        verbose_name_plural = _("residents")

    def __str__(self) -> str:
        return self.name
