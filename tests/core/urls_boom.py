"""The project's URLs plus one view that fails, to see the friendly 500 page."""

from django.urls import path

from linli.urls import handler403, handler404, handler500
from linli.urls import urlpatterns as project_patterns


def boom(request):
    raise RuntimeError("deliberate failure")


urlpatterns = [path("boom/", boom), *project_patterns]
__all__ = ["handler403", "handler404", "handler500", "urlpatterns"]
