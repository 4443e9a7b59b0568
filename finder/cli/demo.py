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
    help="Do nothing (and succeed) when the directory already has practices or practitioners.",
)
@click.option("--seed", type=int, help="Repeat the same names and numbers (places still vary).")
@click.option(
    "--remove",
    is_flag=True,
    help="Take the sample out again: its practices, practitioners and registration states.",
)
def demo_command(size: int, if_empty: bool, seed: int | None, remove: bool) -> None:
    """Fill an empty directory with a clearly labelled sample, to use the service offline.

    The practices are fictional, with made-up people and registration numbers, at real
    postcodes across England, Scotland, Wales and Northern Ireland; every page that shows them
    says "sample data". Needs the postcode table (`finder postcodes build`). The sample only
    fills an empty directory, and `finder import` refuses a folder holding it: `--remove`
    takes every sample row out, leaving any real data as it is.

    \b
        finder demo --size 500
        finder demo --remove
    """
    if remove and if_empty:
        raise click.UsageError("--remove and --if-empty do not go together: choose one.")
    config = load_config()
    with db.open_main(config["DATA_DIR"]) as database:
        if remove:
            _remove(database)
            return
        practices, practitioners = directory.directory_rows(database)
        if (practices or practitioners) and if_empty:
            held = demo.what_it_holds(practices, practitioners)
            click.echo(f"The directory already has {held}: no sample loaded.")
            return
        result = demo.load_sample(database, db.postcodes_db_path(config["DATA_DIR"]), size, seed)
    nations = ", ".join(
        f"{n.replace('_', ' ').title()} {c:,}" for n, c in sorted(result.nations.items())
    )
    click.echo(
        f"Loaded {result.practices:,} sample practices and {result.practitioners:,} "
        f"practitioners ({nations}) in {result.seconds:.1f} s."
    )


def _remove(database) -> None:
    if not directory.sample_present(database):
        click.echo("The directory holds no sample data: nothing removed.")
        return
    removed = demo.remove_sample(database)
    click.echo(
        f"Removed the sample: {removed.practices:,} practices, {removed.practitioners:,} "
        f"practitioners and {removed.registration_states:,} registration states."
    )
