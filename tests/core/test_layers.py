"""Imports under `segcio/` run one way: entry points -> web/pipeline -> ingest/workspace/delivery ->
destinations/actions -> store -> leaf helpers (docs/architecture.md mirrors LAYERS).

Every `import` counts: at module level, inside functions, and under `if TYPE_CHECKING:` (a type-only import
is still a dependency of the code's meaning, and the cheapest way to hide a cycle). A module may import its
own layer or any layer below it; imports within a layer are allowed, cycles (between units or between modules) are not.

Today's violations and cycles are listed in KNOWN_VIOLATIONS and KNOWN_CYCLES, each with its reason. A new one
fails; so does a listed one that no longer exists, so the lists only shrink.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path

import segcio

PACKAGE_DIR = Path(segcio.__file__).parent

ENTRY, SERVICE, DOMAIN, DESTINATIONS, STORE, LEAF = range(6)
LAYER_NAMES = ["entry", "web/pipeline", "ingest/workspace/delivery", "destinations/actions", "store", "leaf"]

# One row per top-level module or package of segcio. The longest matching prefix decides; on top of this
# table every `cli.py`, `*_cli.py` and `cli_options.py` is an entry point, whatever package it is in.
LAYERS: dict[str, int] = {
    "segcio.__main__": ENTRY,
    "segcio.cli": ENTRY,
    "segcio.cli_options": ENTRY,
    "segcio.cli_group": ENTRY,
    "segcio.app": ENTRY,
    "segcio.bootstrap": ENTRY,
    "segcio.services": ENTRY,
    "segcio.supervisor": ENTRY,
    "segcio.child": ENTRY,
    "segcio.web": SERVICE,
    "segcio.pipeline": SERVICE,
    "segcio.observability": SERVICE,
    "segcio.tools": SERVICE,
    "segcio.ingest": DOMAIN,
    "segcio.workspace": DOMAIN,
    "segcio.delivery": DOMAIN,
    "segcio.eventlog": DOMAIN,
    "segcio.destinations": DESTINATIONS,
    "segcio.actions": DESTINATIONS,
    "segcio.customerio": DESTINATIONS,
    "segcio.runtime": STORE,
    "segcio.auth": STORE,
    "segcio.datadir": STORE,
    "segcio.store": STORE,
    "segcio": LEAF,
    "segcio.errors": LEAF,
    "segcio.jsonutil": LEAF,
    "segcio.values": LEAF,
    "segcio.config": LEAF,
    "segcio.spec": LEAF,
    "segcio.client_address": LEAF,
    "segcio.logs": LEAF,
    "segcio.metrics": LEAF,
    "segcio.tls": LEAF,
    "segcio.tuning": LEAF,
    "segcio.process_status": LEAF,
}

# Units that must not import one another although the layers would allow it: the workspace and the outbox
# receive Customer.io operations; the destination that makes them from Segment events is pipeline's to call.
APART: dict[tuple[str, str], str] = {
    ("segcio.workspace", "segcio.destinations"): "the workspace applies operations; it knows no destination",
    ("segcio.delivery", "segcio.destinations"): "the outbox sends operations; it knows no destination",
    ("segcio.eventlog", "segcio.ingest"): "ingest appends to the log; the log knows no ingest",
    ("segcio.eventlog", "segcio.workspace"): "the log holds Segment events; it knows no workspace",
    ("segcio.eventlog", "segcio.delivery"): "the log holds Segment events; it knows no outbox",
}

# (importer, imported module): reason. Each pair is one import against the direction that stays for now (none today).
KNOWN_VIOLATIONS: dict[tuple[str, str], str] = {}

# Sets of units (packages, top-level modules, entry-point modules) or of modules that import each other: reason
# (none today).
KNOWN_CYCLES: dict[frozenset[str], str] = {}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE_DIR.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def all_modules() -> dict[str, Path]:
    return {
        module_name(path): path
        for path in sorted(PACKAGE_DIR.rglob("*.py"))
        if "migrations" not in path.relative_to(PACKAGE_DIR).parts
    }


def imported_modules(name: str, path: Path, known: set[str]) -> Iterator[str]:
    """The segcio modules `name` imports anywhere in its body (`from a import b` names module a.b if it is one)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            targets = [
                f"{module}.{alias.name}" if f"{module}.{alias.name}" in known else module for alias in node.names
            ]
        else:
            continue
        yield from (target for target in targets if target == "segcio" or target.startswith("segcio."))


