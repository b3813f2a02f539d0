"""Checks over what the stand-in received: nothing lost, no avoidable duplicates, per-person order."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from tests.delivery.standin import StandIn


def item_key(item: dict[str, Any]) -> tuple[str, int]:
    return str(item["identifiers"]["id"]), int(item["attributes"]["n"])


def check_order(standin: StandIn) -> None:
    """For each person, every item the service took in is either a re-send of one it already had or the very
    next one: a later item never overtakes an earlier one."""
    highest: dict[str, int] = defaultdict(lambda: -1)
    for _arrival, item in standin.processed_items():
        person, n = item_key(item)
        assert n <= highest[person] + 1, f"{person}: item {n} arrived before item {highest[person] + 1}"
        highest[person] = max(highest[person], n)


def check_duplicates(standin: StandIn) -> None:
    """An item reaches the service twice only after a request it was in timed out or lost its connection,
    and every copy is byte-identical (same event id), so Customer.io drops the repeat."""
    copies: dict[tuple[str, int], list[tuple[str | None, dict[str, Any]]]] = defaultdict(list)
    for arrival, item in standin.processed_items():
        copies[item_key(item)].append((arrival.fault, item))
    for key, seen in copies.items():
        if len(seen) > 1:
            assert all(fault in ("hang", "reset") for fault, _ in seen[:-1]), f"{key} delivered twice: {seen}"
            assert all(item == seen[0][1] for _, item in seen), f"{key}: copies differ"
            assert seen[0][1]["id"] == f"{key[0]}-{key[1]}"
