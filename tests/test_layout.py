"""The layout holds: no import cycles between the project's modules (function-local imports
included), a core that knows nothing of HTTP and loads no torch for inference, one role table."""

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("app", "beatengine", "eventlog", "training")


def _modules() -> dict[str, Path]:
    out = {}
    for pkg in PACKAGES:
        for path in (ROOT / pkg).rglob("*.py"):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            out[".".join(parts)] = path
    return out


def import_graph() -> dict[str, set[str]]:
    """module -> the project modules it imports, anywhere in its body."""
    modules = _modules()
    graph: dict[str, set[str]] = {m: set() for m in modules}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text())):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    base = ".".join(package.split(".")[:len(package.split(".")) - node.level + 1]
                                    + ([base] if base else []))
                targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base
                           for a in node.names]
            for t in targets:
                while t and t not in modules:
                    t = t.rpartition(".")[0]
                if t and t != name:
                    graph[name].add(t)
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(m: str) -> list[str] | None:
        state[m] = 1
        stack.append(m)
        for n in sorted(graph[m]):
            if state.get(n) == 1:
                return stack[stack.index(n):] + [n]
            if n not in state and (cycle := visit(n)):
                return cycle
        stack.pop()
        state[m] = 2
        return None

    for m in sorted(graph):
        if m not in state and (cycle := visit(m)):
            return cycle
    return None


def test_no_import_cycles():
    assert find_cycle(import_graph()) is None


def test_the_core_knows_nothing_of_http_or_the_app():
    graph = import_graph()
    for m, deps in graph.items():
        if m.startswith(("beatengine", "eventlog")):
            assert not {d for d in deps if d.startswith(("app", "training"))}, m
            source = _modules()[m].read_text()
            assert "fastapi" not in source and "starlette" not in source, m


def test_inference_loads_no_torch():
    code = ("import sys, beatengine.roles, beatengine.arrangement; "
            "print('torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert out.stdout.strip() == "False", out.stderr


def test_the_service_layer_knows_no_http():
    """Domain errors there; app/api/errors.py maps them to statuses in one place. Checked on what
    importing every service module loads, so an HTTP import through another module shows too."""
    code = ("import importlib, pkgutil, sys, app.services; "
            "[importlib.import_module('app.services.' + m.name) "
            "for m in pkgutil.iter_modules(app.services.__path__)]; "
            "print(sorted(k for k in ('fastapi', 'starlette') if k in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert out.stdout.strip() == "[]", out.stdout + out.stderr


def test_one_role_table_for_the_service_and_training():
    from app.services.models import LOADERS
    from app.services.roles import BUILDERS
    from beatengine.roles import ROLES
    from training.roles import SPECS

    assert set(LOADERS) == set(SPECS) == set(ROLES) == set(BUILDERS) - {"arrangement"}
