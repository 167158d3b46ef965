"""The import graph of ``pipeline/``: imports point down the layers and never go round.

Every import counts, those inside functions too. A module placed in no layer, an import of a
higher layer, a cycle, or an import of Airflow or of the code above the package fails here,
naming the module and line.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "pipeline"

# Bottom to top. A module imports modules of lower layers, or of its own layer as long as no
# cycle forms; never a module of a higher layer.
LAYERS: tuple[tuple[str, frozenset[str]], ...] = (
    # records and settings, and helpers that import nothing of the package
    ("base", frozenset({"records", "settings", "datafile", "jsonl", "lsh", "netguard",
                        "pgserver", "rawstore", "schema_doc"})),
    # the stages an article passes through to its rows, and the files and tools they read
    ("stages", frozenset({"normalize", "boilerplate", "fetcher", "feedparse", "feeds",
                          "fulltext", "extract", "store", "health", "gazetteer", "taxonomy"})),
    # what is made of stored articles: index, copies, topics, entities, checks and reports
    ("analysis", frozenset({"search", "matcher", "ner_camel", "dedup", "dedup_db", "names",
                            "entities", "entities_db", "topics", "evaluate", "quality",
                            "report"})),
    ("night", frozenset({"night"})),
    ("cli", frozenset({"cli"})),
)

# (importer, imported) -> why an upward import is unavoidable. Empty: none is.
ALLOWED_UPWARD: dict[tuple[str, str], str] = {}

# Top-level packages the library must not import: Airflow belongs to dags/, and the code above
# the package (DAGs, tests, benchmarks, scripts) may use it but not be used by it.
FORBIDDEN_PACKAGES = frozenset({"airflow", "dags", "tests", "benchmarks", "scripts"})


def _layer_of() -> dict[str, int]:
    return {module: i for i, (_name, modules) in enumerate(LAYERS) for module in modules}


def _modules() -> list[str]:
    return sorted(p.stem for p in PACKAGE.glob("*.py") if p.stem != "__init__")


def _imports(module: str) -> list[tuple[str, int]]:
    """Every ``(imported name, line)`` in ``module``: package modules by their short name,
    anything else by its top-level package."""
    tree = ast.parse((PACKAGE / f"{module}.py").read_text(encoding="utf-8"))
    found: list[tuple[str, int]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                found.append((parts[1] if parts[0] == "pipeline" and len(parts) > 1
                              else parts[0], node.lineno))
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level or base == "pipeline" or base.startswith("pipeline."):
                inner = base.removeprefix("pipeline").lstrip(".") if not node.level else base
                if inner:
                    found.append((inner.split(".")[0], node.lineno))
                else:  # from pipeline import x / from . import x
                    found.extend((alias.name, node.lineno) for alias in node.names)
            else:
                found.append((base.split(".")[0], node.lineno))
    return found


def import_graph() -> dict[str, dict[str, int]]:
    """Module -> {package module it imports: first line of the import}."""
    modules = set(_modules())
    graph: dict[str, dict[str, int]] = {}
    for module in sorted(modules):
        edges: dict[str, int] = {}
        for name, line in _imports(module):
            if name in modules and name != module:
                edges.setdefault(name, line)
        graph[module] = edges
    return graph


def _cycles(graph: dict[str, dict[str, int]]) -> list[list[str]]:
    """Each cycle found by a depth-first walk, as the modules round it."""
    state: dict[str, int] = {}  # 1 on the walk's path, 2 done
    path: list[str] = []
    found: list[list[str]] = []

    def visit(module: str) -> None:
        state[module] = 1
        path.append(module)
        for target in sorted(graph[module]):
            if state.get(target) == 1:
                found.append(path[path.index(target):] + [target])
            elif target not in state:
                visit(target)
        path.pop()
        state[module] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module)
    return found


def test_every_module_has_one_layer() -> None:
    placed = [m for _name, modules in LAYERS for m in modules]
    assert len(placed) == len(set(placed)), "a module is placed in two layers"
    assert sorted(placed) == _modules(), (
        f"not placed in a layer: {sorted(set(_modules()) - set(placed))}; "
        f"placed but missing: {sorted(set(placed) - set(_modules()))}")


def test_imports_point_down() -> None:
    layer = _layer_of()
    names = [name for name, _modules in LAYERS]
    upward = [f"pipeline/{module}.py:{line} imports {target} "
              f"({names[layer[module]]} -> {names[layer[target]]})"
              for module, edges in import_graph().items()
              for target, line in sorted(edges.items())
              if layer[target] > layer[module] and (module, target) not in ALLOWED_UPWARD]
    assert not upward, "imports pointing up:\n" + "\n".join(upward)


def test_allowed_upward_imports_still_exist() -> None:
    graph = import_graph()
    stale = [pair for pair in ALLOWED_UPWARD if pair[1] not in graph.get(pair[0], {})]
    assert not stale, f"allowed but no longer imported: {stale}"


def test_no_import_cycle() -> None:
    cycles = _cycles(import_graph())
    assert not cycles, "import cycles:\n" + "\n".join(" -> ".join(c) for c in cycles)


def test_no_airflow_or_code_above_the_package() -> None:
    bad = [f"pipeline/{module}.py:{line} imports {name}"
           for module in _modules() for name, line in _imports(module)
           if name in FORBIDDEN_PACKAGES]
    assert not bad, "\n".join(bad)


def test_every_data_file_is_packaged() -> None:
    """A data file the code reads must ship in the wheel, or a plain install breaks at load."""
    import fnmatch
    import tomllib

    project = tomllib.loads((PACKAGE.parent / "pyproject.toml").read_text(encoding="utf-8"))
    globs = project["tool"]["setuptools"]["package-data"]["pipeline"]
    files = sorted(p.relative_to(PACKAGE).as_posix()
                   for p in (PACKAGE / "data").rglob("*") if p.is_file())
    assert files, "pipeline/data holds no files"
    unpackaged = [f for f in files if not any(fnmatch.fnmatchcase(f, g) for g in globs)]
    assert not unpackaged, f"not in [tool.setuptools.package-data]: {unpackaged}"
