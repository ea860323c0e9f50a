"""Reading one typed part of the configuration from the environment, and `Secret`, the value of a secret.

Every part of `Settings` (the core parts in settings.py; the privacy, seat price, target and digest parts that
live with their features) reads its variables through an `EnvPart`, which appends one line per problem (naming
the variable) to the shared problem list, so every mistake of a deployment is reported at once. A secret's value
is never echoed back in a problem. This module imports nothing from the package, so every part may import it
and settings.py may import every part.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from urllib.parse import urlsplit

KEY_VAULT_SECRET_NAME = re.compile(r"^[0-9A-Za-z-]{1,127}$")


class SecretError(RuntimeError):
    """A secret could not be read. The message says which one, from where, and what to fix."""


class Secret:
    """A value that must never be printed. `reveal()` is the only way to read it."""

    __slots__ = ("_value",)

    def __init__(self, value: str):
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(("Secret", self._value))


def quote(value: str, limit: int = 60) -> str:
    """Echo a bad (non-secret) value back safely: short, printable, quoted."""
    cleaned = "".join(c if c.isprintable() else "?" for c in value)
    return repr(cleaned[:limit] + "..." if len(cleaned) > limit else cleaned)


class EnvPart:
    def __init__(self, env: Mapping[str, str], problems: list[str]):
        self.env = env
        self.problems = problems
        self.sources: dict[str, str] = {}

    def is_set(self, name: str) -> bool:
        return bool(self.env.get(name, "").strip())

    def text(self, name: str, default: str | None = None) -> str | None:
        value = self.env.get(name)
        if value is None or not value.strip():
            return default
        self.sources[name] = name
        return value.strip()

    def secret_text(self, name: str) -> str | None:
        """A secret's value (kept as given apart from surrounding white space); problems never show it."""
        value = self.env.get(name)
        if value is None:
            return None
        if not value.strip():
            self.problems.append(f"{name} is set but empty")
            return None
        self.sources[name] = name
        return value.strip()

    def integer(self, name: str, default: int | None, lo: int, hi: int) -> int | None:
        value = self.text(name)
        if value is None:
            return default
        try:
            number = int(value)
        except ValueError:
            self.problems.append(f"{name} must be a whole number, got {quote(value)}")
            return default
        if not lo <= number <= hi:
            self.problems.append(f"{name} must be between {lo} and {hi}, got {number}")
            return default
        return number

    def number(self, name: str, default: float, lo: float, hi: float) -> float:
        value = self.text(name)
        if value is None:
            return default
        return self.parse_number(name, value, default, lo, hi)

    def parse_number(self, name: str, value: str, default: float, lo: float, hi: float) -> float:
        try:
            number = float(value)
        except ValueError:
            self.problems.append(f"{name} must be a number, got {quote(value)}")
            return default
        if number != number or not lo <= number <= hi:
            self.problems.append(f"{name} must be between {lo:g} and {hi:g}, got {quote(value)}")
            return default
        return number

    def choice(self, name: str, default: str, choices: tuple[str, ...]) -> str:
        value = self.text(name)
        if value is None:
            return default
        if value.lower() not in choices:
            self.problems.append(f"{name} must be one of {', '.join(choices)}, got {quote(value)}")
            return default
        return value.lower()

    def secret_name(self, name: str) -> str | None:
        value = self.text(name)
        if value is not None and not KEY_VAULT_SECRET_NAME.match(value):
            self.problems.append(f"{name} must be a Key Vault secret name (letters, digits, '-'), got {quote(value)}")
            return None
        return value

    def host_and_port(self, name: str) -> str | None:
        value = self.text(name)
        if value is not None and not re.fullmatch(r"[A-Za-z0-9.-]{1,253}", value):
            self.problems.append(f"{name} must be a host name or IP address, got {quote(value)}")
            return None
        return value


def url_is_valid(value: str, schemes: tuple[str, ...] = ("https", "http")) -> bool:
    parts = urlsplit(value)
    return parts.scheme in schemes and bool(parts.hostname)
