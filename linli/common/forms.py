"""The project's form renderer: every field of every form renders through one template.

`{{ form.x.as_field_group }}` (or `{{ form }}`) gives the label with the required marker, the
widget, the help text and the errors, wired with `aria-describedby` (Django points the widget at
`<id>_helptext` and `<id>_error`; `includes/field.html` gives those ids), so an app never writes
field markup of its own. Set as FORM_RENDERER in settings.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path

import django.forms
from django.conf import settings
from django.forms.renderers import DjangoTemplates


class FormRenderer(DjangoTemplates):
    """Django's form engine (its own widget templates, then every app's templates, so the
    admin's widgets that include Django's find them) with the project's template directories
    in front, where `includes/field.html` and `includes/form.html` live. `django.forms` is not
    an installed app, so the project's engine alone (TemplatesSetting) could not find the
    templates Django's widgets include."""

    form_template_name = "includes/form.html"
    field_template_name = "includes/field.html"

    @cached_property
    def engine(self):
        project_dirs = [d for engine in settings.TEMPLATES for d in engine.get("DIRS", [])]
        return self.backend({
            "APP_DIRS": True,
            "DIRS": [*project_dirs, Path(django.forms.__file__).parent / "templates"],
            "NAME": "linli_forms",
            "OPTIONS": {},
        })
