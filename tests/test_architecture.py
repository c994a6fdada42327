"""The layers' import rules (README, "Architecture"), read from the source: a crossing fails here.

Every import counts, including those inside functions and under TYPE_CHECKING, since a lazy
import is still a dependency (and a lazy import that dodges a cycle is still a cycle).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("bot", "storage")
LEAVES = {"bot.reply", "bot.outcome", "bot.errors"}
DATABASE_DRIVERS = {"sqlite3", "aiosqlite", "asyncpg"}

ABOVE_STORAGE = ("bot.core", "bot.commands", "bot.alerts", "bot.frontends", "bot.web", "bot.service", "bot.cli")
# (modules the rule is about, prefixes they must not import, why)
RULES = [
    ("bot.briefing", ("bot.", "storage"), "the domain is pure: it imports nothing else of ours"),
    ("storage", ("bot",), "storage knows nothing of chats, commands or front-ends"),
    ("bot.settings", ("bot.", "storage"), "configuration is a leaf"),
    *[
        (below_core, ABOVE_STORAGE, "sources, the library and announcements sit between storage and the core")
        for below_core in ("bot.content", "bot.sources", "bot.library", "bot.announcements")
    ],
    (
        "bot.core",
        ("bot.commands", "bot.alerts", "bot.frontends", "bot.web", "bot.service", "bot.cli"),
        "the core sits below everything that uses it",
    ),
    (
        "bot.commands",
        ("bot.alerts", "bot.frontends", "bot.web", "bot.service", "bot.cli"),
        "commands are platform-neutral and do not deliver alerts themselves",
    ),
    (
        "bot.alerts",
        ("bot.commands", "bot.frontends", "bot.web", "bot.service", "bot.cli"),
        "alerts reach platforms only through the senders they are given",
    ),
    (
        "bot.frontends",
        ("storage", "bot.alerts", "bot.web", "bot.service", "bot.cli"),
        "front-ends translate and render; storage only through the core's operations",
    ),
    (
        "bot.web",
        ("storage", "bot.frontends", "bot.service", "bot.cli"),
        "the web renders; storage only through the core's operations",
    ),
]


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def sources() -> dict[str, Path]:
    return {module_name(p): p for pkg in PACKAGES for p in sorted((ROOT / pkg).rglob("*.py"))}


def imports_of(name: str, path: Path, known: set[str]) -> tuple[set[str], set[str]]:
    """(our modules, top-level third-party or stdlib names) that the module imports anywhere."""
    ours: set[str] = set()
    others: set[str] = set()
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            # "from pkg import mod" imports the submodule when there is one
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in known else base for a in node.names]
        for target in targets:
            if target.split(".")[0] in PACKAGES:
                while target not in known and "." in target:
                    target = target.rpartition(".")[0]
                if target in known and target != name:
                    ours.add(target)
            else:
                others.add(target.split(".")[0])
    return ours, others


@pytest.fixture(scope="module")
def graph() -> dict[str, tuple[set[str], set[str]]]:
    found = sources()
    return {name: imports_of(name, path, set(found)) for name, path in found.items()}


def _under(name: str, prefix: str) -> bool:
    prefix = prefix.rstrip(".")
    return name == prefix or name.startswith(prefix + ".")


def test_the_graph_is_read(graph):
    assert "bot.core" in graph and "storage.database" in graph
    assert "storage" in {m.split(".")[0] for m in graph["bot.core"][0]}


@pytest.mark.parametrize(("layer", "forbidden", "why"), RULES, ids=[r[0] for r in RULES])
def test_layer_rule(graph, layer, forbidden, why):
    crossings = sorted(
        f"{name} imports {target}"
        for name, (ours, _) in graph.items()
        if _under(name, layer)
        for target in ours
        if any(_under(target, f) or (f.endswith(".") and target.startswith(f)) for f in forbidden)
        and not _under(target, layer)
    )
    assert not crossings, f"{why}:\n" + "\n".join(crossings)


def test_leaf_modules_import_nothing_of_ours(graph):
    for leaf in LEAVES:
        assert leaf in graph, f"{leaf} is missing"
        assert not graph[leaf][0], f"{leaf} must be a leaf, imports {sorted(graph[leaf][0])}"


def test_database_drivers_only_in_storage(graph):
    users = sorted(
        f"{name} imports {driver}"
        for name, (_, others) in graph.items()
        if not _under(name, "storage")
        for driver in others & DATABASE_DRIVERS
    )
    assert not users, "SQL and transactions live in storage/:\n" + "\n".join(users)


def test_no_import_cycles(graph):
    """Tarjan's strongly connected components over our modules; any component > 1 is a cycle."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph[node][0]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for node in graph:
        if node not in index:
            visit(node)
    assert not cycles, "import cycles: " + "; ".join(" ↔ ".join(c) for c in cycles)


def test_a_crossing_would_be_caught(tmp_path):
    """The checker itself: a module importing across a rule is reported."""
    fake = tmp_path / "bot" / "frontends"
    fake.mkdir(parents=True)
    bad = fake / "leaky.py"
    bad.write_text("from storage.database import Database\n")
    ours, _ = imports_of("bot.frontends.leaky", bad, {"storage.database", "storage"})
    assert ours == {"storage.database"}
