"""Access rules of the registry import API (staff of the job's community; street admins of
its street). A job of another community answers 404 to community staff."""

from tests.access.rules import Rule
from tests.access.rules_registry import _R, MANAGERS, _uuid

_JOB, _FOREIGN = _uuid("job"), _uuid("job", "b")

API_RULES = {
    # JSON instead of the multipart form: allowed roles get the error naming the field.
    ("POST", f"{_R}/imports"): Rule(MANAGERS),
    ("GET", f"{_R}/imports/{{uuid}}"): Rule(MANAGERS, kwargs=_JOB, foreign=_FOREIGN),
    ("PUT", f"{_R}/imports/{{uuid}}/mapping"): Rule(
        MANAGERS, kwargs=_JOB, foreign=_FOREIGN,
        data=lambda w: {"columns": [], "values": {}, "sensitive_basis": "", "mode": "all"}),
    ("GET", f"{_R}/imports/{{uuid}}/rows"): Rule(MANAGERS, kwargs=_JOB, foreign=_FOREIGN),
    ("POST", f"{_R}/imports/{{uuid}}/commit"): Rule(MANAGERS, kwargs=_JOB, foreign=_FOREIGN,
                                                    data=lambda w: {"confirm_places": False}),
    ("GET", f"{_R}/imports/{{uuid}}/errors.xlsx"): Rule(MANAGERS, kwargs=_JOB,
                                                        foreign=_FOREIGN),
}
