"""The package's folders show the pipeline: layers imported only downwards, no cycles, imports at module top.

Read from the source with :mod:`ast` (nothing is imported). The layers, bottom up, are those of
``genre_utils/__init__.py``; a package import inside a function is allowed only with a comment
``# lazy:`` saying which heavy library it keeps out of a light path.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "genre_utils"
NOTEBOOKS = PACKAGE.parent / "notebooks"
BASE = ("paths", "quiet", "formatting", "registry")
LAYERS = ("data", "features", "models", "experiment", "analysis", "study")
COMMANDS = ("prepare", "run", "predict", "report")
MAX_TOP_MODULES = 8
LAZY_MARK = "# lazy:"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def rank(module: str) -> int:
    """0 for the base modules, 1.. for the sub-packages bottom up, then the command lines (and a
    sub-package's ``__main__``, the entry point of ``python -m genre_utils.<sub-package>``)."""
    if module.endswith(".__main__"):
        return 1 + len(LAYERS)
    first = module.split(".")[1] if "." in module else ""
    if first in BASE:
        return 0
    if first in LAYERS:
        return 1 + LAYERS.index(first)
    if first in COMMANDS:
        return 1 + len(LAYERS)
    raise AssertionError(f"{module} belongs to no layer: add it to a sub-package")


def package_imports(path: Path):
    """``(target module, line, inside a function)`` of every import of the package in ``path``."""
    tree = ast.parse(path.read_text())
    inner = {
        id(node)
        for function in ast.walk(tree)
        if isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef))
        for node in ast.walk(function)
        if isinstance(node, (ast.Import, ast.ImportFrom))
    }
    own = module_name(path)
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = own.split(".") if path.name == "__init__.py" else own.split(".")[:-1]
                base = ".".join(anchor[: len(anchor) - node.level + 1] + ([base] if base else []))
            targets = [
                f"{base}.{alias.name}"
                if (PACKAGE.parent / f"{base}.{alias.name}".replace(".", "/")).exists()
                or (PACKAGE.parent / (f"{base}.{alias.name}".replace(".", "/") + ".py")).exists()
                else base
                for alias in node.names
            ]
        elif isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        else:
            continue
        for target in dict.fromkeys(targets):
            if target.startswith(PACKAGE.name + ".") and not own.startswith(target + "."):
                yield target, node.lineno, id(node) in inner


SOURCES = sorted(PACKAGE.rglob("*.py"))


def test_at_most_eight_modules_at_the_top_and_each_in_a_layer():
    top = [p.stem for p in PACKAGE.glob("*.py") if p.name != "__init__.py"]
    assert len(top) <= MAX_TOP_MODULES, top
    assert set(top) <= set(BASE) | set(COMMANDS), top
    for layer in LAYERS:
        init = PACKAGE / layer / "__init__.py"
        assert init.is_file() and "May import" in init.read_text(), f"{layer}/__init__.py says what it may import"


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: module_name(p))
def test_no_module_imports_from_a_layer_above_its_own(path):
    own = module_name(path)
    for target, line, _ in package_imports(path):
        assert rank(target) <= rank(own), f"{own}:{line} imports {target}, a layer above its own"


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: module_name(p))
def test_package_imports_sit_at_module_top_unless_lazy_on_purpose(path):
    lines = path.read_text().splitlines()
    for target, line, inside in package_imports(path):
        if inside:
            assert LAZY_MARK in lines[line - 1] or LAZY_MARK in lines[line - 2], (
                f"{module_name(path)}:{line} imports {target} inside a function without a '{LAZY_MARK}' reason"
            )


def test_no_import_cycles():
    graph = {module_name(path): {target for target, _, _ in package_imports(path)} for path in SOURCES}
    graph = {module: {t for t in targets if t in graph} for module, targets in graph.items()}
    state: dict[str, int] = {}

    def visit(module, trail):
        state[module] = 1
        for target in sorted(graph[module]):
            if state.get(target) == 1:
                raise AssertionError(f"import cycle: {' -> '.join([*trail, module, target])}")
            if target not in state:
                visit(target, [*trail, module])
        state[module] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [])


def test_no_dataset_name_is_compared_outside_its_declaration():
    from genre_utils.data.datasets import dataset_names

    names = "|".join(map(re.escape, dataset_names()))
    compared = re.compile(rf"""[=!]=\s*["']({names})["']|["']({names})["']\s*[=!]=|\bin\s*\(\s*["']({names})["']""")
    places = []
    for path in [*SOURCES, *sorted(NOTEBOOKS.glob("*.py"))]:
        for number, line in enumerate(path.read_text().splitlines(), 1):
            found = compared.search(line)
            if found and path.stem not in {name for name in found.groups() if name}:
                places.append(f"{path.relative_to(PACKAGE.parent)}:{number}")
    assert not places, places
