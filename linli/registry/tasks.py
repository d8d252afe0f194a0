"""Background work of the registry (huey). Tests run huey in immediate mode."""

from huey.contrib.djhuey import db_task


@db_task()
def import_read_task(job_id: int):
    from linli.registry.imports import import_read

    import_read(job_id)


@db_task()
def import_check_task(job_id: int):
    from linli.registry.imports import import_check

    import_check(job_id)


@db_task()
def import_commit_task(job_id: int, user_id: int | None = None):
    from linli.registry.imports import import_commit

    import_commit(job_id, user_id)
