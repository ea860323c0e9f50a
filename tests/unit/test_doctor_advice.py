"""doctor's plain words (pure) and the simulator faults that produce the refusals it explains."""

from __future__ import annotations

import pytest

from copilot_usage.doctor_advice import (
    APP,
    CLASSIC,
    FINE_GRAINED,
    NEEDS,
    UNKNOWN,
    advice,
    credential_kind,
    is_policy_refusal,
)
from copilot_usage.simulator.faults import Faults, apply_changes


def test_the_kind_of_credential_comes_from_its_form():
    assert credential_kind(True, None) == APP
    assert credential_kind(False, "github_pat_11AA") == FINE_GRAINED
    assert credential_kind(False, "ghp_abc") == CLASSIC
    assert credential_kind(False, "something-else") == UNKNOWN


def test_only_report_refusals_that_name_the_policy_are_policy_refusals():
    assert is_policy_refusal("reports", 422, "")
    assert is_policy_refusal("reports", 403, "Copilot Metrics API access is disabled by policy")
    assert not is_policy_refusal("reports", 403, "Resource not accessible by personal access token")
    assert not is_policy_refusal("seats", 422, "policy disabled")


def test_an_unknown_token_kind_hears_both_the_classic_scope_and_the_fine_grained_permission():
    text = advice("teams", "organization", "acme", UNKNOWN, 403, "", {})
    assert "the token lacks the classic scope read:org for teams of organization 'acme'" in text
    assert "a fine-grained token needs 'Members: read'" in text


def test_every_check_has_a_need_for_the_scope_types_it_applies_to():
    assert {k for k in NEEDS} == {("reports", "organization"), ("reports", "enterprise"), ("seats", "organization"),
                                  ("seats", "enterprise"), ("billing", "organization"), ("teams", "organization"),
                                  ("billing_usage", "organization")}


def test_the_policy_faults_are_validated():
    faults = Faults()
    apply_changes(faults, {"policy_disabled_paths": ["/orgs/x/"], "policy_disabled_status": 422,
                           "token_scopes": "read:org"})
    assert faults.policy_disabled_status == 422
    with pytest.raises(ValueError, match="403 or 422"):
        apply_changes(faults, {"policy_disabled_status": 500})
    with pytest.raises(ValueError, match="policy_disabled_paths"):
        apply_changes(faults, {"policy_disabled_paths": ["no-slash"]})
    assert faults.policy_disabled_paths == ["/orgs/x/"]  # all or nothing
