"""Every page and API operation, requested by every role: allowed roles get through, others are
refused (403, or the login page / 401 for anonymous visitors), and staff of one community get
404 for another community's objects. The URL list comes from the resolver and the OpenAPI
schema, so a new endpoint without a rule fails here."""

import importlib
import json
import pkgutil

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

import tests.access as access_pkg
from linli.api import api
from tests.access.rules import PUBLIC, ROLES, Rule

SKIP_NAMESPACES = {"admin", "api"}  # admin: superuser only (tested apart); api: by operation


def _load_rules() -> tuple[dict, dict]:
    pages, apis = {}, {}
    for mod in pkgutil.iter_modules(access_pkg.__path__):
        if mod.name.startswith("rules_"):
            module = importlib.import_module(f"tests.access.{mod.name}")
            pages.update(getattr(module, "PAGE_RULES", {}))
            apis.update(getattr(module, "API_RULES", {}))
    return pages, apis


PAGE_RULES, API_RULES = _load_rules()


def _walk(patterns, namespace=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = p.namespace or ""
            if ns in SKIP_NAMESPACES or str(p.pattern).startswith("admin/"):
                continue
            yield from _walk(p.url_patterns, f"{namespace}{ns}:" if ns else namespace)
        elif isinstance(p, URLPattern):
            if str(p.pattern).startswith(("static/", "media/", "^static", "^media")):
                continue
            yield (f"{namespace}{p.name}" if p.name else str(p.pattern)), p


def page_names() -> list[str]:
    return sorted({name for name, _p in _walk(get_resolver().url_patterns)})


def api_operations() -> list[tuple[str, str]]:
    schema = api.get_openapi_schema()
    ops = []
    for path, methods in schema["paths"].items():
        for method in methods:
            ops.append((method.upper(), path))
    return sorted(ops)


def test_every_page_has_a_rule_and_an_access_marker():
    names = page_names()
    missing = [n for n in names if n not in PAGE_RULES]
    assert not missing, f"Pages without an access rule in tests/access/rules_*.py: {missing}"
    unmarked = [name for name, p in _walk(get_resolver().url_patterns)
                if not hasattr(p.callback, "linli_access")]
    assert not unmarked, f"Views without @public/@signed_in/@roles_required: {unmarked}"
    stale = sorted(set(PAGE_RULES) - set(names))
    assert not stale, f"Rules for pages that no longer exist: {stale}"


def test_every_api_operation_has_a_rule():
    ops = api_operations()
    missing = [op for op in ops if op not in API_RULES]
    assert not missing, f"API operations without a rule in tests/access/rules_*.py: {missing}"
    stale = sorted(set(API_RULES) - set(ops))
    assert not stale, f"Rules for API operations that no longer exist: {stale}"


def _allowed(rule: Rule, role: str) -> bool:
    if rule.allowed == PUBLIC:
        return True
    return role in rule.allowed


def _page_request(client, rule: Rule, url: str, world):
    data = rule.data(world) if rule.data else {}
    if rule.method == "POST":
        return client.post(url, data)
    return client.get(url)


def _roles_in_order(rule: Rule) -> list[str]:
    """Anonymous and refused roles first, so that a write by an allowed role cannot change
    what a refused one sees; one world per URL keeps the matrix fast."""
    roles = ("anonymous", *ROLES)
    return sorted(roles, key=lambda r: (r != "anonymous", _allowed(rule, r)))


def _login_as(client, world, role):
    client.logout()
    if role != "anonymous":
        client.force_login(world.users[role])


@pytest.mark.parametrize("name", page_names())
def test_page_access(client, world, name):
    rule = PAGE_RULES[name]
    wrong = []
    for role in _roles_in_order(rule):
        _login_as(client, world, role)
        url = reverse(name, kwargs=rule.kwargs(world))
        response = _page_request(client, rule, url, world)
        status = response.status_code
        if _allowed(rule, role):
            ok = status not in (401, 403, 404, 500) and not (
                status == 302 and "/accounts/login/" in response["Location"]
                and name != "accounts:logout")
        elif role == "anonymous":
            ok = status == 302 and "/accounts/login/" in response["Location"]
        else:
            ok = status == 403
        if not ok:
            wrong.append((role, status))
    assert not wrong, f"{name}: unexpected answers {wrong}"


@pytest.mark.parametrize("name", [n for n in page_names() if PAGE_RULES[n].foreign])
def test_page_scope_isolation(client, world, name):
    """Staff of community A never see community B's objects: 404, as if they did not exist."""
    rule = PAGE_RULES[name]
    url = reverse(name, kwargs=rule.foreign(world))
    for role in sorted(rule.allowed):
        if role in ("street_admin", "auditor"):
            continue  # street roles see every community of their street
        client.force_login(world.users[role])
        response = _page_request(client, rule, url, world)
        assert response.status_code == 404, (name, role, response.status_code)


def _api_url(path: str, params: dict) -> str:
    for key, value in params.items():
        path = path.replace("{" + key + "}", str(value))
    return path


def _api_request(client, method: str, url: str, body):
    kwargs = {"content_type": "application/json"}
    if body is not None:
        kwargs["data"] = json.dumps(body, default=str)
    return getattr(client, method.lower())(url, **kwargs)


@pytest.mark.parametrize("op", api_operations(), ids=lambda op: f"{op[0]} {op[1]}")
def test_api_access(client, world, op):
    method, path = op
    rule = API_RULES[op]
    wrong = []
    for role in _roles_in_order(rule):
        _login_as(client, world, role)
        url = _api_url(path, rule.kwargs(world))
        body = rule.data(world) if rule.data else (
            {} if method in ("POST", "PUT", "PATCH") else None)
        response = _api_request(client, method, url, body)
        status = response.status_code
        if _allowed(rule, role):
            ok = status not in (403, 500) and (rule.allowed == PUBLIC or status != 401)
        elif role == "anonymous":
            ok = status == 401 and response.json()["error"]["code"] == "unauthenticated"
        else:
            ok = status == 403 and response.json()["error"]["code"] == "forbidden"
        if not ok:
            wrong.append((role, status, response.content[:200]))
    assert not wrong, f"{method} {path}: unexpected answers {wrong}"


def test_api_scope_isolation(client, world):
    """Operations on one object answer 404 to staff of another community."""
    for op in api_operations():
        rule = API_RULES[op]
        if rule.foreign is None:
            continue
        method, path = op
        url = _api_url(path, rule.foreign(world))
        body = rule.data(world) if rule.data else (
            {} if method in ("POST", "PUT", "PATCH") else None)
        for role in sorted(rule.allowed):
            if role in ("street_admin", "auditor"):
                continue
            client.force_login(world.users[role])
            response = _api_request(client, method, url, body)
            assert response.status_code == 404, (op, role, response.status_code)


def test_admin_is_for_superusers_only(client, world):
    for user in world.users.values():
        client.force_login(user)
        response = client.get("/admin/")
        assert response.status_code == 302 and "/admin/login/" in response["Location"]
    from tests.factories import UserFactory

    root = UserFactory(is_superuser=True)
    client.force_login(root)
    assert client.get("/admin/").status_code == 200
