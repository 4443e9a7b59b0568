"""`finder registers parse|selftest|capture`: read saved register pages, notice when a register
changes its pages, and save what it serves."""

from __future__ import annotations

import json
from pathlib import Path

import click

import scrapers
from finder import db, registrations
from finder.cli import cli, load_config
from finder.registrations import capture as captures
from finder.registrations import health


@cli.group(name="registers")
def registers_group() -> None:
    """Work with the HCPC, GOsC and GCC register pages.

    \b
        finder registers parse hcpc saved-page.html
        finder registers selftest
        finder registers capture gcc 01234 --out capture/
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


@registers_group.command(name="selftest")
@click.argument(
    "register", required=False, type=click.Choice(scrapers.REGISTERS, case_sensitive=False)
)
def selftest(register: str | None) -> None:
    """Check that each register's pages are still understood, by asking it about a few known
    registration numbers (FINDER_CANARY_NUMBERS, e.g. "hcpc:PH…,gosc:…,gcc:0…").

    Prints one line per register: ok, layout changed (and what was missing), canary not found,
    unavailable, or no canary numbers set. Exit status 1 when a register's pages changed (or a
    known number was not found), else 0; run it from cron beside the refresh.

    \b
        finder registers selftest
        finder registers selftest gcc
    """
    config = load_config()
    canaries = health.canary_numbers(str(config["CANARY_NUMBERS"]))
    chosen = [register.lower()] if register else list(scrapers.REGISTERS)
    database = db.open_main(config["DATA_DIR"])
    clients = registrations.clients_from_config(config)
    try:
        lines = [
            health.selftest(database, clients, name, canaries.get(name, [])) for name in chosen
        ]
    finally:
        clients.close()
        database.close()
    for line in lines:
        click.echo(str(line))
    if any(line.failed for line in lines):
        raise SystemExit(1)


@registers_group.command(name="capture")
@click.argument("register", type=click.Choice(scrapers.REGISTERS, case_sensitive=False))
@click.argument("number")
@click.option(
    "--out",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for the pages and capture.json (made if missing).",
)
def capture(register: str, number: str, out: Path) -> None:
    """Save exactly what the register serves for NUMBER: each page as it came, and
    capture.json with its address, time, HTTP status and headers. Then read the pages with
    `finder registers parse`, correct the constants at the top of scrapers/REGISTER.py, and
    keep the page (personal details replaced) as a test fixture.

    \b
        finder registers capture hcpc PH… --out capture/
    """
    config = load_config()
    clients = registrations.clients_from_config(config)
    try:
        result = captures.capture(clients, register.lower(), number, out)
    finally:
        clients.close()
    if not result.pages:  # the register answered nothing to keep: say so, and fail
        raise click.ClickException(
            f"Nothing was captured from {register.upper()} ({result.outcome}); what happened is "
            f"in {out / 'capture.json'}."
        )
    click.echo(f"{len(result.pages)} page(s) saved in {out}; the parser says: {result.outcome}")
    for page in result.pages:
        click.echo(
            f"  finder registers parse {result.register} {out / page['file']} "
            f"--url '{page['final_url']}'"
        )
