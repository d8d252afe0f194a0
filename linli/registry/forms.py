"""Forms parse and type the input; the services decide what is valid (one set of rules for
pages, API and imports, in `linli.registry.rules`). `linli.common.pages.form_add_domain_error`
puts a service error on the right field."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from linli.registry import rules
from linli.registry.models import (
    BindingKind,
    Gender,
    PoliticalStatus,
    Relation,
    ResidenceType,
    Resident,
    SensitiveBasis,
)


def _blank(choices) -> list:
    return [("", _("— not given —")), *choices]


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class ResidentForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=rules.NAME_MAX)
    id_number = forms.CharField(
        label=_("ID number"), max_length=18, required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false",
                                      "inputmode": "text"}),
    )
    gender = forms.ChoiceField(label=_("Gender"), choices=_blank(Gender.choices), required=False)
    birth_date = forms.DateField(label=_("Birth date"), required=False, widget=DateInput())
    mobile = forms.CharField(
        label=_("Mobile number"), max_length=20, required=False,  # spaces and dashes are folded
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    relation = forms.ChoiceField(label=_("Relation to head"), choices=_blank(Relation.choices),
                                 required=False)
    ethnicity = forms.CharField(label=_("Ethnicity"), max_length=rules.ETHNICITY_MAX, required=False,
                                initial="汉族")
    political_status = forms.ChoiceField(label=_("Political status"),
                                         choices=_blank(PoliticalStatus.choices), required=False)
    residence_type = forms.ChoiceField(label=_("Residence type"),
                                       choices=ResidenceType.choices,
                                       initial=ResidenceType.REGISTERED)
    tags = forms.ModelMultipleChoiceField(label=_("Tags"), queryset=None, required=False,
                                          widget=forms.CheckboxSelectMultiple)
    guardian = forms.ModelChoiceField(label=_("Guardian (for a child under 14)"), queryset=None,
                                      required=False, to_field_name="uuid")
    health_note = forms.CharField(label=_("Health and disability details"), required=False,
                                  widget=forms.Textarea(attrs={"rows": 2}))
    sensitive_basis = forms.ChoiceField(label=_("Basis for health or disability data"),
                                        choices=SensitiveBasis.choices, required=False)
    sensitive_basis_note = forms.CharField(label=_("Where the consent is kept / which rule"),
                                           max_length=rules.BASIS_NOTE_MAX, required=False)
    moved_out = forms.BooleanField(label=_("Moved out"), required=False)
    moved_out_on = forms.DateField(label=_("Moved out on"), required=False, widget=DateInput())
    deceased = forms.BooleanField(label=_("Deceased"), required=False)
    deceased_on = forms.DateField(label=_("Date of death"), required=False, widget=DateInput())

    def __init__(self, *args, household, tags, instance: Resident | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.household = household
        self.instance = instance
        self.fields["tags"].queryset = tags
        guardians = Resident.objects.filter(household=household, anonymised_at__isnull=True,
                                            deceased=False)
        if instance is not None:
            guardians = guardians.exclude(pk=instance.pk)
        self.fields["guardian"].queryset = guardians
        if instance is not None:
            # The stored ID number and mobile are never put back into the page.
            self.fields["id_number"].help_text = _(
                "Stored: %(masked)s. Leave empty to keep it.") % {
                "masked": instance.id_number_masked or "—"}
            self.fields["mobile"].help_text = _(
                "Stored: %(masked)s. Leave empty to keep it.") % {
                "masked": instance.mobile_masked or "—"}

    def service_fields(self) -> dict:
        data = dict(self.cleaned_data)
        if self.instance is not None:
            if not data.get("id_number"):
                data.pop("id_number", None)
            if not data.get("mobile"):
                data.pop("mobile", None)
        data["tags"] = list(data.get("tags") or [])
        return data


def resident_initial(resident: Resident) -> dict:
    return {
        "name": resident.name, "gender": resident.gender, "birth_date": resident.birth_date,
        "relation": resident.relation, "ethnicity": resident.ethnicity,
        "political_status": resident.political_status,
        "residence_type": resident.residence_type, "tags": list(resident.tags.all()),
        "guardian": resident.guardian.uuid if resident.guardian_id else None,
        "health_note": resident.health_note, "sensitive_basis": resident.sensitive_basis,
        "sensitive_basis_note": resident.sensitive_basis_note,
        "moved_out": resident.moved_out, "moved_out_on": resident.moved_out_on,
        "deceased": resident.deceased, "deceased_on": resident.deceased_on,
    }


class HouseholdForm(forms.Form):
    grid = forms.ModelChoiceField(label=_("Grid"), queryset=None, to_field_name="uuid")
    number = forms.CharField(label=_("Household number"),
                             max_length=rules.HOUSEHOLD_NUMBER_MAX)
    address = forms.CharField(label=_("Address"), max_length=rules.ADDRESS_MAX)
    building = forms.ModelChoiceField(label=_("Building"), queryset=None, required=False,
                                      to_field_name="uuid")
    unit = forms.CharField(label=_("Unit"), max_length=16, required=False)
    room = forms.CharField(label=_("Room"), max_length=16, required=False)

    def __init__(self, *args, grids, buildings, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["grid"].queryset = grids
        self.fields["building"].queryset = buildings
        if grids.count() == 1:
            self.fields["grid"].initial = grids.first().uuid


class EstateForm(forms.Form):
    community = forms.ModelChoiceField(label=_("Community"), queryset=None, to_field_name="uuid")
    name = forms.CharField(label=_("Estate name"), max_length=64)

    def __init__(self, *args, communities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = communities


class BuildingForm(forms.Form):
    estate = forms.ModelChoiceField(label=_("Estate"), queryset=None, to_field_name="uuid")
    grid = forms.ModelChoiceField(label=_("Grid"), queryset=None, to_field_name="uuid")
    name = forms.CharField(label=_("Building"), max_length=32)
    address = forms.CharField(label=_("Address"), max_length=255)
    latitude = forms.DecimalField(label=_("Latitude"), max_digits=9, decimal_places=6,
                                  required=False)
    longitude = forms.DecimalField(label=_("Longitude"), max_digits=9, decimal_places=6,
                                   required=False)

    def __init__(self, *args, estates, grids, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["estate"].queryset = estates
        self.fields["grid"].queryset = grids


class RevealForm(forms.Form):
    field = forms.ChoiceField(choices=[("id_number", _("ID number")),
                                       ("mobile", _("Mobile number"))])
    reason = forms.CharField(label=_("Reason (recorded in the audit log)"), max_length=200)


class ImportUploadForm(forms.Form):
    community = forms.ModelChoiceField(label=_("Community"), queryset=None, to_field_name="uuid")
    file = forms.FileField(label=_("Excel file (.xlsx or .xls)"))

    def __init__(self, *args, communities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = communities
        if communities.count() == 1:
            self.fields["community"].initial = communities.first().uuid
        self.fields["file"].help_text = _(
            "At most %(mb)d MB and %(rows)s rows; larger lists can be split into several files."
        ) % {"mb": settings.REGISTRY_IMPORT_MAX_BYTES // (1024 * 1024),
             "rows": f"{settings.REGISTRY_IMPORT_MAX_ROWS:,}"}

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith((".xlsx", ".xls")):
            raise forms.ValidationError(_("Please upload an .xlsx or .xls file."))
        return upload


class ImportColumnsForm(forms.Form):
    """One select per column of the roster: Linli's field for it, or ignore the column."""

    def __init__(self, *args, job, **kwargs):
        from linli.registry.imports import FIELD_LABELS

        super().__init__(*args, **kwargs)
        choices = [("", _("Ignore this column"))] + [
            (key, label) for key, label in FIELD_LABELS.items()]
        self.columns = []
        for i, column in enumerate(job.columns):
            name = f"col_{i}"
            self.fields[name] = forms.ChoiceField(
                label=column.get("heading") or _("Column %(n)s") % {"n": i + 1},
                choices=choices, required=False,
                initial=(job.mapping[i] if i < len(job.mapping) else "") or "")
            self.columns.append((self[name], column.get("samples", [])))

    def mapping(self) -> dict[int, str | None]:
        return {i: self.cleaned_data.get(f"col_{i}") or None for i, _c in enumerate(self.columns)}


