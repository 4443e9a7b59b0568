"""The `finder` command: a thin click layer over the library.

Each feature's commands live in their own module in this package and attach themselves to
`cli`; library errors become one clear line and a non-zero exit.
"""

from __future__ import annotations

import importlib
import sqlite3

import click

from finder import config as settings
from finder.errors import FinderError

# Modules whose commands are attached to `cli`, in help order.
COMMAND_MODULES = [
    "finder.cli.postcodes",
    "finder.cli.serve",
    "finder.cli.selfref",
    "finder.cli.search",
    "finder.cli.importer",
    "finder.cli.refresh",
    "finder.cli.check",
    "finder.cli.registers",
    "finder.cli.keys",
]


class UsageProblem(click.ClickException):
    """A wrong command, option or value: one line like every other error (click's own usage
    errors print the usage and a hint first), with click's exit status for them."""

    exit_code = 2


class FinderGroup(click.Group):
    """Turns library errors into `Error: <message>` and exit status 1, never a traceback."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except click.exceptions.NoArgsIsHelpError:
            raise
        except click.UsageError as error:
            message = error.format_message()
            if message.startswith("Got unexpected extra argument"):
                message += '. Put a value with spaces in quotes, like --postcode "LS6 2AB".'
            raise UsageProblem(message) from None
        except FinderError as error:
            raise click.ClickException(error.message) from None
        except ValueError as error:  # bad FINDER_* settings, for one
            raise click.ClickException(str(error)) from None
        except OSError as error:  # a missing folder, a full disk, no permission...
            raise click.ClickException(describe_os_error(error)) from None
        except sqlite3.Error as error:  # a locked, corrupt or read-only database
            raise click.ClickException(f"Database error: {error}") from None


def describe_os_error(error: OSError) -> str:
    """'No such file or directory: /data/x.db' rather than a traceback."""
    what = error.strerror or str(error) or type(error).__name__
    where = error.filename if error.filename is not None else None
    return f"{what}: {where}" if where else what


@click.group(cls=FinderGroup)
@click.version_option(package_name="finder")
def cli() -> None:
    """Find UK physiotherapists, osteopaths and chiropractors and check their registration.

    Settings come from FINDER_* environment variables; see `finder settings`.
    """


def load_config() -> dict:
    return settings.from_environment()


@cli.command(name="settings")
def show_settings() -> None:
    """List every FINDER_* setting with its current value and what it does."""
    config = load_config()
    for setting in settings.SETTINGS:
        value = (
            "(set)"
            if setting.name == "SECRET_KEY" and config[setting.name]
            else (config[setting.name])
        )
        click.echo(f"{setting.env}={value}\n    {setting.help}")


for _name in COMMAND_MODULES:
    importlib.import_module(_name)
