"""What a refused request looks like on GitHub: the message names the kind of token, and the headers name
the permission the endpoint accepts (github-copilot-api.md §3.4, §4, §5; GitHub's "insufficient permission"
troubleshooting: `X-Accepted-OAuth-Scopes` for classic tokens, `X-Accepted-GitHub-Permissions` for
fine-grained tokens and Apps).

The fine-grained names are GitHub's permission identifiers as far as the docs show them; the exact spelling
for the Copilot permissions is unconfirmed, so clients should treat them as text to show, not to parse.
"""

from __future__ import annotations

from copilot_usage.simulator.auth import INSTALLATION_TOKEN_PREFIX

FINE_GRAINED_PREFIX = "github_pat_"
INTEGRATION_MESSAGE = "Resource not accessible by integration"
PAT_MESSAGE = "Resource not accessible by personal access token"
# The simulator's wording of the policy refusal (GitHub's exact text is unconfirmed): it names the policy.
POLICY_MESSAGE = "Copilot Metrics API access is disabled for this {kind} by its Copilot usage metrics policy."

# (route action, scope kind) -> (classic scopes accepted, fine-grained / App permission sets accepted)
_ACCEPTED: dict[tuple[str, str], tuple[str, str]] = {
    ("report", "org"): ("read:org", "organization_copilot_metrics=read"),
    ("latest", "org"): ("read:org", "organization_copilot_metrics=read"),
    ("report", "enterprise"): ("manage_billing:copilot, read:enterprise", "enterprise_copilot_metrics=read"),
    ("latest", "enterprise"): ("manage_billing:copilot, read:enterprise", "enterprise_copilot_metrics=read"),
    ("billing", "org"): ("manage_billing:copilot, read:org", "organization_copilot_seat_management=read; "
                                                              "organization_administration=read"),
    ("seats", "org"): ("manage_billing:copilot, read:org", "organization_copilot_seat_management=read; "
                                                            "organization_administration=read"),
    ("seats", "enterprise"): ("manage_billing:copilot, read:enterprise", ""),
    ("teams", "org"): ("read:org", "members=read"),
    ("billing_usage", "org"): ("", "organization_administration=read"),
}


def token_kind(authorization: str | None) -> str:
    """'app' (an installation token this simulator issued), 'fine_grained' or 'classic'."""
    value = (authorization or "").strip().partition(" ")[2].strip()
    if value.startswith(INSTALLATION_TOKEN_PREFIX):
        return "app"
    if value.startswith(FINE_GRAINED_PREFIX):
        return "fine_grained"
    return "classic"


def forbidden(action: str | None, params: dict[str, str], authorization: str | None,
              token_scopes: str | None) -> tuple[str, dict[str, str]]:
    """(message, headers) of a 403 for a token that lacks the endpoint's permission."""
    kind = token_kind(authorization)
    scope_kind = "enterprise" if "enterprise" in params else "org"
    classic, fine = _ACCEPTED.get((action or "", scope_kind), ("", ""))
    if kind == "classic":
        headers = {"x-accepted-oauth-scopes": classic}
        if token_scopes is not None:
            headers["x-oauth-scopes"] = token_scopes
        return PAT_MESSAGE, headers
    message = INTEGRATION_MESSAGE if kind == "app" else PAT_MESSAGE
    return message, ({"x-accepted-github-permissions": fine} if fine else {})


def policy_message(params: dict[str, str]) -> str:
    return POLICY_MESSAGE.format(kind="enterprise" if "enterprise" in params else "organization")
