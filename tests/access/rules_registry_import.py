"""Access rules of the registry import pages (staff of the community)."""

from tests.access.rules import Rule
from tests.access.rules_registry import MANAGERS, _uuid

PAGE_RULES = {
    "registry:import_start": Rule(MANAGERS),
    "registry:import_template": Rule(MANAGERS),
    "registry:import_detail": Rule(MANAGERS, kwargs=_uuid("job"), foreign=_uuid("job", "b")),
    "registry:import_progress": Rule(MANAGERS, kwargs=_uuid("job"), foreign=_uuid("job", "b")),
    "registry:import_columns": Rule(MANAGERS, method="POST", kwargs=_uuid("job"),
                                    foreign=_uuid("job", "b")),
    "registry:import_mapping": Rule(MANAGERS, method="POST", kwargs=_uuid("job"),
                                    foreign=_uuid("job", "b")),
    "registry:import_remap": Rule(MANAGERS, method="POST", kwargs=_uuid("job"),
                                  foreign=_uuid("job", "b")),
    "registry:import_commit": Rule(MANAGERS, method="POST", kwargs=_uuid("job"),
                                   foreign=_uuid("job", "b")),
    "registry:import_errors": Rule(MANAGERS, kwargs=_uuid("job"), foreign=_uuid("job", "b")),
}
