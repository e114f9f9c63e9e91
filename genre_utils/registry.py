"""One registry mechanism for the study's contenders, datasets and degradations.

Each entry is declared once, as a module-level attribute (``CONTENDER``, ``READINGS``, ``DATASET``,
``DEGRADATIONS``) of a module of its package; the registry imports every module of the package on first use.
Adding one is one new module. A notebook's kernel also imports the modules named, comma-separated, in the
registry's environment variable (``GENRE_CONTENDER_MODULES`` ...); a test adds its own with ``register``.
"""

from __future__ import annotations

import importlib
import os
import pkgutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import ModuleType
from typing import Generic, TypeVar

from genre_utils.formatting import did_you_mean

T = TypeVar("T")


@dataclass(eq=False)
class Registry(Generic[T]):
    """Named entries of ``entry_type`` declared as ``attributes`` by the modules of ``package``; ``kind`` names one
    in messages, ``order`` sorts ``(entry, module)`` (stable), ``check(entry, registered)`` may refuse one."""

    kind: str
    package: str
    attributes: tuple[str, ...]
    entry_type: type
    env: str
    order: Callable[[T, ModuleType], object] = lambda entry, module: 0
    check: Callable[[T, Mapping[str, T]], None] | None = None
    _entries: dict[str, T] = field(default_factory=dict, init=False)
    _modules: dict[str, ModuleType] = field(default_factory=dict, init=False)
    _scanned: set[str] = field(default_factory=set, init=False)  # the package and the env modules read

    def register(self, entry: T, replace: bool = False) -> T:
        """Add ``entry`` (a test's or a notebook's own); registering the same entry twice is no conflict."""
        if not isinstance(entry, self.entry_type):
            raise ValueError(f"register() expects a {self.entry_type.__name__}, got {type(entry).__name__}")
        self._discover()
        self._add(entry, None, replace)
        return entry

    def unregister(self, name: str) -> None:
        """Remove the entry called ``name`` (no error if absent)."""
        self._entries.pop(name, None)
        self._modules.pop(name, None)

    def entries(self) -> tuple[T, ...]:
        """Every entry: the package's in ``order``, then the env modules', then those registered at run time."""
        self._discover()
        return tuple(self._entries.values())

    def names(self) -> tuple[str, ...]:
        """Every entry's name, in the order of :meth:`entries`."""
        return tuple(entry.name for entry in self.entries())

    def get(self, name: str) -> T:
        """The entry called ``name``; a ValueError naming the registered ones (and the nearest) otherwise."""
        self._discover()
        if name not in self._entries:
            hint = did_you_mean(name, self._entries)
            raise ValueError(f"unknown {self.kind} {name!r}; expected one of {', '.join(self._entries)}{hint}")
        return self._entries[name]

    def module(self, name: str) -> ModuleType | None:
        """The module that declares entry ``name``; None for one added with :meth:`register`."""
        self.get(name)
        return self._modules.get(name)

    def _add(self, entry: T, module: ModuleType | None, replace: bool = False) -> None:
        name = entry.name
        where = f" ({module.__name__})" if module else ""
        if not isinstance(name, str) or not name.replace("_", "").isalnum() or name != name.lower():
            raise ValueError(f"{self.kind} name must be lowercase letters, digits or '_', got {name!r}{where}")
        if self._entries.get(name, entry) is not entry and not replace:
            raise ValueError(f"a {self.kind} named {name!r} is already registered{where}")
        if self.check:
            self.check(entry, self._entries)
        self._entries[name] = entry
        if module:
            self._modules[name] = module

    def _declared(self, module: ModuleType) -> list[T]:
        found = []
        for attribute in self.attributes:
            value = getattr(module, attribute, ())
            for entry in value if isinstance(value, tuple) else (value,):
                if not isinstance(entry, self.entry_type):
                    raise ValueError(
                        f"{module.__name__}.{attribute} must be a {self.entry_type.__name__} or a tuple of them"
                    )
                found.append(entry)
        return found

    def _discover(self) -> None:
        if self.package not in self._scanned:
            self._scanned.add(self.package)
            package = importlib.import_module(self.package)
            found = [
                (entry, module)
                for info in pkgutil.iter_modules(package.__path__)
                if not info.name.startswith("_")
                for module in [importlib.import_module(f"{self.package}.{info.name}")]
                for entry in self._declared(module)
            ]
            for entry, module in sorted(found, key=lambda pair: self.order(*pair)):
                self._add(entry, module)
        for name in filter(None, (part.strip() for part in os.environ.get(self.env, "").split(","))):
            if name in self._scanned:
                continue
            self._scanned.add(name)
            try:
                module = importlib.import_module(name)
            except ImportError as error:
                raise ValueError(f"{self.env} names module {name!r}, which cannot be imported: {error}") from error
            declared = self._declared(module)
            if not declared:
                raise ValueError(f"{self.env} names module {name!r}, which declares no {' or '.join(self.attributes)}")
            for entry in declared:
                self._add(entry, module)
