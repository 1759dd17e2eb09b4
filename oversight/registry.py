"""Registries: each extension point (kinds of extract, commands, renderers, answer models) is
declared once and everything that lists them derives from its registry, so a new one is a
one-place change."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, Generic, TypeVar

T = TypeVar("T")


class Registry(Generic[T]):
    """Named things, listed in the order they were registered or by ``order`` when given; a
    name can be registered only once."""

    def __init__(
        self,
        what: str,
        name_of: Callable[[T], str],
        order: Callable[[T], Any] | None = None,
    ) -> None:
        self.what = what
        self._name_of = name_of
        self._order = order
        self._items: dict[str, T] = {}

    def register(self, item: T) -> T:
        name = self._name_of(item)
        if name in self._items:
            raise ValueError(f"a {self.what} named {name!r} is already registered")
        self._items[name] = item
        if self._order is not None:
            self._items = dict(sorted(self._items.items(), key=lambda pair: self._order(pair[1])))
        return item

    def unregister(self, name: str) -> T:
        """Takes ``name`` out again (a plug-in's test, undoing what it added)."""
        return self._items.pop(name)

    def __getitem__(self, name: str) -> T:
        return self._items[name]

    def get(self, name: str) -> T | None:
        return self._items.get(name)

    def __contains__(self, name: object) -> bool:
        return name in self._items

    def __iter__(self) -> Iterator[T]:
        return iter(list(self._items.values()))

    def __len__(self) -> int:
        return len(self._items)

    def names(self) -> list[str]:
        return list(self._items)
