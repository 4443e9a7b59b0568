"""`finder postcodes build` and `finder postcode PC`."""

from __future__ import annotations

import json

import click

from finder import db
from finder.cli import cli, load_config, open_postcodes
from finder.places import postcodes


@cli.group(name="postcodes")
def postcodes_group() -> None:
    """Build the offline postcode table."""


@postcodes_group.command(name="build")
@click.option("--if-missing", is_flag=True, help="Do nothing if the table already exists.")
@click.option("--areas", help="Only these postcode areas, comma-separated (e.g. LS,BT): for tests.")
def build(if_missing: bool, areas: str | None) -> None:
    """Build the postcode table from the packaged ONS Postcode Directory.

    Takes about half a minute for all 2.7 million UK postcodes. The new table replaces the old
    one only when it is complete.

        finder postcodes build
    """
    path = db.postcodes_db_path(load_config()["DATA_DIR"])
    if if_missing and path.exists():
        click.echo(f"Postcode table already built: {path}")
        return
    files = postcodes.source_files()
    with click.progressbar(
        length=len(files), label="Building postcode table", show_eta=True, show_pos=True
    ) as bar:
        result = postcodes.build(
            path,
            areas_only=areas.split(",") if areas else None,
            progress=lambda _file: bar.update(1),
        )
    click.echo(
        f"Built {result.postcodes:,} postcodes and {result.outcodes:,} outward codes "
        f"in {result.seconds:.0f} s: {result.path}"
    )


@cli.command(name="postcode")
@click.argument("postcode")
@click.option("--json", "as_json", is_flag=True, help="Print JSON, as the API answers.")
def postcode(postcode: str, as_json: bool) -> None:
    """Look up a postcode (LS6 2AB) or an outward code (LS6).

    finder postcode "LS6 2AB"
    """
    with open_postcodes() as table:
        location = table.lookup(postcode)
    if as_json:
        click.echo(json.dumps(location.to_dict(), indent=2))
        return
    kind = "Postcode" if location.precision == "postcode" else "Outward code (centre)"
    click.echo(f"{kind}: {location.postcode}")
    click.echo(f"Latitude, longitude: {location.latitude}, {location.longitude}")
    click.echo(f"Local authority: {location.lad_name} ({location.lad_code})")
    click.echo(f"Nation: {location.nation.replace('_', ' ').title()}")
    if location.note:
        click.echo(f"Note: {location.note}")