def import_graph() -> dict[str, set[str]]:
    modules = all_modules()
    known = set(modules)
    return {name: set(imported_modules(name, path, known)) - {name} for name, path in modules.items()}


def is_entry_module(name: str) -> bool:
    last = name.rpartition(".")[2]
    return last == "cli" or last.endswith("_cli") or last == "cli_options"


def layer_of(name: str) -> int:
    if is_entry_module(name):
        return ENTRY
    prefix = name
    while prefix not in LAYERS:
        prefix = prefix.rpartition(".")[0]
        assert prefix, f"{name} has no row in LAYERS: place it in a layer (and in docs/architecture.md)"
    return LAYERS[prefix]


def unit_of(name: str) -> str:
    """Entry-point modules stand alone; everything else belongs to its top-level package or module."""
    return name if is_entry_module(name) else ".".join(name.split(".")[:2])


def rule_broken(importer: str, imported: str) -> str | None:
    if layer_of(imported) < layer_of(importer):
        return f"{LAYER_NAMES[layer_of(importer)]} -> {LAYER_NAMES[layer_of(imported)]}"
    if not is_entry_module(importer):
        return APART.get((unit_of(importer), unit_of(imported)))
    return None


def violations(graph: dict[str, set[str]]) -> dict[tuple[str, str], str]:
    found = {}
    for importer, targets in graph.items():
        for imported in targets:
            rule = rule_broken(importer, imported)
            if rule:
                found[importer, imported] = rule
    return found


def cycles(graph: dict[str, set[str]], unit: Callable[[str], str]) -> set[frozenset[str]]:
    """The strongly connected components (of more than one) of the graph between `unit(module)`s (Tarjan)."""
    edges: dict[str, set[str]] = defaultdict(set)
    for importer, targets in graph.items():
        for imported in targets:
            if unit(importer) != unit(imported):
                edges[unit(importer)].add(unit(imported))
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: set[frozenset[str]] = set()

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(edges[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.add(member)
                if member == node:
                    break
            if len(component) > 1:
                found.add(frozenset(component))

    for node in sorted(set(edges) | {t for ts in edges.values() for t in ts}):
        if node not in index:
            visit(node)
    return found


def test_every_module_has_a_layer() -> None:
    for name in all_modules():
        layer_of(name)


def test_imports_run_one_way() -> None:
    found = violations(import_graph())
    new = {pair: rule for pair, rule in found.items() if pair not in KNOWN_VIOLATIONS}
    gone = sorted(set(KNOWN_VIOLATIONS) - set(found))
    assert not new, "imports against the direction (see docs/architecture.md):\n" + "\n".join(
        f"  {a} -> {b}  ({rule})" for (a, b), rule in sorted(new.items())
    )
    assert not gone, "fixed, so remove from KNOWN_VIOLATIONS:\n" + "\n".join(f"  {a} -> {b}" for a, b in gone)


def test_no_import_cycles() -> None:
    """Between units, and between modules (a cycle inside a package only works through function-level imports)."""
    graph = import_graph()
    found = cycles(graph, unit_of) | cycles(graph, lambda name: name)
    new = sorted(sorted(cycle) for cycle in found - set(KNOWN_CYCLES))
    gone = sorted(sorted(cycle) for cycle in set(KNOWN_CYCLES) - found)
    assert not new, "import cycles:\n" + "\n".join(f"  {' <-> '.join(c)}" for c in new)
    assert not gone, "cycle gone (or changed), so update KNOWN_CYCLES:\n" + "\n".join(f"  {c}" for c in gone)


def test_architecture_doc_mirrors_the_table() -> None:
    """docs/architecture.md's layer table names the same modules in the same layers as LAYERS."""
    doc = (PACKAGE_DIR.parent / "docs" / "architecture.md").read_text(encoding="utf-8")
    documented: dict[str, int] = {}
    for line in doc.splitlines():
        cells = line.split("|")
        if len(cells) > 3 and cells[1].strip() in LAYER_NAMES:
            for name in cells[2].split("`")[1::2]:
                if "*" not in name:
                    documented["segcio" if name == "segcio" else f"segcio.{name}"] = LAYER_NAMES.index(cells[1].strip())
    assert documented == LAYERS
