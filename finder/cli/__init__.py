"""The `finder` command: a thin click layer over the library.

Each feature's commands live in their own module in this package and attach themselves to
`cli`; library errors become one clear line and a non-zero exit.
"""

from __future__ import annotations

import importlib
import sqlite3
import sys

import click

from finder import config as settings
from finder import db
from finder.errors import FinderError
from finder.places.postcodes import PostcodeTable

# Modules whose commands are attached to `cli`, in help order.
COMMAND_MODULES = [
    "finder.cli.postcodes",
    "finder.cli.serve",
    "finder.cli.selfref",
    "finder.cli.search",
    "finder.cli.demo",
    "finder.cli.importer",
    "finder.cli.refresh",
    "finder.cli.check",
    "finder.cli.registers",
    "finder.cli.keys",
    "finder.cli.replicate",
    "finder.cli.watch",
]


class UsageProblem(click.ClickException):
    """A wrong command, option or value: one line like every other error (click's own usage
    errors print the usage and a hint first), with click's exit status for them."""

    exit_code = 2

    @classmethod
    def of(cls, error: click.UsageError) -> UsageProblem:
        message = " ".join(error.format_message().split())  # "Choose from:\n\thcpc,..." too
        if message.startswith("Got unexpected extra argument"):
            message += ". Put a value that has spaces in quotes."
        return cls(message)


# `finder keys` with nothing after it shows that group's help: no error (click 8.2 and later).
_HELP_NOT_ERROR = getattr(click.exceptions, "NoArgsIsHelpError", ())


class FinderGroup(click.Group):
    """Turns library errors into `Error: <message>` and exit status 1, and a wrong command,
    option or value into one line and exit status 2: never a traceback."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)
        except _HELP_NOT_ERROR:
            raise
        except click.UsageError as error:  # an option of `finder` itself
            raise UsageProblem.of(error) from None

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except _HELP_NOT_ERROR:
            raise
        except click.UsageError as error:  # a command, or its options and arguments
            raise UsageProblem.of(error) from None
        except FinderError as error:
            raise click.ClickException(error.message) from None
        except ValueError as error:  # bad FINDER_* settings, for one
            raise click.ClickException(str(error)) from None
        except BrokenPipeError:  # `finder search ... | head`: the reader has what it wanted
            sys.stdout = None  # nothing more may be written to the closed pipe, not even at exit
            raise SystemExit(141) from None
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


def open_postcodes(data_dir: str | None = None) -> PostcodeTable:
    """The built postcode table of the data folder (FINDER_DATA_DIR unless given)."""
    return PostcodeTable(db.postcodes_db_path(data_dir or load_config()["DATA_DIR"]))


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
