"""`copilot-usage reveal`: map pseudonyms back to logins, for holders of the privacy key only.

A keyed hash cannot be inverted; the key holder hashes candidate logins (given, read from a file, or listed
from GitHub's seat assignments of the configured scopes) and prints those whose pseudonym was asked for.
With `--login` and no pseudonym, it prints the pseudonym of each login (for a subject access request: which
rows are this person's). Nothing is written anywhere; the key itself is never printed.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path

from copilot_usage.privacy import PSEUDONYM_PREFIX, pseudonym, pseudonymous_id
from copilot_usage.settings import COMMAND_PARTS, ConfigError, Part, Secret, Settings

COMMAND = "reveal"


def match(key: Secret, wanted: Iterable[str], candidates: Iterable[tuple[str, int | None]]) -> dict[str, str]:
    """{pseudonym or pseudonymous id (as text): login} for every wanted value a candidate hashes to."""
    targets = {w.strip() for w in wanted if w.strip()}
    found: dict[str, str] = {}
    for login, user_id in candidates:
        name = pseudonym(key, login)
        if name in targets:
            found[name] = login
        if user_id is not None and (number := str(pseudonymous_id(key, user_id))) in targets:
            found[number] = login
    return found


def _candidates_from_file(path: Path) -> list[tuple[str, int | None]]:
    return [(line.strip(), None) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _candidates_from_github(settings: Settings) -> list[tuple[str, int | None]]:
    """Every seat holder of the configured scopes (the people the reports can contain)."""
    from copilot_usage.github.client import GitHubClient

    client = GitHubClient.from_settings(settings)
    out: list[tuple[str, int | None]] = []
    for scope in settings.scopes:
        for seat in client.seats(scope):
            assignee = seat.get("assignee") if isinstance(seat, dict) else None
            if isinstance(assignee, dict) and isinstance(assignee.get("login"), str):
                user_id = assignee.get("id")
                out.append((assignee["login"], user_id if isinstance(user_id, int) else None))
    return out


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("pseudonyms", nargs="*", metavar="PSEUDONYM",
                        help=f"pseudonyms ({PSEUDONYM_PREFIX}...) or pseudonymous user ids to reveal")
    parser.add_argument("--login", action="append", default=[], help="a candidate login (repeatable)")
    parser.add_argument("--logins-file", type=Path, default=None, help="candidate logins, one per line")
    parser.add_argument("--from-github", action="store_true",
                        help="candidates: seat holders of the configured scopes (needs GitHub access)")


def _settings(from_github: bool, env: Mapping[str, str]) -> Settings:
    """The privacy key; with --from-github also the scopes and the GitHub credential."""
    from copilot_usage.secrets import read_settings

    parts = COMMAND_PARTS[COMMAND]
    return read_settings(parts | {Part.SCOPES, Part.GITHUB} if from_github else parts, env)


def run(args: argparse.Namespace, env: Mapping[str, str] | None = None) -> int:
    from copilot_usage.secrets import SecretError

    try:
        settings = _settings(args.from_github, os.environ if env is None else env)
    except (ConfigError, SecretError) as exc:
        print(f"configuration: {exc}", file=sys.stderr)
        return 2
    key = settings.privacy.key
    if key is None:
        print("reveal needs the privacy key: set PRIVACY_KEY, or KEY_VAULT_URI with PRIVACY_KEY_SECRET_NAME",
              file=sys.stderr)
        return 2
    candidates: list[tuple[str, int | None]] = [(login, None) for login in args.login]
    if args.logins_file is not None:
        try:
            candidates += _candidates_from_file(args.logins_file)
        except OSError as exc:
            print(f"--logins-file: cannot read {args.logins_file}: {exc.strerror}", file=sys.stderr)
            return 2
    if args.from_github:
        candidates += _candidates_from_github(settings)
    if not args.pseudonyms:
        if not candidates:
            print("give pseudonyms to reveal, or --login LOGIN to print its pseudonym", file=sys.stderr)
            return 2
        for login, user_id in candidates:
            extra = f"  user_id {pseudonymous_id(key, user_id)}" if user_id is not None else ""
            print(f"{login}  {pseudonym(key, login)}{extra}")
        return 0
    if not candidates:
        print("no candidates: give --login, --logins-file or --from-github", file=sys.stderr)
        return 2
    found = match(key, args.pseudonyms, candidates)
    for wanted in args.pseudonyms:
        print(f"{wanted}  {found.get(wanted.strip(), '(not among the candidates)')}")
    return 0 if len(found) == len({w.strip() for w in args.pseudonyms}) else 1
