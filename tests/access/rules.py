"""Shared vocabulary of the access matrix. Each capability writes `rules_<app>.py` beside this
file with two dicts:

- PAGE_RULES: {url name: Rule}   — every named page URL
- API_RULES:  {(METHOD, "/api/v1/path/{param}"): Rule} — every API operation

A URL or operation with no rule makes `test_access_matrix.py` fail.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

ROLES = ("resident", "volunteer", "grid_worker", "community_staff", "street_admin",
         "store_clerk", "auditor")
STAFF = frozenset({"grid_worker", "community_staff", "street_admin", "store_clerk", "auditor"})
EVERYONE = frozenset(ROLES)

PUBLIC = "public"  # anyone, including anonymous visitors


@dataclass
class Rule:
    #: PUBLIC, or the roles allowed (anonymous visitors are refused unless PUBLIC).
    allowed: str | frozenset[str]
    #: world -> URL kwargs (pages) or path params (API) of an object in community A.
    kwargs: Callable = field(default=lambda w: {})
    #: world -> kwargs of the same kind of object in community B: community-A staff get 404.
    foreign: Callable | None = None
    #: world -> form data / JSON body for unsafe methods.
    data: Callable | None = None
    method: str = "GET"
    #: A rule that needs a freshly made object per request (e.g. delete) builds it here.
    note: str = ""
