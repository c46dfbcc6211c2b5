"""Which source files a job's results depend on: the package's import graph, read with ``ast``.

A rule's code inputs are the transitive closure of the ``deeplimits`` modules imported by the modules that
do its work (e.g. the sample job and the document's sampling runners), so that editing any of them reruns
the rule and editing anything else does not. Imports are read from the source text, never executed. Every
import statement counts, at module level or inside a function (a lazy import runs when the function
does), and so does every parent package (Python runs its ``__init__.py`` first). Imports that name a
module only at run time (``importlib.import_module(f"...{paper}...")``) are invisible here: the caller
passes those modules as roots (see ``deeplimits.pipeline.code_inputs``).
"""

from __future__ import annotations

import ast
import functools
from collections.abc import Iterable
from pathlib import Path

PACKAGE = "deeplimits"


def module_file(src: Path, module: str) -> Path | None:
    """The source file of ``module`` under the source root ``src`` (``src/a/b.py`` or
    ``src/a/b/__init__.py``), or None when it is not a module of the tree."""
    base = src.joinpath(*module.split("."))
    for path in (base.with_suffix(".py"), base / "__init__.py"):
        if path.is_file():
            return path
    return None


def _parents(module: str) -> list[str]:
    """``a.b.c`` -> [``a``, ``a.b``]: packages Python imports before the module."""
    parts = module.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts))]


def _absolute(node: ast.ImportFrom, module: str, is_package: bool) -> str:
    """The absolute module an ``import from`` statement reads from (relative imports resolved)."""
    if not node.level:
        return node.module or ""
    parts = module.split(".")
    base = parts if is_package else parts[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


@functools.cache
def direct_imports(src: Path, module: str) -> frozenset[str]:
    """Package modules that ``module``'s source imports anywhere (``import a.b``, ``from a import b`` where
    ``a.b`` is a module, ``from a.b import name``), with their parent packages."""
    path = module_file(src, module)
    if path is None:
        raise ModuleNotFoundError(f"{module} is not a module under {src}")
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(node, module, path.name == "__init__.py")
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names
                         if module_file(src, f"{base}.{alias.name}") is not None)
    ours = {m for m in found if m == PACKAGE or m.startswith(PACKAGE + ".")}
    return frozenset(m for name in ours for m in [*_parents(name), name] if module_file(src, m) is not None)


@functools.cache
def string_constant(src: Path, module: str, name: str) -> str | None:
    """The value of a module-level ``name = "..."`` in ``module``'s source (read, not imported), or None."""
    path = module_file(src, module)
    for node in ast.parse(path.read_text(), filename=str(path)).body:
        if (isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in node.targets)
                and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)):
            return node.value.value
    return None


def closure(src: Path, roots: Iterable[str]) -> list[str]:
    """Every package module the ``roots`` import, directly or not, with the roots and their parent packages;
    sorted."""
    todo = [m for root in roots for m in [*_parents(root), root]]
    seen: set[str] = set()
    while todo:
        module = todo.pop()
        if module not in seen:
            seen.add(module)
            todo.extend(direct_imports(src, module) - seen)
    return sorted(seen)


def source_files(src: Path, roots: Iterable[str]) -> list[Path]:
    """The source files of :func:`closure` (paths under ``src``)."""
    return [module_file(src, m) for m in closure(src, roots)]
