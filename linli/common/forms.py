"""The project's form renderer: every field of every form renders through one template.

`{{ form.x.as_field_group }}` (or `{{ form }}`) gives the label with the required marker, the
widget, the help text and the errors, wired with `aria-describedby` (Django points the widget at
`<id>_helptext` and `<id>_error`; `includes/field.html` gives those ids), so an app never writes
field markup of its own. Set as FORM_RENDERER in settings.
"""

from __future__ import annotations

from django.forms.renderers import DjangoTemplates, TemplatesSetting
from django.template import TemplateDoesNotExist


class FormRenderer(TemplatesSetting):
    """Field and form templates from the project's template engine (so they live with the other
    includes and can load the project's tag libraries); Django's own widget templates from
    Django's form engine when the project's does not have them (`django.forms` is not an
    installed app, so its templates are not on the project's loader path)."""

    form_template_name = "includes/form.html"
    field_template_name = "includes/field.html"

    _widgets = DjangoTemplates()

    def get_template(self, template_name):
        try:
            return super().get_template(template_name)
        except TemplateDoesNotExist:
            return self._widgets.get_template(template_name)
