"""Reference data (default skills, award rules, categories): the rows every database needs
before anyone signs in, loaded by one idempotent service.

Each app that has such rows keeps their table in its own `<app>/reference.py` with a
`load()` that creates what is missing and brings its own default rows up to date, by code;
it never deletes or renames a row a community added itself. `reference_data_load()` runs
every installed app's `load()`, in INSTALLED_APPS order.

It runs after every `migrate` (post_migrate, connected in `linli.common.apps`), so a new or
upgraded database has the rows, and after the flush that ends a transactional test (Django
emits post_migrate after a flush), so no test finds the rows gone because an earlier test
emptied the tables. Data migrations seeded them before; a flush removed those rows and
nothing brought them back.

`common` names no Linli app: the modules are found by name in each installed app.
"""

from __future__ import annotations

from importlib import import_module
from types import ModuleType

from django.apps import apps
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.utils.module_loading import module_has_submodule

MODULE = "reference"


def reference_modules() -> list[tuple[str, ModuleType]]:
    """(app label, its `reference` module) of every installed app that has one."""
    found = []
    for config in apps.get_app_configs():
        name = f"{config.name}.{MODULE}"
        if name != __name__ and module_has_submodule(config.module, MODULE):
            found.append((config.label, import_module(name)))
    return found


def _migrated(label: str, tables: set[str]) -> bool:
    config = apps.get_app_config(label)
    return all(model._meta.db_table in tables
               for model in config.get_models() if model._meta.managed)


def reference_data_load(*, only_migrated: bool = False) -> list[str]:
    """Load every app's reference rows (idempotent); returns the labels of the apps loaded.

    `only_migrated` skips an app whose tables are not all in the database: a partial or
    backwards `migrate` (`migrate points zero`) also ends with post_migrate, and loading
    must not make it fail."""
    modules = reference_modules()
    tables = (set(connections[DEFAULT_DB_ALIAS].introspection.table_names())
              if only_migrated else set())
    loaded = []
    for label, module in modules:
        if only_migrated and not _migrated(label, tables):
            continue
        with transaction.atomic():
            module.load()
        loaded.append(label)
    return loaded


def load_after_migrate(sender, using=DEFAULT_DB_ALIAS, **kwargs) -> None:
    """post_migrate receiver: the loaders write through the default database."""
    if using == DEFAULT_DB_ALIAS:
        reference_data_load(only_migrated=True)
