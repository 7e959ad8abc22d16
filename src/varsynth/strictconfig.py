"""Strict dataclass configurations: one error type, range checks, dicts to dataclasses.

The machinery under every configuration of the package (data, model, flow, training, cadence
options): unknown keys and out-of-range values are refused with a message naming the key and its
valid range, so a typo in a YAML file never silently does nothing. It sits at the bottom of the
import layers so that the cadences and the networks can use it; :mod:`varsynth.config` re-exports
it with the data configuration, which knows the survey readers.
"""

from __future__ import annotations

import dataclasses
from dataclasses import fields
from typing import TYPE_CHECKING, Any, TypeVar, get_args, get_type_hints

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

__all__ = ["ConfigError", "to_plain"]

T = TypeVar("T", bound="DataclassInstance")


class ConfigError(ValueError):
    """An invalid configuration value; the message names the key and the valid range."""


def _from_dict(cls: type[T], data: dict[str, Any] | None, where: str) -> T:
    """Build dataclass ``cls`` from ``data``, refusing unknown keys (named with their path)."""
    data = dict(data or {})
    names = {f.name for f in fields(cls)}
    unknown = sorted(set(data) - names)
    if unknown:
        raise ConfigError(f"unknown key(s) {unknown} in {where}; valid keys: {sorted(names)}")
    hints = get_type_hints(cls)
    kwargs: dict[str, Any] = {}
    for name, value in data.items():
        sub = hints[name]
        optional = [a for a in get_args(sub) if dataclasses.is_dataclass(a)]  # ``X | None``
        sub = optional[0] if optional else sub
        if isinstance(sub, type) and dataclasses.is_dataclass(sub) and isinstance(value, dict):
            value = _from_dict(sub, value, f"{where}.{name}")
        elif isinstance(value, list) and not str(sub).startswith("list"):
            value = tuple(value)
        kwargs[name] = value
    return cls(**kwargs)


def to_plain(obj: Any) -> Any:
    """Dataclasses, dicts and tuples as plain dicts and lists (YAML and JSON friendly)."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: to_plain(getattr(obj, f.name)) for f in fields(obj)}
    if isinstance(obj, dict):
        return {k: to_plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_plain(v) for v in obj]
    return obj


def _check(cond: bool, key: str, rule: str, value: Any) -> None:
    if not cond:
        raise ConfigError(f"{key} must be {rule}, got {value!r}")
