"""What `copilot-usage doctor` says when GitHub refuses a check (pure): the permission each endpoint needs per
kind of credential (docs/github-permissions.md), and which of them is missing, in plain words.
"""

from __future__ import annotations

from dataclasses import dataclass

CLASSIC, FINE_GRAINED, APP, UNKNOWN = "classic", "fine_grained", "app", "token"
ORG_ROLE = "an organization owner (or hold a custom role with 'View Organization Copilot Metrics')"
ENT_ROLE = "an enterprise owner or billing manager (or hold 'View Enterprise Copilot Metrics')"


@dataclass(frozen=True)
class Need:
    what: str  # the check's name in the output
    classic: tuple[str, ...]  # any one of these classic scopes
    fine_grained: str | None  # the fine-grained permission; None: fine-grained tokens cannot call it
    app: str | None  # the GitHub App permission; None: App tokens cannot call it
    role: str | None  # what the token's user must be (PATs)
    not_found: str  # what a 404 most likely means beyond a wrong slug


NEEDS: dict[tuple[str, str], Need] = {
    ("reports", "organization"): Need(
        "usage-metrics reports", ("read:org",), "Organization Copilot metrics: read",
        "Organization Copilot metrics: read", ORG_ROLE,
        "or Copilot usage metrics are not available for it (no Copilot seats)"),
    ("reports", "enterprise"): Need(
        "usage-metrics reports", ("manage_billing:copilot", "read:enterprise"), None,
        "Enterprise Copilot metrics: read (App installed on the enterprise)", ENT_ROLE,
        "or Copilot usage metrics are not available for it"),
    ("seats", "organization"): Need(
        "seats", ("manage_billing:copilot", "read:org"), "GitHub Copilot Business: read (or Administration: read)",
        "GitHub Copilot Business: read", "an organization owner", "or it has no Copilot Business/Enterprise plan"),
    ("seats", "enterprise"): Need(
        "seats", ("manage_billing:copilot", "read:enterprise"), None, None, "an enterprise owner or billing manager",
        "or it has no Copilot subscription"),
    ("billing", "organization"): Need(
        "billing", ("manage_billing:copilot", "read:org"), "GitHub Copilot Business: read (or Administration: read)",
        "GitHub Copilot Business: read", "an organization owner", "or it has no Copilot Business/Enterprise plan"),
    ("teams", "organization"): Need(
        "teams", ("read:org",), "Members: read", "Members: read", None, ""),
    ("billing_usage", "organization"): Need(
        "billing usage", (), "Administration: read", "Administration: read", "an organization administrator",
        "or it is not on GitHub's enhanced billing platform (billing usage is optional)"),
}


def credential_kind(uses_app: bool, token: str | None) -> str:
    """The kind of credential from its form only (the token itself is never shown)."""
    if uses_app:
        return APP
    token = token or ""
    if token.startswith("github_pat_"):
        return FINE_GRAINED
    if token.startswith(("ghp_", "gho_")):
        return CLASSIC
    return UNKNOWN


def credential_refused(said: str) -> str:
    quoted = f" (GitHub said: {said})" if said else ""
    return ("GitHub rejected the credential (401): the token is mistyped, expired or revoked, or the GitHub App "
            f"id, installation id and key do not belong together{quoted}")


def is_policy_refusal(check: str, status: int | None, said: str) -> bool:
    """The usage-metrics policy is off: 422 from a report endpoint, or a 403 whose message names the policy."""
    if check != "reports":
        return False
    text = said.lower()
    return status == 422 or (status == 403 and "policy" in text and ("disabled" in text or "not enabled" in text))


def _scopes(header: str | None) -> list[str]:
    return [s.strip() for s in (header or "").split(",") if s.strip()]


def advice(check: str, scope_type: str, slug: str, kind: str, status: int | None, said: str,
           permissions: dict[str, str]) -> str:
    """One sentence: what is missing and where to fix it."""
    need = NEEDS[(check, scope_type)]
    where = f"{scope_type} '{slug}'"
    quoted = f" (GitHub said: {said})" if said else ""
    if is_policy_refusal(check, status, said):
        who = ("an enterprise owner must set the 'Copilot usage metrics' policy to 'Enabled everywhere' "
               "(enterprise settings, Policies, Copilot)" if scope_type == "enterprise" else
               "an organization owner must enable the 'Copilot usage metrics' policy (organization settings, "
               "Copilot, Policies; inside an enterprise the enterprise policy must allow it)")
        return (f"the usage-metrics API is disabled by policy for {where}: {who}; no token permission changes "
                f"this{quoted}")
    if status == 401:
        return credential_refused(said)
    if status == 404:
        variable = "ENTERPRISE_SLUGS" if scope_type == "enterprise" else "ORGANIZATION_SLUGS"
        return (f"GitHub does not know {where} or this credential cannot see it: check the slug in {variable} "
                f"(the name in github.com/{'enterprises' if scope_type == 'enterprise' else 'orgs'}/<slug>)"
                f"{', ' + need.not_found if need.not_found else ''}{quoted}")
    if status == 403:
        return _forbidden(need, where, kind, permissions) + quoted
    return f"GitHub answered {status}{quoted}"


def _forbidden(need: Need, where: str, kind: str, permissions: dict[str, str]) -> str:
    accepted = permissions.get("x-accepted-github-permissions")
    if kind == APP:
        if need.app is None:
            return (f"GitHub App tokens cannot read {need.what} of {where}: run this scope with a classic token "
                    f"with the scope {' or '.join(need.classic)}")
        extra = f"; GitHub accepts: {accepted}" if accepted else ""
        return (f"the GitHub App lacks the permission '{need.app}' on {where}: add it in the App's settings and "
                f"approve it on the installation{extra}")
    if kind == FINE_GRAINED:
        if need.fine_grained is None:
            return (f"fine-grained tokens cannot read {need.what} of {where}: use a classic token with the scope "
                    f"{' or '.join(need.classic)}")
        extra = f"; GitHub accepts: {accepted}" if accepted else ""
        role = f"; its owner must be {need.role}" if need.role else ""
        return f"the fine-grained token lacks the permission '{need.fine_grained}' for {where}{role}{extra}"
    has = _scopes(permissions.get("x-oauth-scopes")) if "x-oauth-scopes" in permissions else None
    wanted = _scopes(permissions.get("x-accepted-oauth-scopes")) or list(need.classic)
    role = f" its user must be {need.role}" if need.role else ""
    if has is not None and wanted and any(s in has for s in wanted):
        return (f"the token has the scope {', '.join(s for s in wanted if s in has)} but GitHub still refuses "
                f"{need.what} of {where}:{role or ' check the organization grants it access'}")
    if not wanted:  # no classic scope is documented (billing usage)
        return f"the token cannot read {need.what} of {where}:{role}; a fine-grained token needs '{need.fine_grained}'"
    have = f" (it has: {', '.join(has) or 'no scopes'})" if has is not None else ""
    scopes = " or ".join(wanted)
    alt = f"; a fine-grained token needs '{need.fine_grained}'" if need.fine_grained and kind == UNKNOWN else ""
    return f"the token lacks the classic scope {scopes}{have} for {need.what} of {where}; also{role}{alt}"
