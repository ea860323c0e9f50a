"""Privacy modes: pseudonymous logins, the small-team floor and per-user retention settings.

`PRIVACY_MODE=pseudonymous` replaces every GitHub login and user id by a keyed hash (HMAC-SHA256 with
`PRIVACY_KEY`) before a document reaches the store. The same key always gives the same pseudonym, so trends,
the adoption leaderboard and per-user tables keep working; without the key nobody can go back from a
pseudonym to a person (`copilot-usage reveal` does it for key holders, by hashing candidate logins).

Numbers of teams with fewer than `MIN_TEAM_SIZE` members that day are stored, but flagged `small_team` so
the dashboards, the report and the digest leave them out. `USER_RETENTION_DAYS` is applied by
`copilot_usage.retention`.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

from copilot_usage.envparts import EnvPart, Secret
from copilot_usage.schema import indices as ix

MODE_IDENTIFIED = "identified"
MODE_PSEUDONYMOUS = "pseudonymous"
MODES = (MODE_IDENTIFIED, MODE_PSEUDONYMOUS)
MIN_TEAM_SIZE_DEFAULT = 5  # GitHub's own floor: it leaves teams under five seats out of its team reports
# Below this, the 28-day adoption windows and GitHub's revisions of the last week would keep re-creating what
# retention deletes.
MIN_RETENTION_DAYS = 30
MIN_KEY_LENGTH = 16
PSEUDONYM_PREFIX = "p-"
PSEUDONYM_HEX = 20  # 80 bits: no collision among any realistic number of logins
_ID_BITS = 53  # pseudonymous user ids stay exact in JavaScript (Grafana) and fit a long


@dataclass(frozen=True)
class PrivacySettings:
    mode: str = MODE_IDENTIFIED
    key: Secret | None = None
    key_secret_name: str | None = None
    min_team_size: int = MIN_TEAM_SIZE_DEFAULT
    user_retention_days: int | None = None

    @property
    def pseudonymous(self) -> bool:
        return self.mode == MODE_PSEUDONYMOUS

    def __str__(self) -> str:
        key = "*** (set)" if self.key else (f"Key Vault secret {self.key_secret_name}" if self.key_secret_name else "-")
        keep = f"{self.user_retention_days} days" if self.user_retention_days else "forever"
        return f"mode={self.mode} key={key} min_team_size={self.min_team_size} user_retention={keep}"


def read_privacy(env: Mapping[str, str], problems: list[str], key_vault: bool) -> PrivacySettings:
    """PRIVACY_MODE, PRIVACY_KEY / PRIVACY_KEY_SECRET_NAME, MIN_TEAM_SIZE, USER_RETENTION_DAYS."""
    part = EnvPart(env, problems)
    mode = part.choice("PRIVACY_MODE", MODE_IDENTIFIED, MODES)
    key = part.secret_text("PRIVACY_KEY")
    secret_name = part.secret_name("PRIVACY_KEY_SECRET_NAME")
    if key is not None and len(key) < MIN_KEY_LENGTH:
        problems.append(f"PRIVACY_KEY must be at least {MIN_KEY_LENGTH} characters (a random string; keep it safe)")
        key = None
    if secret_name and not key_vault:
        problems.append("PRIVACY_KEY_SECRET_NAME is set but KEY_VAULT_URI is not")
    if mode == MODE_PSEUDONYMOUS and key is None and not (secret_name and key_vault) and not any(
        p.startswith("PRIVACY_KEY") for p in problems
    ):
        problems.append(
            "PRIVACY_MODE is pseudonymous but no key: set PRIVACY_KEY (at least 16 random characters), or "
            "KEY_VAULT_URI with PRIVACY_KEY_SECRET_NAME"
        )
    return PrivacySettings(
        mode=mode,
        key=Secret(key) if key else None,
        key_secret_name=secret_name,
        min_team_size=part.integer("MIN_TEAM_SIZE", MIN_TEAM_SIZE_DEFAULT, 1, 1000) or MIN_TEAM_SIZE_DEFAULT,
        user_retention_days=part.integer("USER_RETENTION_DAYS", None, MIN_RETENTION_DAYS, 36_500),
    )


# --- pseudonyms (pure) -----------------------------------------------------------------------------------
def _digest(key: Secret, kind: str, value: str) -> bytes:
    return hmac.new(key.reveal().encode("utf-8"), f"{kind}:{value}".encode(), hashlib.sha256).digest()


def pseudonym(key: Secret, login: str) -> str:
    """A login's stable pseudonym. Logins are case-insensitive on GitHub, so the hash is of the lower case."""
    return PSEUDONYM_PREFIX + _digest(key, "login", login.lower()).hex()[:PSEUDONYM_HEX]


def pseudonymous_id(key: Secret, user_id: int) -> int:
    """A user id's stable replacement: a positive 53-bit number (GitHub's ids resolve to accounts)."""
    return int.from_bytes(_digest(key, "id", str(int(user_id)))[:8], "big") >> (64 - _ID_BITS)


class Pseudonymizer:
    """Replaces logins and user ids in documents; document ids follow (they are built from those fields)."""

    def __init__(self, key: Secret):
        self._key = key
        self._logins: dict[str, str] = {}

    def login(self, login: str) -> str:
        found = self._logins.get(login)
        if found is None:
            found = self._logins[login] = pseudonym(self._key, login)
        return found

    def doc(self, doc: ix.Doc) -> ix.Doc:
        source = doc.source
        if ix.USER_LOGIN not in source and ix.USER_ID not in source:
            return doc
        changed = dict(source)
        login = source.get(ix.USER_LOGIN)
        if isinstance(login, str):
            changed[ix.USER_LOGIN] = self.login(login)
            if doc.index is ix.SEATS and source.get(ix.SEAT_KEY) == login:
                changed[ix.SEAT_KEY] = changed[ix.USER_LOGIN]
        user_id = source.get(ix.USER_ID)
        if isinstance(user_id, int) and not isinstance(user_id, bool):
            changed[ix.USER_ID] = pseudonymous_id(self._key, user_id)
        return ix.Doc(doc.index, changed)


def stamp_small_team(doc: ix.Doc, min_team_size: int) -> ix.Doc:
    """Flag the numbers of teams with fewer than `min_team_size` members (in place; the id does not change)."""
    if doc.index in (ix.TEAM_DAILY, ix.TEAM_BREAKDOWN):
        members = doc.source.get(ix.TEAM_MEMBERS)
        if isinstance(members, int):
            doc.source[ix.SMALL_TEAM] = members < min_team_size
    return doc


def protect(docs: Iterable[ix.Doc], privacy: PrivacySettings) -> Iterator[ix.Doc]:
    """Every document on its way to the store: pseudonymised (in that mode) and small teams flagged."""
    if privacy.pseudonymous and privacy.key is None:
        # resolve_settings reads the key from Key Vault before a run; storing logins instead would be the
        # one thing this mode promises never to do.
        raise RuntimeError("PRIVACY_MODE is pseudonymous but the privacy key was not loaded")
    pseudonymizer = Pseudonymizer(privacy.key) if privacy.pseudonymous and privacy.key else None
    for doc in docs:
        if pseudonymizer is not None:
            doc = pseudonymizer.doc(doc)
        yield stamp_small_team(doc, privacy.min_team_size)
