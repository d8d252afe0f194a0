from tests.access.rules import EVERYONE, Rule


def _notification(w):
    from linli.notifications.services import notify

    return {"uuid": notify(user=w.users["resident"], title="测试").uuid}


PAGE_RULES = {
    "notifications:inbox": Rule(EVERYONE),
    # Marking a message that is not one's own just returns to one's own inbox.
    "notifications:read": Rule(EVERYONE, method="POST", kwargs=_notification),
    "notifications:read_all": Rule(EVERYONE, method="POST"),
}

API_RULES = {
    ("GET", "/api/v1/notifications"): Rule(EVERYONE),
    ("GET", "/api/v1/notifications/unread-count"): Rule(EVERYONE),
    ("POST", "/api/v1/notifications/{uuid}/read"): Rule(EVERYONE, kwargs=_notification),
    ("POST", "/api/v1/notifications/read-all"): Rule(EVERYONE),
}
