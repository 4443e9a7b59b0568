"""`finder import FILE.csv [--dry-run] [--replace-sample] [--json]`."""

from __future__ import annotations

import json
from pathlib import Path

import click

from finder import db
from finder.cli import cli, load_config, open_postcodes
from finder.directory import importer


@cli.command(name="import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Validate and count, but change nothing.")
@click.option(
    "--replace-sample",
    is_flag=True,
    help="Remove the sample directory (finder demo) from this folder first.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def import_command(file: Path, dry_run: bool, replace_sample: bool, as_json: bool) -> None:
    """Load a provider list (CSV) into the directory so its practices can be found.

    Columns: practitioner_name, profession, registration_number, practice_name, postcode
    (required); register, address_1, address_2, address_3, town, phone, email, website,
    features (optional; features separated by ';': home_visits, wheelchair_access,
    language:Welsh). Bad rows are listed with their line numbers; good rows still load.
    Importing the same file again changes nothing. Imported practitioners show as
    "not yet verified" until `finder refresh` checks them on their register.

    Rows with the same practice_name and postcode are one practice. A blank cell never
    overwrites what an earlier row or import gave; to empty a field, write CLEAR in its cell
    (for the address, in address_1 with the other address cells blank).

    A data folder holding the sample directory takes no real data: run `finder demo
    --remove` first, or add --replace-sample to remove it in the same transaction.

    \b
        finder import providers.csv --dry-run
        finder import providers.csv
        finder import providers.csv --replace-sample
    """
    data_dir = load_config()["DATA_DIR"]
    with (
        open_postcodes(data_dir) as table,
        db.open_main(data_dir) as database,
    ):
        report = importer.import_csv(
            database, file.read_bytes(), table, dry_run=dry_run, replace_sample=replace_sample
        )
    if as_json:
        click.echo(json.dumps(report.to_dict(), indent=2))
    else:
        click.echo("\n".join(describe(report, file.name)))
    if report.errors:
        raise SystemExit(1)


def describe(report: importer.ImportReport, name: str) -> list[str]:
    verb = "Would load" if report.dry_run else "Loaded"
    lines = []
    if report.sample_practices_removed:
        removed = "Would remove" if report.dry_run else "Removed"
        lines.append(
            f"{removed} the sample directory ({report.sample_practices_removed:,} practices)."
        )
    lines.append(f"{verb} {report.loaded:,} of {report.rows:,} rows from {name}.")
    for what, counts in (("Practitioners", report.practitioners), ("Practices", report.practices)):
        lines.append(
            f"{what}: {counts['added']:,} added, {counts['updated']:,} updated, "
            f"{counts['unchanged']:,} unchanged."
        )
    lines.append(f"Queued for a registration check: {report.queued:,}.")
    if report.errors:
        lines.append(f"{len(report.errors):,} rows not loaded:")
        lines.extend(f"  line {error.line}: {error.message}" for error in report.errors)
    return lines
