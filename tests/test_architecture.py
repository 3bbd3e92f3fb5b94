"""The import direction of DESIGN section 3 and the layout of ``experiments/``.

Dependencies point one way: dashboards, calibration -> experiments -> scenarios -> model.
``model/`` knows nothing of the other folders, and ``experiments/`` never imports
``calibration`` or ``dashboards`` (their commands reach the ``ptce`` CLI through the
``ptce.commands`` entry points). Every ``.py`` file of the five folders is parsed with ``ast``;
imports anywhere in a file count (module level, inside functions or classes, under
``TYPE_CHECKING``, and ``importlib.import_module("...")`` / ``__import__("...")`` with a literal
name), and relative imports are resolved to the package they name.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: Project folder -> the other project folders its modules may import (DESIGN section 3).
#: ``dashboards`` and ``calibration`` sit side by side on top: DESIGN draws no arrow between them.
ALLOWED: dict[str, frozenset[str]] = {
    "model": frozenset(),
    "scenarios": frozenset({"model"}),
    "experiments": frozenset({"scenarios", "model"}),
    "calibration": frozenset({"experiments", "scenarios", "model"}),
    # the Calibration page reads the calibration tables (calibration.db); calibration never
    # imports dashboards
    "dashboards": frozenset({"calibration", "experiments", "scenarios", "model"}),
}
PACKAGES = tuple(ALLOWED)

#: The subpackages of ``experiments/``, one job a folder.
EXPERIMENTS_SUBPACKAGES = ("cli", "store", "batches", "execution", "results", "bench")


# --- import direction --------------------------------------------------------------------------

def _package_of(path: str) -> list[str]:
    """Package a file's relative imports start from: ``a/b/c.py`` -> a.b, ``a/b/__init__.py``
    -> a.b."""
    parts = Path(path).with_suffix("").parts
    return list(parts[:-1])


def _imports(path: str, source: str) -> list[tuple[int, str, str]]:
    """(line, absolute module name or an error text, scope) of every import in ``source``."""
    found: list[tuple[int, str, str]] = []
    package = _package_of(path)

    def visit(node: ast.AST, scope: str) -> None:
        for child in ast.iter_child_nodes(node):
            inner = scope
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                kind = "class" if isinstance(child, ast.ClassDef) else "function"
                inner = f"in {kind} {child.name}" if scope == "module level" else \
                    f"{scope}.{child.name}"
            if isinstance(child, ast.Import):
                found.extend((child.lineno, alias.name, scope) for alias in child.names)
            elif isinstance(child, ast.ImportFrom):
                if child.level == 0:
                    found.append((child.lineno, child.module or "", scope))
                elif child.level - 1 >= len(package):
                    found.append((child.lineno, f"<relative import {'.' * child.level}"
                                  f"{child.module or ''} beyond its top-level package>", scope))
                else:
                    base = package[:len(package) - (child.level - 1)]
                    found.append((child.lineno, ".".join(base + ([child.module]
                                                                 if child.module else [])),
                                  scope))
            elif isinstance(child, ast.Call):
                func = child.func
                name = func.attr if isinstance(func, ast.Attribute) else \
                    func.id if isinstance(func, ast.Name) else None
                if (name in ("import_module", "__import__") and child.args
                        and isinstance(child.args[0], ast.Constant)
                        and isinstance(child.args[0].value, str)
                        and not child.args[0].value.startswith(".")):
                    found.append((child.lineno, child.args[0].value, scope))
            visit(child, inner)

    visit(ast.parse(source, filename=path), "module level")
    return found


def import_violations(sources: dict[str, str]) -> list[str]:
    """Every import of ``sources`` (relative path under the repository -> source text) that
    goes against ``ALLOWED``, one line each."""
    problems = []
    for path, source in sorted(sources.items()):
        top = Path(path).parts[0]
        for line, name, scope in _imports(path, source):
            if name.startswith("<"):
                problems.append(f"{path}:{line} ({scope}): {name[1:-1]}")
                continue
            target = name.split(".")[0]
            if target in ALLOWED and target != top and target not in ALLOWED[top]:
                allowed = (f"only {', '.join(sorted(ALLOWED[top]))}" if ALLOWED[top]
                           else "no other project folder")
                problems.append(f"{path}:{line} ({scope}) imports {name}: {top}/ may import "
                                f"{allowed}")
    return problems


def project_sources() -> dict[str, str]:
    """Relative path -> text of every ``.py`` file of the five project folders."""
    return {p.relative_to(ROOT).as_posix(): p.read_text(encoding="utf-8")
            for top in PACKAGES for p in sorted((ROOT / top).rglob("*.py"))}


def test_imports_point_one_way() -> None:
    """Catches an import against the direction dashboards, calibration -> experiments ->
    scenarios -> model: ``model`` reaching for ``experiments`` or ``scenarios``, ``scenarios``
    for ``experiments``, ``experiments`` importing ``calibration`` or ``dashboards`` (even
    lazily, inside a command function) instead of going through the entry points, and
    ``calibration`` and ``dashboards`` importing each other."""
    problems = import_violations(project_sources())
    assert not problems, ("imports against the direction of DESIGN section 3:\n  "
                          + "\n  ".join(problems))


def test_walker_reads_every_folder() -> None:
    """Catches a file walk that finds nothing (so the direction test would pass vacuously):
    every folder is read, and the imports it finds include known allowed ones."""
    sources = project_sources()
    assert {Path(p).parts[0] for p in sources} == set(PACKAGES)
    assert "experiments/store/migrations/versions/0001_initial.py" in sources
    names = {name for path in ("scenarios/loader.py", "calibration/estimator.py")
             for _, name, _ in _imports(path, sources[path])}
    assert "model.params" in names  # scenarios.loader validates into model.params
    assert "experiments.store" in names  # the estimator stores its trials as batches


def test_import_checker_reports_doctored_sources() -> None:
    """The checker reports every forbidden import of a doctored tree at once, wherever it is
    (module level, inside a function or a method, relative, through importlib), and nothing
    for allowed ones: catches a checker that only reads module-level imports, misresolves
    relative imports, or flags allowed directions."""
    sources = {
        "model/territory.py": "import numpy\nfrom .params import X\nfrom . import rng\n"
                              "def f():\n    from experiments.store import Store\n",
        "model/ptce/levers.py": "from ..params import Lever\n"
                                "class L:\n    def go(self):\n        import scenarios\n",
        "scenarios/loader.py": "from model.params import P\nimport experiments.batches\n",
        "experiments/cli/main.py": "from ..store import Store\nfrom model import simulate\n"
                                   "import scenarios\n"
                                   "def cmd():\n    from calibration.cli import register\n",
        "experiments/cli/batch.py": "import importlib\n"
                                    "mod = importlib.import_module('dashboards.app')\n",
        "experiments/results/compare.py": "from ...dashboards import charts\n",
        "calibration/cli.py": "from experiments.store import Store\nimport dashboards.charts\n",
        "dashboards/calibrations.py": "from calibration.db import t\n"
                                      "from experiments.store import Store\n",
        "dashboards/app.py": "from .charts import line\nimport nothing_of_ours\n",
    }
    problems = import_violations(sources)
    flagged = sorted(p.split(" ")[0] for p in problems)
    assert flagged == ["calibration/cli.py:2",
                       "experiments/cli/batch.py:2", "experiments/cli/main.py:5",
                       "experiments/results/compare.py:1", "model/ptce/levers.py:4",
                       "model/territory.py:5", "scenarios/loader.py:2"], problems
    assert any("model/territory.py:5 (in function f) imports experiments.store" in p
               for p in problems), problems
    assert any("(in class L.go) imports scenarios" in p for p in problems), problems
    assert any("beyond its top-level package" in p for p in problems), problems


# --- layout of experiments/ --------------------------------------------------------------------

def layout_problems(experiments: Path) -> list[str]:
    """What is wrong with the layout of the ``experiments`` folder: a required subpackage
    missing (or without ``__init__.py``), a loose module beside ``__init__.py``, a subfolder
    that is no regular package."""
    problems = []
    for name in EXPERIMENTS_SUBPACKAGES:
        if not (experiments / name / "__init__.py").is_file():
            problems.append(f"subpackage experiments/{name}/ (with __init__.py) is missing")
    if not (experiments / "__init__.py").is_file():
        problems.append("experiments/__init__.py is missing")
    for path in sorted(experiments.iterdir()):
        if path.is_file() and path.suffix == ".py" and path.name != "__init__.py":
            problems.append(f"loose module experiments/{path.name}: put it in a subpackage")
        elif (path.is_dir() and path.name != "__pycache__"
              and not (path / "__init__.py").is_file()):
            problems.append(f"experiments/{path.name}/ is no package (no __init__.py)")
    return problems


def test_experiments_layout() -> None:
    """Catches a subpackage of ``experiments/`` removed or renamed, and a module left (or
    added) loose at the top of ``experiments/`` instead of in its job's folder."""
    problems = layout_problems(ROOT / "experiments")
    assert not problems, "layout of experiments/:\n  " + "\n  ".join(problems)


def test_layout_checker_reports_doctored_tree(tmp_path: Path) -> None:
    """The layout checker reports every fault of a doctored tree at once and accepts a correct
    one: catches a checker that ignores missing subpackages or loose modules."""
    tree = tmp_path / "experiments"
    for name in EXPERIMENTS_SUBPACKAGES:
        (tree / name).mkdir(parents=True)
        (tree / name / "__init__.py").write_text("")
    (tree / "__init__.py").write_text("")
    (tree / "__pycache__").mkdir()
    assert layout_problems(tree) == []

    (tree / "bench" / "__init__.py").unlink()
    (tree / "results" / "__init__.py").unlink()
    (tree / "results").rmdir()
    (tree / "runner.py").write_text("")
    (tree / "store.py").write_text("")
    problems = layout_problems(tree)
    assert sorted(problems) == sorted([
        "subpackage experiments/bench/ (with __init__.py) is missing",
        "subpackage experiments/results/ (with __init__.py) is missing",
        "loose module experiments/runner.py: put it in a subpackage",
        "loose module experiments/store.py: put it in a subpackage",
        "experiments/bench/ is no package (no __init__.py)",
    ]), problems
