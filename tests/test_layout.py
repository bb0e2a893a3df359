"""The house drawn from its imports: no cycles, no arrow up a floor, no absolute self-imports.

Every ``import`` and ``from ... import`` statement of the package counts, at module
level or inside a function, so a lazy import is an arrow like any other. The floors
(README, "The map"), from the ground up; a module imports only from its own floor or
below:

0. helpers -- argument checks, memory budgets, the parallel map, atomic files, optional
   imports, and the drawing primitives of ``plotting`` (matplotlib on plain arrays,
   which the ``.plot()`` methods of every floor call);
1. data -- ``Diagrams`` and its converters, ``Activations``;
2. numeric core -- clouds, homology, features, distances, diagnostics, cycles, mapper;
3. torch wing -- ``nn/``;
4. results -- typed results, findings, the report, the report's figures;
5. application -- workflows, the command line.
"""

from __future__ import annotations

import ast
import pathlib

import tda_nn

ROOT = pathlib.Path(tda_nn.__file__).parent
FLOORS = ("helpers", "data", "numeric core", "torch wing", "results", "application")

_BY_TOP = {
    **dict.fromkeys(("validation", "budgets", "parallel", "store", "_files", "_optional"), 0),
    **dict.fromkeys(("diagrams", "diagrams_convert", "_diagram_samples", "activations"), 1),
    **dict.fromkeys(("clouds", "_landmarks", "_knn", "homology", "features", "_vectorize", "distances", "_matching",
                     "diagnostics", "cycles", "mapper", "datasets"), 2),
    "nn": 3,
    **dict.fromkeys(("results", "findings", "report", "plotting"), 4),
    **dict.fromkeys(("workflows", "cli"), 5),
}
# plotting's drawing primitives: matplotlib on plain arrays, importing no room of the package
_DRAWING = {"tda_nn.plotting.draw", "tda_nn.plotting.cycles", "tda_nn.plotting.symmetry", "tda_nn.plotting.polygons"}
# thin aliases kept for old import paths: they re-export a lower room and hold no code
_ALIASES = {"tda_nn.probes": 2}


def _name(path: pathlib.Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_name(p): p for p in ROOT.rglob("*.py")}


def _resolve(name: str) -> str | None:
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def _imports(mod: str) -> tuple[set[str], list[str]]:
    """(modules of the package this one imports, absolute ``tda_nn`` imports it writes)."""
    path = MODULES[mod]
    pkg = mod if path.name == "__init__.py" else mod.rpartition(".")[0]
    out, absolute = set(), []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names if a.name.split(".")[0] == "tda_nn"]
            absolute += targets
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = pkg.split(".")[: len(pkg.split(".")) - node.level + 1]
                where = ".".join(base + ([node.module] if node.module else []))
            else:
                where = node.module or ""
                if where.split(".")[0] == "tda_nn":
                    absolute.append(where)
            if where.split(".")[0] != "tda_nn":
                continue
            targets = [f"{where}.{a.name}" if f"{where}.{a.name}" in MODULES else where for a in node.names]
        else:
            continue
        out |= {t for t in map(_resolve, targets) if t and t != mod and t != "tda_nn"}
    return out, absolute


GRAPH = {m: _imports(m)[0] for m in MODULES if m != "tda_nn"}


def floor(mod: str) -> int:
    if mod in _DRAWING:
        return 0
    if mod in _ALIASES:
        return _ALIASES[mod]
    top = mod.split(".")[1]
    assert top in _BY_TOP, f"{mod} has no floor: place its room in tests/test_layout.py and the README's map"
    return _BY_TOP[top]


def _cycles() -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    index, low, stack, on, out, counter = {}, {}, [], set(), [], [0]
    for root in GRAPH:
        if root in index:
            continue
        work = [(root, iter(sorted(GRAPH[root])))]
        index[root] = low[root] = counter[0]
        counter[0] += 1
        stack.append(root)
        on.add(root)
        while work:
            v, it = work[-1]
            for w in it:
                if w not in GRAPH:
                    continue
                if w not in index:
                    index[w] = low[w] = counter[0]
                    counter[0] += 1
                    stack.append(w)
                    on.add(w)
                    work.append((w, iter(sorted(GRAPH[w]))))
                    break
                if w in on:
                    low[v] = min(low[v], index[w])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[v])
                if low[v] == index[v]:
                    comp = []
                    while True:
                        w = stack.pop()
                        on.discard(w)
                        comp.append(w)
                        if w == v:
                            break
                    if len(comp) > 1:
                        out.append(sorted(comp))
    return out


def test_the_import_graph_has_no_cycle_lazy_imports_included():
    assert _cycles() == []


def test_the_cycle_finder_finds_a_planted_cycle():
    GRAPH["tda_nn.validation"].add("tda_nn.budgets")  # budgets imports validation: a two-module cycle
    try:
        assert ["tda_nn.budgets", "tda_nn.validation"] in _cycles()
    finally:
        GRAPH["tda_nn.validation"].discard("tda_nn.budgets")


def test_every_module_has_a_floor_and_no_arrow_points_up():
    up = sorted(f"{a} ({FLOORS[floor(a)]}) -> {b} ({FLOORS[floor(b)]})"
                for a, targets in GRAPH.items() for b in targets if floor(b) > floor(a))
    assert up == []


def test_the_drawing_primitives_import_no_room_above_the_helpers():
    for mod in _DRAWING:
        assert all(floor(t) == 0 for t in GRAPH[mod]), (mod, GRAPH[mod])


def test_no_module_imports_tda_nn_by_its_absolute_name():
    offenders = {m: a for m in MODULES if (a := _imports(m)[1])}
    assert offenders == {}


# The one kind of arrow up a floor that is allowed, and only where named here: ``device=`` of the
# numeric core hands the work to the torch wing's kernels (issue 27: distances, landmarks and the
# spanning tree run on a torch device when asked). The kernels are loaded by name, only when a device
# is given, so the core still imports without torch; the test below keeps the list exact.
_DEVICE_DISPATCH = {("tda_nn.clouds", "tda_nn.nn.kernels"), ("tda_nn.homology._mst", "tda_nn.nn.kernels")}


def _loaded_by_name(mod: str) -> set[str]:
    out = set()
    for node in ast.walk(ast.parse(MODULES[mod].read_text(encoding="utf-8"))):
        if (isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) == "import_module"
                and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)
                and node.args[0].value.startswith("tda_nn.")):
            out.add(node.args[0].value)
    return out


def test_modules_loaded_by_name_keep_to_the_floors_or_are_the_named_device_dispatch():
    found = {(m, t) for m in MODULES for t in _loaded_by_name(m)}
    up = {(m, t) for m, t in found if floor(t) > floor(m)}
    assert up == _DEVICE_DISPATCH
    assert all(m != t and not t.startswith(m) for m, t in found)


def test_validation_holds_checks_not_converters_or_budgets():
    import tda_nn.validation as v

    for moved in ("as_diagrams", "as_diagram_list", "parse_memory", "check_budget", "default_budget"):
        assert not hasattr(v, moved), f"tda_nn.validation.{moved} belongs to diagrams_convert or budgets"
