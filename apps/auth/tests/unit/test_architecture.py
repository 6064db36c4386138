from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[4]
# The Python project: this repository's root, or apps/auth where the repository root keeps
# another project's pyproject.toml (eco2-team/backend).
PROJECT = next(
    path
    for path in (ROOT / "pyproject.toml", ROOT / "apps" / "auth" / "pyproject.toml")
    if path.is_file() and "[tool.importlinter]" in path.read_text()
)


def test_layer_contracts_kept_when_import_linter_runs():
    result = subprocess.run(
        [str(Path(sys.executable).with_name("lint-imports")), "--no-cache", "--config", PROJECT],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout
    assert "auth: layers KEPT" in result.stdout
    assert "auth: application features are independent KEPT" in result.stdout


def test_init_files_stay_empty():
    offenders = [
        str(path.relative_to(ROOT))
        for base in ("apps/auth", "apps/auth_relay")
        for path in (ROOT / base).rglob("__init__.py")
        if path.read_text().strip()
    ]
    assert offenders == []


def _production_classes() -> list[tuple[str, ast.ClassDef]]:
    return [
        (f"{path.relative_to(ROOT)}", node)
        for base in ("apps/auth", "apps/auth_relay")
        for path in sorted((ROOT / base).rglob("*.py"))
        if not {"tests", "migrations"} & set(path.relative_to(ROOT).parts)
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path)))
        if isinstance(node, ast.ClassDef)
    ]


# Raised with a positional message, as Python's own exceptions are.
_EXCEPTION_BASE_SUFFIXES = ("Error", "Exception")
# Parameters a framework passes by position, by module and class.
_POSITIONAL_BY_FRAMEWORK = {
    # ASGI middleware: Starlette builds the stack as `cls(app, *args, **kwargs)`.
    ("apps/auth/presentation/http/middleware.py", "ObservabilityMiddleware"): {"app"},
    ("apps/auth/presentation/http/middleware.py", "CorsForBrowsers"): {"app"},
    ("apps/auth/presentation/http/mesh_lane.py", "MeshLane"): {"app"},
}


def _is_exception(node: ast.ClassDef) -> bool:
    return any(ast.unparse(base).endswith(_EXCEPTION_BASE_SUFFIXES) for base in node.bases)


def test_constructors_take_keyword_arguments_only():
    offenders = []
    for module, node in _production_classes():
        if _is_exception(node):
            continue
        allowed = _POSITIONAL_BY_FRAMEWORK.get((module, node.name), set())
        for init in node.body:
            if not isinstance(init, ast.FunctionDef) or init.name != "__init__":
                continue
            positional = [arg.arg for arg in [*init.args.posonlyargs, *init.args.args][1:]]
            if init.args.vararg is not None:
                positional.append(f"*{init.args.vararg.arg}")
            if set(positional) - allowed:
                offenders.append(f"{module}:{init.lineno} {node.name}({', '.join(positional)})")
    assert offenders == [], "positional constructor arguments:\n" + "\n".join(offenders)


def _is_dataclass(decorator: ast.expr) -> bool:
    target = decorator.func if isinstance(decorator, ast.Call) else decorator
    return ast.unparse(target) in ("dataclass", "dataclasses.dataclass")


def _kw_only(decorator: ast.expr) -> bool:
    return isinstance(decorator, ast.Call) and any(
        keyword.arg == "kw_only"
        and isinstance(keyword.value, ast.Constant)
        and keyword.value.value is True
        for keyword in decorator.keywords
    )


def test_dataclasses_are_keyword_only():
    offenders = [
        f"{module}:{node.lineno} {node.name}"
        for module, node in _production_classes()
        for decorator in node.decorator_list
        if _is_dataclass(decorator) and not _kw_only(decorator)
    ]
    assert offenders == [], "dataclasses without kw_only=True:\n" + "\n".join(offenders)
