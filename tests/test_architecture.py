"""The shape of the code, checked on the source: the apps depend one way, no two modules import
each other (directly or round a circle, function-local imports included), and a module grows
past a few hundred lines only with a reason written at its top.

Read from the files with `ast`, so nothing has to be imported to be checked.
"""

import ast
import re
from pathlib import Path

from django.test import SimpleTestCase

ROOT = Path(__file__).resolve().parent.parent
# Lowest first: an app may import the apps before it, never one after it.
LAYERS = ["reviews", "outreach", "calls", "connectors", "reports", "demo"]
MAX_LINES = 500


def _modules() -> dict[str, Path]:
    """Dotted name -> file, for every module of the apps (migrations aside: they record the
    history of the schema and may name any app's models)."""
    found = {}
    for app in LAYERS:
        for path in sorted((ROOT / app).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            if "migrations" in parts:
                continue
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join(parts)] = path
    return found


def _imports(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The project modules `name` imports, wherever in the file the import statement is."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    targets = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            targets.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join(anchor + ([base] if base else []))
            for alias in node.names:
                # `from pkg import mod` imports the module pkg.mod; `from mod import name`, mod.
                targets.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base)
    resolved = set()
    for target in targets:
        while target and target not in modules:
            target = target.rpartition(".")[0]
        if target and target != name:
            resolved.add(target)
    return resolved


def _layer(module: str) -> int:
    return LAYERS.index(module.split(".")[0])


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph[node]):
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
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


class ArchitectureTestCase(SimpleTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.modules = _modules()
        cls.graph = {name: _imports(name, path, cls.modules) for name, path in cls.modules.items()}

    def test_it_finds_the_modules_and_their_imports(self):
        # The checks below mean something only if the reading works.
        self.assertIn("outreach.services.planning", self.modules)
        self.assertIn("reviews.timeline", self.graph["outreach.services.planning"])
        self.assertIn("reviews.models", self.graph["reviews.timeline"])

    def test_apps_depend_one_way(self):
        upward = sorted(
            f"{module} imports {target}"
            for module, targets in self.graph.items()
            for target in targets
            if _layer(target) > _layer(module)
        )
        self.assertEqual(upward, [], "a lower app imports a higher one")

    def test_no_modules_import_each_other_round_a_circle(self):
        self.assertEqual(_cycles(self.graph), [])

    def test_a_long_module_says_why_at_its_top(self):
        long = []
        for name, path in self.modules.items():
            text = path.read_text()
            lines = text.count("\n")
            if lines <= MAX_LINES:
                continue
            docstring = ast.get_docstring(ast.parse(text)) or ""
            if not re.search(r"\blong\b", docstring, re.IGNORECASE):
                long.append(f"{name}: {lines} lines")
        self.assertEqual(long, [], f"over {MAX_LINES} lines without a reason in the docstring")
