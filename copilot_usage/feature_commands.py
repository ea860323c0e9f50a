"""Sub-commands of the digest and privacy features, registered into the CLI in one line (cli._COMMANDS)."""

from __future__ import annotations

import argparse


def register(commands: argparse._SubParsersAction) -> None:
    from copilot_usage import reveal

    reveal_parser = commands.add_parser(
        reveal.COMMAND, help="map pseudonyms back to logins (PRIVACY_MODE=pseudonymous; needs the privacy key)"
    )
    reveal.add_arguments(reveal_parser)
    reveal_parser.set_defaults(handler=reveal.run)
