"""The organization billing usage report (`GET /organizations/{org}/settings/billing/usage`) -> billing_usage.

One document per (scope, day, product, sku, repository). GitHub's summarized report may split a line further
(for example by cost center), so lines that share a key are summed instead of overwriting each other.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from copilot_usage.model import Scope
from copilot_usage.schema.indices import (
    BILLING_USAGE,
    DISCOUNT_AMOUNT,
    GROSS_AMOUNT,
    NET_AMOUNT,
    ORGANIZATION,
    PRICE_PER_UNIT,
    PRODUCT,
    QUANTITY,
    REPOSITORY,
    SKU,
    UNIT_TYPE,
    Doc,
)
from copilot_usage.shaping.common import base
from copilot_usage.shaping.errors import RecordError
from copilot_usage.shaping.values import day_text, number, required_text, text

# GitHub's keys of one usageItems line (camelCase, unlike the metrics reports).
SRC_DATE = "date"
SRC_PRODUCT = "product"
SRC_SKU = "sku"
SRC_QUANTITY = "quantity"
SRC_UNIT_TYPE = "unitType"
SRC_PRICE_PER_UNIT = "pricePerUnit"
SRC_GROSS_AMOUNT = "grossAmount"
SRC_DISCOUNT_AMOUNT = "discountAmount"
SRC_NET_AMOUNT = "netAmount"
SRC_ORGANIZATION_NAME = "organizationName"
SRC_REPOSITORY_NAME = "repositoryName"

_AMOUNTS = ((SRC_GROSS_AMOUNT, GROSS_AMOUNT), (SRC_DISCOUNT_AMOUNT, DISCOUNT_AMOUNT), (SRC_NET_AMOUNT, NET_AMOUNT))
_SUMMED = (QUANTITY, GROSS_AMOUNT, DISCOUNT_AMOUNT, NET_AMOUNT)
# Money is summed from many small lines: round so 0.1 + 0.2 stores as 0.3, not 0.30000000000000004.
_DECIMALS = 6


def _non_negative(value: Any, where: str) -> float | None:
    result = number(value, where)
    if result is not None and result < 0:
        raise RecordError(f"{where} is negative")
    return result


def billing_line(scope: Scope, day: dt.date, item: Any) -> dict[str, Any]:
    """One usageItems line as a document source; RecordError when it cannot be one."""
    if type(item) is not dict:
        raise RecordError("billing usage line is not an object")
    line_day = day_text(item.get(SRC_DATE), SRC_DATE)
    if line_day is None:
        raise RecordError(f"{SRC_DATE} is missing")
    if line_day != day.isoformat():
        raise RecordError(f"{SRC_DATE} {line_day} is not the requested day {day.isoformat()}")
    doc = base(scope, line_day)
    doc[PRODUCT] = required_text(item.get(SRC_PRODUCT), SRC_PRODUCT)
    doc[SKU] = required_text(item.get(SRC_SKU), SRC_SKU)
    quantity = _non_negative(item.get(SRC_QUANTITY), SRC_QUANTITY)
    if quantity is None:
        raise RecordError(f"{SRC_QUANTITY} is missing")
    doc[QUANTITY] = quantity
    price = _non_negative(item.get(SRC_PRICE_PER_UNIT), SRC_PRICE_PER_UNIT)
    if price is not None:
        doc[PRICE_PER_UNIT] = price
    for key, name in _AMOUNTS:
        # Absent stays absent: an unknown amount is not a zero amount.
        value = number(item.get(key), key)
        if value is not None:
            doc[name] = value
    for key, name in ((SRC_UNIT_TYPE, UNIT_TYPE), (SRC_ORGANIZATION_NAME, ORGANIZATION),
                      (SRC_REPOSITORY_NAME, REPOSITORY)):
        label = text(item.get(key), key)
        if label:
            doc[name] = label
    return doc


def merge_lines(first: dict[str, Any], second: dict[str, Any]) -> dict[str, Any]:
    """Two lines with the same key as one: quantities and amounts summed, a differing price dropped."""
    merged = dict(first)
    for name in _SUMMED:
        if name in first or name in second:
            merged[name] = round(first.get(name, 0.0) + second.get(name, 0.0), _DECIMALS)
    if first.get(PRICE_PER_UNIT) != second.get(PRICE_PER_UNIT):
        merged.pop(PRICE_PER_UNIT, None)  # no single unit price describes the sum
    for name in (UNIT_TYPE, ORGANIZATION):
        if name not in merged and name in second:
            merged[name] = second[name]
    return merged


@dataclass
class BillingUsageShaper:
    """Collects the lines of one (scope, day) report; `finish` yields one document per key."""

    scope: Scope
    day: dt.date
    _docs: dict[str, dict[str, Any]] = field(default_factory=dict)

    def add(self, item: Any) -> list[Doc]:
        """Lines with the same key are merged, so every document comes from `finish`."""
        source = billing_line(self.scope, self.day, item)
        key = BILLING_USAGE.doc_id(source)
        previous = self._docs.get(key)
        self._docs[key] = source if previous is None else merge_lines(previous, source)
        return []

    def finish(self) -> list[Doc]:
        return [Doc(BILLING_USAGE, source) for _, source in sorted(self._docs.items())]
