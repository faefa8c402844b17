"""The reports app sits on top: it reads reviews and outreach, neither of them knows it exists,
and its own modules import each other one way.

Read from the source (every import statement, function-local ones included: an import hidden
in a function is still a dependency), so no module needs to be loaded to be checked.
"""

import ast
from pathlib import Path

from django.test import SimpleTestCase

from ..procs import ROOT

LOWER_APPS = ("reviews", "outreach")


def _modules(package: str) -> dict[str, Path]:
    """Dotted module name → file, for every .py file of the package."""
    out = {}
    for path in sorted((ROOT / package).rglob("*.py")):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


def _imports(module: str, path: Path) -> set[str]:
    """The modules `module` imports, as absolute dotted names (`from . import x` gives both the
    package and `package.x`, as it may name either)."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            found.add(base)
            found |= {f"{base}.{alias.name}" for alias in node.names}
    return found


class LayeringTestCase(SimpleTestCase):
    def test_nothing_in_reviews_or_outreach_imports_reports(self):
        offenders = [
            f"{module} imports {name}"
            for app in LOWER_APPS
            for module, path in _modules(app).items()
            for name in sorted(_imports(module, path))
            if name == "reports" or name.startswith("reports.")
        ]
        self.assertEqual(offenders, [])

    def test_the_modules_of_reports_import_each_other_without_cycles(self):
        modules = _modules("reports")
        graph = {
            module: {name for name in _imports(module, path) if name in modules and name != module}
            for module, path in modules.items()
        }
        # The package itself (`from . import x`) is not an edge: its __init__ imports nothing.
        self.assertEqual(graph["reports"], set())
        graph = {module: edges - {"reports"} for module, edges in graph.items()}
        done: set[str] = set()

        def visit(module: str, trail: list[str]) -> None:
            if module in trail:
                self.fail("import cycle: " + " → ".join([*trail[trail.index(module) :], module]))
            if module in done:
                return
            for other in sorted(graph[module]):
                visit(other, [*trail, module])
            done.add(module)

        for module in sorted(graph):
            visit(module, [])
