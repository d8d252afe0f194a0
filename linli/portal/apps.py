from django.apps import AppConfig


class PortalConfig(AppConfig):
    """The pages that join the apps together: the resident home, the staff workbench, the
    audit log, the health check, the demo command and the common API routes. It sits above
    every domain app, so `common` below them all imports nothing of Linli."""

    name = "linli.portal"
    label = "portal"
