"""Access rules of the registry import API (staff of the community)."""

from tests.access.rules import Rule
from tests.access.rules_registry import _R, MANAGERS, _uuid

API_RULES = {
    ("GET", f"{_R}/imports/{{uuid}}"): Rule(MANAGERS, kwargs=_uuid("job"),
                                            foreign=_uuid("job", "b")),
}
