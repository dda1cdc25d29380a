"""The package's shape: the pipeline's stages in layers, each importing only from the layers below it
(lazy imports included), no import cycles, and each extension point in one place."""

from __future__ import annotations

import ast
from pathlib import Path

import edgeppg

PACKAGE = Path(edgeppg.__file__).parent
# Lowest first. A module may import from its own layer's packages and from the layers below, never above.
LAYERS = (
    ("errors", "settings", "files", "schema", "lock", "extras", "compute"),  # the package's own plumbing
    ("device",),  # the signal, the device contract and the device's own C, compiled for the host
    ("data", "recordings"),
    ("models",),
    ("distill",),
    ("metrics", "reports", "calibrate"),
    ("config",),
    ("runs", "eval_sets"),
    ("train",),
    ("export",),
    ("codegen",),
    ("mcu",),
    ("bench",),
    ("card",),
    ("study",),
    ("recipe", "reference", "demo"),
    ("options", "cli", "__main__"),
)
LEVEL = {name: i for i, names in enumerate(LAYERS) for name in names}


def modules() -> dict[str, Path]:
    out = {}
    for f in PACKAGE.rglob("*.py"):
        parts = ["edgeppg", *f.relative_to(PACKAGE).with_suffix("").parts]
        out[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = f
    return out


def import_graph() -> dict[str, set[str]]:
    """Module -> the edgeppg modules it imports anywhere in its text (at the top, in a function, typing)."""
    mods = modules()

    def resolve(name: str) -> str | None:
        while name and name not in mods:
            name = name.rpartition(".")[0]
        return name or None

    graph = {}
    for m, f in mods.items():
        package = m if f.name == "__init__.py" else m.rpartition(".")[0]
        targets = set()
        for node in ast.walk(ast.parse(f.read_text())):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parts = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                    base = ".".join(parts + ([base] if base else []))
                names = [base] + [f"{base}.{a.name}" for a in node.names]
            else:
                continue
            targets |= {t for n in names if n.startswith("edgeppg") and (t := resolve(n))}
        # a package's own __init__ is not an edge from its modules
        graph[m] = {t for t in targets if t != m and not (mods[t].name == "__init__.py" and m.startswith(t + "."))}
    return graph


def stage(module: str) -> str:
    return module.split(".")[1] if "." in module else ""


def test_every_stage_has_a_layer():
    assert {stage(m) for m in modules() if stage(m)} <= set(LEVEL)


def test_no_module_imports_a_later_stage():
    graph = import_graph()
    upward = [f"{m} -> {t}" for m, targets in graph.items() if stage(m) for t in targets
              if LEVEL[stage(t)] > LEVEL[stage(m)]]
    assert upward == []


def test_no_import_cycles():
    graph = import_graph()
    seen, on_path, cycles = set(), [], []

    def visit(m: str) -> None:
        seen.add(m)
        on_path.append(m)
        for t in sorted(graph[m]):
            if t in on_path:
                cycles.append(on_path[on_path.index(t):] + [t])
            elif t not in seen:
                visit(t)
        on_path.pop()

    for m in sorted(graph):
        if m not in seen:
            visit(m)
    assert cycles == []


def test_the_strategies_are_listed_once():
    """The command line, config validation, the training loop, studies and the card all read the registry;
    no other module spells out the strategies."""
    from edgeppg.distill import STRATEGIES

    names = [n for n in STRATEGIES if n != "scratch"]
    lists = [str(f.relative_to(PACKAGE)) for m, f in modules().items() if stage(m) != "distill"
             and all(f'"{n}"' in f.read_text() or f"'{n}'" in f.read_text() for n in names)]
    assert lists == []
    # and what the registry says reaches the command line and the config
    from edgeppg.config import DistillConfig
    from edgeppg.options import Strategy
    from edgeppg.settings import rule

    assert [s.value for s in Strategy] == [n for n, s in STRATEGIES.items() if s.needs_teacher]
    assert rule(DistillConfig, "strategy")["choices"] == tuple(STRATEGIES)
