"""Imports run one way: edges -> domain -> core, and no two apps import each other.

Walks the source with `ast` (every import, including ones inside functions) and builds the graph
of apps. An app is the first package under `heedful/`; a provider package
(`channels/providers/<name>`) counts as its own edge unit.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "heedful"
# The edges: they receive requests, run processes or orchestrate several apps.
EDGES = {"web", "api", "ingestion", "privacy", "demo", "config", "devtools", "providers", "cli", "__main__",
         "widget", "community_desk"}
# What provider packages may import besides their own package (DESIGN.md: channels.base, the
# normalized types, and the registry they register with).
PROVIDER_MAY_IMPORT = ("heedful.channels.base", "heedful.channels.registry", "heedful.core.errors",
                       "heedful.core.safe_urls", "heedful.devtools.fakeserver")


def unit_of(module: str) -> str | None:
    """The app a dotted module name belongs to ("heedful.contacts.models" -> "contacts")."""
    parts = module.split(".")
    if parts[0] != "heedful" or len(parts) < 2:
        return None
    if parts[1:3] == ["channels", "providers"] and len(parts) > 3:
        return "providers"
    return parts[1]


def imports_of(path: Path, package: str) -> set[str]:
    """Every module a file imports, relative imports resolved against its package."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names)
    return found


def module_name(root: Path, path: Path) -> str:
    rel = path.relative_to(root.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def app_graph(root: Path) -> tuple[dict[tuple[str, str], set[str]], dict[str, set[str]]]:
    """(app -> app edges with the files that make them, provider file -> heedful imports)."""
    edges: dict[tuple[str, str], set[str]] = defaultdict(set)
    provider_imports: dict[str, set[str]] = defaultdict(set)
    for path in sorted(root.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        name = module_name(root, path)
        package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
        source = unit_of(name)
        for imported in imports_of(path, package):
            target = unit_of(imported)
            if target is None:
                continue
            if source == "providers" and not imported.startswith("heedful.channels.providers"):
                provider_imports[str(path.relative_to(root))].add(imported)
            if target != source:
                edges[(source, target)].add(str(path.relative_to(root)))
    return edges, provider_imports


def cycles(edges) -> list[list[str]]:
    """Strongly connected groups of more than one app (Tarjan's algorithm)."""
    graph: dict[str, set[str]] = defaultdict(set)
    for a, b in edges:
        graph[a].add(b)
    index, low, stack, on_stack, groups = {}, {}, [], set(), []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                group.append(top)
                if top == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in list(graph):
        if node not in index:
            visit(node)
    return groups


def violations(root: Path) -> list[str]:
    edges, provider_imports = app_graph(root)
    found = []
    for (a, b), files in sorted(edges.items()):
        if (b, a) in edges and a < b:
            found.append(f"{a} and {b} import each other ({', '.join(sorted(files | edges[(b, a)]))})")
        if a not in EDGES and b in EDGES:
            found.append(f"domain app {a} imports the edge {b} ({', '.join(sorted(files))})")
    found += [f"import loop: {' -> '.join(group)}" for group in cycles(edges)]
    for path, imported in sorted(provider_imports.items()):
        bad = sorted(m for m in imported
                     if not any(m == ok or m.startswith(ok + ".") for ok in PROVIDER_MAY_IMPORT))
        if bad:
            found.append(f"provider module {path} imports {', '.join(bad)}")
    return found


def test_imports_run_one_way():
    assert violations(SRC) == []


def _tree(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "heedful"
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def test_the_walk_finds_each_kind_of_violation(tmp_path):
    root = _tree(tmp_path, {
        "__init__.py": "",
        "contacts/__init__.py": "",
        "contacts/models.py": "def f():\n    from heedful.conversations.models import Message\n",
        "conversations/__init__.py": "",
        "conversations/models.py": "from heedful.contacts import models\n",
        "outbound/actions.py": "from heedful.web.views import x\n",
        "a/x.py": "import heedful.b.y\n",
        "b/y.py": "from heedful.c import z\n",
        "c/z.py": "from ..a import x\n",
        "channels/providers/fake/provider.py": "from heedful.contacts.models import Identity\n",
    })
    found = violations(root)
    assert any("contacts and conversations import each other" in v for v in found), found
    assert any("domain app outbound imports the edge web" in v for v in found), found
    assert "import loop: a -> b -> c" in found, found
    assert any("provider module channels/providers/fake/provider.py imports heedful.contacts" in v
               for v in found), found
