"""Condition trees as Segment's condition builder writes them and as its text reads back."""

from __future__ import annotations

import json
from typing import Any


def as_written(node: dict[str, Any]) -> dict[str, Any]:
    """The tree the builder's text actually says: a root with one group is that group, and match patterns
    are read back from the text (`ends_with ""` is written `"*"`, which reads as starts-with)."""
    if node["type"] == "group":
        children = [as_written(child) for child in node["children"]]
        return {**node, "children": children}
    operator = node["operator"]
    if operator.removeprefix("not_") in ("starts_with", "ends_with"):
        negation = "not_" if operator.startswith("not_") else ""
        pattern = node["value"] + "*" if "starts" in operator else "*" + node["value"]
        if pattern.endswith("*"):
            return {**node, "operator": negation + "starts_with", "value": pattern[:-1]}
        return {**node, "operator": negation + "ends_with", "value": pattern[1:]}
    return node


def intended_tree(built: dict[str, Any]) -> dict[str, Any]:
    children = built["children"]
    if len(children) == 1:
        built = children[0] if children[0]["type"] == "group" else {**built, "operator": "and"}
    return json.loads(json.dumps(as_written(built)))
