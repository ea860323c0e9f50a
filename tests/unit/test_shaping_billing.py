"""Org billing usage lines -> billing_usage documents: fields, keys, merging, and bad lines rejected."""

import datetime as dt

import pytest

from copilot_usage.model import Scope, ScopeType
from copilot_usage.schema import indices as ix
from copilot_usage.shaping.billing import BillingUsageShaper, billing_line, merge_lines
from copilot_usage.shaping.errors import RecordError

ORG = Scope(ScopeType.ORGANIZATION, "octo-org")
DAY = dt.date(2026, 11, 19)
COMMON = {"day": "2026-11-19", "scope_type": "organization", "scope": "octo-org"}


def line(**changes) -> dict:
    item = {"date": "2026-11-19", "product": "Copilot", "sku": "Copilot Business", "quantity": 2.5,
            "unitType": "UserMonths", "pricePerUnit": 19.0, "grossAmount": 47.5, "discountAmount": 7.5,
            "netAmount": 40.0, "organizationName": "octo-org"}
    item.update(changes)
    return {k: v for k, v in item.items() if v is not ...}


def test_a_line_keeps_every_field_under_our_names():
    assert billing_line(ORG, DAY, line(repositoryName="octo-org/app")) == {
        **COMMON, "product": "Copilot", "sku": "Copilot Business", "quantity": 2.5, "unit_type": "UserMonths",
        "price_per_unit": 19.0, "gross_amount": 47.5, "discount_amount": 7.5, "net_amount": 40.0,
        "organization": "octo-org", "repository": "octo-org/app"}


def test_a_timestamp_date_is_cut_to_its_day_and_absent_amounts_stay_absent():
    source = billing_line(ORG, DAY, line(date="2026-11-19T00:00:00Z", grossAmount=..., pricePerUnit=None))
    assert source["day"] == "2026-11-19"
    assert "gross_amount" not in source
    assert "price_per_unit" not in source
    assert source["net_amount"] == 40.0


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"date": ...}, "date is missing"),
        ({"date": "2026-11-18"}, "date 2026-11-18 is not the requested day 2026-11-19"),
        ({"date": "yesterday"}, "date"),
        ({"product": ...}, "product is missing"),
        ({"sku": ""}, "sku is missing"),
        ({"quantity": ...}, "quantity is missing"),
        ({"quantity": "3"}, "quantity is not a number"),
        ({"quantity": -1}, "quantity is negative"),
        ({"netAmount": "40"}, "netAmount is not a number"),
        ({"pricePerUnit": -0.5}, "pricePerUnit is negative"),
        ({"repositoryName": ["x"]}, "repositoryName is not a string"),
    ],
)
def test_bad_lines_are_rejected_naming_the_field(changes, reason):
    with pytest.raises(RecordError) as caught:
        billing_line(ORG, DAY, line(**changes))
    assert reason in str(caught.value)


def test_a_line_that_is_not_an_object_is_rejected():
    with pytest.raises(RecordError, match="not an object"):
        billing_line(ORG, DAY, ["Copilot"])


def test_lines_with_the_same_key_are_summed_and_other_keys_kept_apart():
    shaper = BillingUsageShaper(ORG, DAY)
    shaper.add(line(quantity=0.1, grossAmount=0.1, discountAmount=0, netAmount=0.1, pricePerUnit=1.0))
    shaper.add(line(quantity=0.2, grossAmount=0.2, discountAmount=0, netAmount=0.2, pricePerUnit=1.0))
    shaper.add(line(sku="Copilot AI Credits", quantity=12, unitType="credits"))
    shaper.add(line(product="Actions", sku="actions_linux", repositoryName="octo-org/app", quantity=30))
    shaper.add(line(product="Actions", sku="actions_linux", repositoryName="octo-org/web", quantity=5))
    docs = shaper.finish()
    assert all(d.index is ix.BILLING_USAGE for d in docs)
    assert len(docs) == len({d.id for d in docs}) == 4
    [business] = [d.source for d in docs if d.source["sku"] == "Copilot Business"]
    assert business["quantity"] == 0.3
    assert business["net_amount"] == 0.3
    assert business["price_per_unit"] == 1.0
    repos = sorted(d.source["repository"] for d in docs if d.source["product"] == "Actions")
    assert repos == ["octo-org/app", "octo-org/web"]


def test_merging_lines_with_different_prices_drops_the_price():
    first = billing_line(ORG, DAY, line(pricePerUnit=1.0))
    second = billing_line(ORG, DAY, line(pricePerUnit=2.0))
    merged = merge_lines(first, second)
    assert "price_per_unit" not in merged
    assert merged["quantity"] == 5.0
    assert merged["gross_amount"] == 95.0


def test_ids_differ_by_day_and_scope():
    other_day = billing_line(ORG, DAY + dt.timedelta(days=1), line(date="2026-11-20"))
    other_scope = billing_line(Scope(ScopeType.ORGANIZATION, "other"), DAY, line())
    ids = {ix.Doc(ix.BILLING_USAGE, s).id for s in (billing_line(ORG, DAY, line()), other_day, other_scope)}
    assert len(ids) == 3
