"""`finder registers parse REGISTER FILE`: run a register's parser on a saved page."""

from __future__ import annotations

import json
from pathlib import Path

import click

import scrapers
from finder.cli import cli


@cli.group(name="registers")
def registers_group() -> None:
    """Work with the HCPC, GOsC and GCC register pages.

    \b
        finder registers parse hcpc saved-page.html
    """


@registers_group.command(name="parse")
@click.argument("register", type=click.Choice(scrapers.REGISTERS, case_sensitive=False))
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--kind",
    help="Page kind: hcpc detail; gosc practices, registrants or registrant; gcc results. "
    "Guessed when left out.",
)
@click.option("--url", help="The address the page was saved from (for its links).")
def parse(register: str, file: Path, kind: str | None, url: str | None) -> None:
    """Print, as JSON, what the parser understands from a page saved from the register's site.

    Use it to check a real capture before it replaces a test fixture; a page the parser does
    not recognise gives one line saying why and exit status 1.

    \b
        finder registers parse hcpc saved-page.html
        finder registers parse gosc --kind practices results.html
    """
    try:
        result = scrapers.parse_file(register.lower(), file, url, kind)
    except (scrapers.ScraperError, ValueError) as error:
        raise click.ClickException(str(error)) from None
    click.echo(json.dumps(scrapers.as_jsonable(result), indent=2, ensure_ascii=False))
