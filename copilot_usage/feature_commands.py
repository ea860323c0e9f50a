"""Sub-commands of the digest and privacy features, registered into the CLI in one line (cli._COMMANDS)."""

from __future__ import annotations

import argparse


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from copilot_usage import reveal
    from copilot_usage.digest import cli as digest

    reveal_parser = commands.add_parser(
        reveal.COMMAND, help="map pseudonyms back to logins (PRIVACY_MODE=pseudonymous; needs the privacy key)"
    )
    reveal.add_arguments(reveal_parser)
    reveal_parser.set_defaults(handler=reveal.run)

    digest_parser = commands.add_parser(
        digest.COMMAND, help="send the usage digest (period over period, seat spend) to the webhook and by e-mail"
    )
    digest.add_arguments(digest_parser)
    digest_parser.set_defaults(handler=digest.run)
