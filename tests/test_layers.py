"""The server's layers, read from its import statements.

No cycles (imports under TYPE_CHECKING and inside functions count: a cycle hidden there is still
one), no `_private` name taken from another module, a meetings domain that knows no HTTP, no
socket and no handler, and renderers that know no handler. Each failure names what to fix.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

SERVER = Path(__file__).resolve().parent.parent / "server"
DOMAIN = "server.meetings.domain"
# What the domain may not know: the web framework, the socket library, and the handlers above it.
DOMAIN_FORBIDDEN = ("starlette", "socketio", "engineio", "server.meetings.http", "server.transport")
# The renderers draw what they are given (a QR code may be wrapped in a response), never call a handler.
RENDER = "server.meetings.render"
RENDER_FORBIDDEN = ("socketio", "engineio", "server.meetings.http", "server.transport")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SERVER.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def server_modules() -> dict[str, Path]:
    return {module_name(path): path for path in SERVER.rglob("*.py") if "migrations" not in path.parts}


def is_package(path: Path) -> bool:
    return path.name == "__init__.py"


def imports_of(name: str, path: Path) -> Iterator[tuple[str, str | None, int]]:
    """(module, imported name or None, line) for every import anywhere in the file."""
    tree = ast.parse(path.read_text(), str(path))
    package = name if is_package(path) else name.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, None, node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            for alias in node.names:
                yield target, alias.name, node.lineno


def graph() -> dict[str, set[str]]:
    modules = server_modules()
    edges: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        for target, imported, _ in imports_of(name, path):
            submodule = f"{target}.{imported}"
            if imported is not None and submodule in modules:
                edges[name].add(submodule)
            elif target in modules:
                edges[name].add(target)
    return edges


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (or a module importing itself)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

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
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1 or node in edges[node]:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def test_tarjan_finds_a_cycle_and_only_a_cycle() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycles() -> None:
    found = cycles(graph())
    assert not found, "import cycles in server/: " + "; ".join(" <-> ".join(c) for c in found)


def test_the_graph_sees_type_checking_and_function_level_imports() -> None:
    edges = graph()
    # cli imports the app inside a function, so that `kring migrate` does not load the whole server.
    assert "server.app" in edges["server.cli"]


def test_no_private_names_across_modules() -> None:
    modules = server_modules()
    offences = []
    for name, path in modules.items():
        for target, imported, line in imports_of(name, path):
            if imported is None or not imported.startswith("_") or imported.startswith("__"):
                continue
            if not target.startswith("server") or f"{target}.{imported}" in modules:
                continue
            offences.append(f"{name}:{line} imports {imported} from {target}")
    assert not offences, "private names imported across modules: " + "; ".join(offences)


def reaching_up(package: str, forbidden: tuple[str, ...]) -> list[str]:
    """Every import in `package` of a module in (or below) one of `forbidden`, with where it is."""
    modules = server_modules()
    members = {name: path for name, path in modules.items() if name == package or name.startswith(package + ".")}
    assert members, f"no {package} package"
    offences = []
    for name, path in members.items():
        for target, imported, line in imports_of(name, path):
            full = f"{target}.{imported}" if imported else target
            if any(t == f or t.startswith(f + ".") for t in (target, full) for f in forbidden):
                offences.append(f"{name}:{line} imports {full}")
    return offences


def test_domain_knows_no_http_and_no_socket() -> None:
    offences = reaching_up(DOMAIN, DOMAIN_FORBIDDEN)
    assert not offences, "the meetings domain reaches up: " + "; ".join(offences)


def test_renderers_know_no_handlers() -> None:
    offences = reaching_up(RENDER, RENDER_FORBIDDEN)
    assert not offences, "the meetings renderers reach into the handlers: " + "; ".join(offences)
