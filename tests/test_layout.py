"""The shape of the code: library packages without cycles, without Flask, modules of a size."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LIBRARY = ("finder", "scrapers")


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def library_modules() -> dict[str, Path]:
    return {
        module_name(path): path
        for top in LIBRARY
        for path in sorted((ROOT / top).rglob("*.py"))
        if "web" not in path.parts and "cli" not in path.parts
    }


def imports_at_load(path: Path, modules: dict[str, Path]) -> set[str]:
    """The library modules `path` imports when it is loaded (not inside functions). `from pkg
    import sub` counts as importing pkg.sub when sub is a module."""
    found = set()
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name in modules}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                sub = f"{node.module}.{alias.name}"
                found.add(sub if sub in modules else node.module)
    return {name for name in found if name in modules}


def test_library_modules_import_each_other_without_cycles():
    modules = library_modules()
    graph = {name: imports_at_load(path, modules) for name, path in modules.items()}
    cycles = []

    def visit(name: str, trail: list[str]) -> None:
        for target in sorted(graph[name]):
            if target in trail:
                cycles.append(trail[trail.index(target) :] + [target])
            elif target not in done:
                visit(target, [*trail, target])
        done.add(name)

    done: set[str] = set()
    for name in sorted(graph):
        if name not in done:
            visit(name, [name])
    assert cycles == []


def test_the_library_loads_without_flask():
    packages = "places, directory, search, selfref, registrations, refresh"
    code = f"import sys\nfrom finder import {packages}\nprint('flask' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "False", result.stderr


@pytest.mark.parametrize("top", LIBRARY)
def test_every_library_module_is_under_400_lines(top):
    long = {
        str(path.relative_to(ROOT)): n
        for path in (ROOT / top).rglob("*.py")
        if (n := len(path.read_text().splitlines())) >= 400
    }
    assert long == {}
