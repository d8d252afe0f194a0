"""Pagination that stays in SQL as the tables grow.

- `PageMap` hands ninja's pagination a queryset it can count and slice; only the rows of the
  requested page are fetched and turned into response dicts (`row` per object; `prepare`
  once per page with the page's objects, e.g. to load what they share in one query).
- `CappedPaginator` is Django's paginator with a bounded count: it counts at most `cap + 1`
  rows (`SELECT COUNT(*) FROM (… LIMIT cap + 1)`), so a page never counts the whole street;
  past the cap the page says "more than N" instead of the total. With `cap=None` it does not
  count at all: the page is read with one extra row, which tells whether there is a next.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import cached_property
from typing import Any

from django.core.paginator import Paginator
from django.db.models import QuerySet


class PageMap:
    """A lazy sequence over `queryset` for `@paginate`: `count()` is one COUNT query and
    `[a:b]` fetches rows a..b with LIMIT/OFFSET and maps only those."""

    def __init__(self, queryset: QuerySet, row: Callable[[Any], Any], *,
                 prepare: Callable[[list], Any] | None = None):
        self.queryset, self.row, self.prepare = queryset, row, prepare

    def all(self) -> PageMap:
        return self

    def count(self) -> int:
        return self.queryset.count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, window: slice) -> list:
        if not isinstance(window, slice):
            raise TypeError("PageMap is sliced by the paginator, not indexed")
        items = list(self.queryset[window])
        if self.prepare is not None:
            self.prepare(items)
        return [self.row(item) for item in items]

    def __iter__(self) -> Iterable:  # pragma: no cover - the paginator slices
        raise TypeError("PageMap is sliced by the paginator, never iterated whole")


class CappedPaginator(Paginator):
    """Counts at most `cap + 1` rows; `capped` is True when there are more than `cap`.

    With `cap=None` nothing is counted: `get_page(n)` reads page n plus one row in one query;
    the total is then exact when that is the last page, otherwise "more than" the rows up to
    the end of page n (`cap` becomes that number)."""

    def __init__(self, object_list, per_page, *, cap: int | None = 1000, **kwargs):
        self.cap = cap
        #: True when pages are not counted (only "is there a next page").
        self.uncounted = cap is None
        super().__init__(object_list, per_page, **kwargs)

    @cached_property
    def count(self) -> int:
        qs = self.object_list
        cap = self.cap if self.cap is not None else self.per_page
        if isinstance(qs, QuerySet):
            return qs.order_by()[: cap + 1].count()
        return min(len(qs), cap + 1)

    @property
    def capped(self) -> bool:
        return self.cap is not None and self.count > self.cap

    def get_page(self, number):
        if self.cap is not None:
            return super().get_page(number)
        try:
            number = max(int(number), 1)
        except (TypeError, ValueError):
            number = 1
        bottom = (number - 1) * self.per_page
        rows = list(self.object_list[bottom:bottom + self.per_page + 1])
        if not rows and number > 1:  # past the end: the last page, counted
            self.cap = None
            total = self.object_list.count() if isinstance(self.object_list, QuerySet) \
                else len(self.object_list)
            number = max(1, -(-total // self.per_page))
            bottom = (number - 1) * self.per_page
            rows = list(self.object_list[bottom:bottom + self.per_page + 1])
        self.cap = bottom + self.per_page
        self.__dict__["count"] = bottom + len(rows)
        return self._get_page(rows[: self.per_page], number, self)
