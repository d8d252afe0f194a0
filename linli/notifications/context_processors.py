from linli.notifications.selectors import unread_count


def unread(request):
    """The unread count for the inbox badge in the header; queried only when a template
    actually reads it."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"unread_notifications": 0}

    class _Lazy:
        _value = None

        def __int__(self):
            if self._value is None:
                self._value = unread_count(user=user)
            return self._value

        def __bool__(self):
            return int(self) > 0

        def __str__(self):
            n = int(self)
            return "99+" if n > 99 else str(n)

    return {"unread_notifications": _Lazy()}