UNMAPPED = "__none"


class ImportValuesForm(forms.Form):
    """How the values written in the roster map to Linli's choices, the batch's basis for
    health and disability details, and how to save."""

    sensitive_basis = forms.ChoiceField(
        label=_("Basis for health and disability details in this batch"), required=False,
        help_text=_("Used for rows with a sensitive tag (残疾, 重病 …) that give no basis of "
                    "their own; recorded in the audit log when saving."))
    mode = forms.ChoiceField(label=_("How to save"), widget=forms.RadioSelect)

    def __init__(self, *args, job, choices, **kwargs):
        from linli.registry.imports import NEW_TAG, VALUE_KINDS
        from linli.registry.models import ImportMode, SensitiveBasis, Tag

        super().__init__(*args, **kwargs)
        self.fields["sensitive_basis"].choices = [("", _("None declared"))] + [
            (c, label) for c, label in SensitiveBasis.choices if c]
        self.fields["sensitive_basis"].initial = job.sensitive_basis
        self.fields["mode"].choices = ImportMode.choices
        self.fields["mode"].initial = job.mode
        tags = list(Tag.objects.filter(street_id=job.community.street_id).values_list(
            "name", flat=True))
        self.groups = []
        self.entries: dict[str, tuple[str, str]] = {}
        labels = {"gender": _("Gender"), "political_status": _("Political status"),
                  "residence_type": _("Residence type"), "relation": _("Relation to head"),
                  "tags": _("Tags")}
        for kind, entries in choices.items():
            group = []
            for n, entry in enumerate(entries):
                name = f"v_{kind}_{n}"
                if kind == "tags":
                    options = [(NEW_TAG, _("Create the tag “%(name)s”") % {"name": entry["value"]})]
                    options += [(t, _("Tag: %(name)s") % {"name": t}) for t in tags]
                    options += [("", _("Ignore"))]
                else:
                    options = [(UNMAPPED, _("Not mapped (these rows get an error)"))]
                    options += list(VALUE_KINDS[kind].items())
                    options += [("", _("Leave empty"))]
                initial = entry["choice"]
                self.fields[name] = forms.ChoiceField(
                    label=entry["value"], choices=options, required=False,
                    initial=UNMAPPED if initial is None else initial)
                self.entries[name] = (kind, entry["value"])
                group.append(self[name])
            if group:
                self.groups.append((labels[kind], group))

    def values(self) -> dict[str, dict[str, str]]:
        out: dict[str, dict[str, str]] = {}
        for name, (kind, written) in self.entries.items():
            code = self.cleaned_data.get(name)
            if code is None or code == UNMAPPED:
                continue
            out.setdefault(kind, {})[written] = code
        return out


