"""The README is the manual: it must list every command and every setting."""

from pathlib import Path

import click
import pytest

from finder import config
from finder.cli import cli

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def all_commands(group: click.Group, prefix: str = "finder") -> list[tuple[str, click.Command]]:
    found = []
    for name, command in group.commands.items():
        path = f"{prefix} {name}"
        found.append((path, command))
        if isinstance(command, click.Group):
            found.extend(all_commands(command, path))
    return found


COMMANDS = all_commands(cli)


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=[p for p, _ in COMMANDS])
def test_every_command_has_help_and_is_in_the_readme(runner, path, command):
    result = runner.invoke(cli, [*path.split()[1:], "--help"])
    assert result.exit_code == 0, result.output
    assert command.help, f"{path} has no help text"
    assert f"`{path}" in README, f"README.md does not mention `{path}`"


@pytest.mark.parametrize("setting", config.SETTINGS, ids=[s.env for s in config.SETTINGS])
def test_every_setting_is_in_the_readme_with_its_help_text(setting):
    rows = [line for line in README.splitlines() if line.startswith(f"| `{setting.env}` |")]
    assert len(rows) == 1, f"README.md has no settings row for {setting.env}"
    assert rows[0].rstrip(" |").endswith(setting.help), "README and `finder settings` disagree"


def test_ci_runs_the_readme_test_command():
    ci = (Path(__file__).resolve().parent.parent / ".ci" / "run").read_text()
    assert "make test" in ci and "make test" in README


ARCHITECTURE = (Path(__file__).resolve().parent.parent / "docs" / "architecture.md").read_text()
FINDER = Path(__file__).resolve().parent.parent / "finder"


def test_every_module_is_in_the_architecture_map():
    missing = []
    for module in sorted(FINDER.rglob("*.py")):
        relative = module.relative_to(FINDER)
        if module.name == "__init__.py" or relative.parts[0] == "cli":
            continue  # packages are named by their folder; cli/*.py is one row
        folder = f"`{relative.parent.as_posix()}/`"
        if f"`{relative.as_posix()}`" not in ARCHITECTURE and folder not in ARCHITECTURE:
            missing.append(relative.as_posix())
    assert missing == [], "docs/architecture.md does not name these modules"


def test_every_module_the_architecture_map_names_exists():
    import re

    named = set(re.findall(r"`((?:[a-z_]+/)*[a-z_]+\.py)`", ARCHITECTURE))
    root = FINDER.parent
    gone = [n for n in sorted(named) if not (FINDER / n).exists() and not (root / n).exists()]
    assert gone == []
