"""`finder demo`: a clearly labelled sample directory, to use the service offline."""

from __future__ import annotations

import click

from finder import db, directory
from finder.cli import cli, load_config
from finder.directory import demo


@cli.command(name="demo")
@click.option(
    "--size",
    type=click.IntRange(1, 1_000_000),
    default=300,
    show_default=True,
    help="How many sample practices.",
)
@click.option(
    "--if-empty",
    is_flag=True,
    help="Do nothing (and succeed) when the directory already has practices.",
)
@click.option("--seed", type=int, help="Repeat the same names and numbers (places still vary).")
def demo_command(size: int, if_empty: bool, seed: int | None) -> None:
    """Fill an empty directory with a clearly labelled sample, to use the service offline.

    The practices are fictional, with made-up people and registration numbers, at real
    postcodes across England, Scotland, Wales and Northern Ireland; every page that shows them
    says "sample data". Needs the postcode table (`finder postcodes build`).

        finder demo --size 500
    """
    config = load_config()
    with db.open_main(config["DATA_DIR"]) as database:
        existing = directory.practice_count(database)
        if existing and if_empty:
            click.echo(f"The directory already has {existing:,} practices: no sample loaded.")
            return
        result = demo.load_sample(database, db.postcodes_db_path(config["DATA_DIR"]), size, seed)
    nations = ", ".join(
        f"{n.replace('_', ' ').title()} {c:,}" for n, c in sorted(result.nations.items())
    )
    click.echo(
        f"Loaded {result.practices:,} sample practices and {result.practitioners:,} "
        f"practitioners ({nations}) in {result.seconds:.1f} s."
    )