class ImportCommitForm(forms.Form):
    confirm_places = forms.BooleanField(required=False)


class DoorVerifyForm(forms.Form):
    name = forms.CharField(label=_("Your name"), max_length=64)
    mobile = forms.CharField(label=_("Your mobile number"), max_length=20,
                             widget=forms.TextInput(attrs={"inputmode": "numeric",
                                                           "autocomplete": "tel"}))


class DoorRegisterForm(forms.Form):
    kind = forms.ChoiceField(label=_("I am"), choices=BindingKind.choices,
                             widget=forms.RadioSelect, initial=BindingKind.MEMBER)
    name = forms.CharField(label=_("Your name"), max_length=64)
    mobile = forms.CharField(label=_("Your mobile number"), max_length=20,
                             widget=forms.TextInput(attrs={"inputmode": "numeric",
                                                           "autocomplete": "tel"}))
    relation = forms.ChoiceField(label=_("Relation to the head of household"),
                                 choices=_blank(Relation.choices), required=False)
    member_name = forms.CharField(label=_("Name of the family member you act for"),
                                  max_length=64, required=False)
    password = forms.CharField(label=_("Password (at least 8 characters)"),
                               widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))

    def __init__(self, *args, signed_in: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if signed_in:
            for key in ("name", "mobile", "password"):
                del self.fields[key]
