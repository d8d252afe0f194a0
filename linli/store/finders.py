"""Serve single files of npm packages (installed by `npm ci` from the committed lock file)
as static files, never the whole `node_modules`: `settings.NPM_STATIC_FILES` maps a static
path to a file inside `node_modules`. A package that is not installed is simply not found
(the page then works without it: typing the pickup code needs no script)."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles.finders import BaseFinder
from django.core.files.storage import FileSystemStorage


def _files() -> dict[str, Path]:
    root = Path(settings.NODE_MODULES_DIR)
    return {static_path: root / source
            for static_path, source in getattr(settings, "NPM_STATIC_FILES", {}).items()}


class NpmFileFinder(BaseFinder):
    def check(self, **kwargs):
        return []

    def find(self, path, find_all=False, **kwargs):
        find_all = find_all or kwargs.get("all", False)
        source = _files().get(path)
        if source is None or not source.is_file():
            return []  # as Django's finders: nothing found is an empty list
        return [str(source)] if find_all else str(source)

    def list(self, ignore_patterns):
        for static_path, source in _files().items():
            if not source.is_file():
                continue
            storage = FileSystemStorage(location=str(source.parent))
            storage.prefix = str(Path(static_path).parent)
            yield source.name, storage
