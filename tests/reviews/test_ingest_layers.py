"""Ingestion sits low: it enqueues its tasks by their registered names and reaches the
outreach planner through settings, so no module of reviews.ingest imports reviews.tasks or
outreach — not at the top, not inside a function."""

import ast
from pathlib import Path

from django.test import SimpleTestCase

import reviews.ingest

INGEST = Path(reviews.ingest.__file__).parent


def imported_modules(path: Path) -> set[str]:
    """Every module a file imports, relative imports resolved against reviews.ingest."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = ["reviews", "ingest"][: 3 - node.level] if node.level else []
            module = ".".join([*base, *([node.module] if node.module else [])])
            names.add(module)
            names.update(f"{module}.{alias.name}" for alias in node.names)
    return names


class IngestLayerTestCase(SimpleTestCase):
    def test_it_imports_neither_the_tasks_nor_outreach(self):
        for path in sorted(INGEST.glob("*.py")):
            for name in imported_modules(path):
                with self.subTest(module=path.name, imports=name):
                    self.assertFalse(name == "reviews.tasks" or name.startswith("reviews.tasks."))
                    self.assertFalse(name == "outreach" or name.startswith("outreach."))
