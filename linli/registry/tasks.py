"""Background work of the registry (huey). Tests run huey in immediate mode.

The import's steps are queued by the workflow that defines them (`linli.registry.imports`),
next to the step each task runs; they are named here so that the consumer, which looks for
each app's `tasks` module, registers them. This module depends on the workflow, never the
reverse.
"""

from linli.registry.imports import import_check_task, import_commit_task, import_read_task

__all__ = ["import_check_task", "import_commit_task", "import_read_task"]
