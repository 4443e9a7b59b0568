"""`finder check REGISTER NUMBER` and `finder check --csv IN --out OUT`."""

from __future__ import annotations

import json
import os
import sys
from collections import Counter
from datetime import timedelta
from pathlib import Path

import click

from finder import db, registrations
from finder.cli import cli, load_config
from finder.vocabulary import REGISTER_NAMES

# The exit status of a single check whose outcome is `unknown` (the register could not say):
# a script can tell it from a definite answer (0), an error (1) and a wrong command (2).
EXIT_UNKNOWN = 3


@cli.command(name="check")
@click.argument("register", required=False)
@click.argument("number", required=False)
@click.option("--name", help="The name you hold for them, to compare with the register's.")
@click.option("--refresh", is_flag=True, help="Ask the register even if the cache is fresh.")
@click.option(
    "--max-age-days",
    type=click.IntRange(min=0),
    help="Use a cached answer up to this many days old (default: 7, or 1 at renewal time).",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON, as the API answers.")
@click.option(
    "--csv",
    "csv_in",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Check every row of this CSV (register,registration_number[,name], other columns kept).",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Where to write the results CSV of --csv ('-' for the screen).",
)
def check_command(
    register: str | None,
    number: str | None,
    name: str | None,
    refresh: bool,
    max_age_days: int | None,
    as_json: bool,
    csv_in: Path | None,
    out: Path | None,
) -> None:
    """Check a registration against the HCPC, GOsC or GCC register, or a whole CSV of them.

    Answers come from the cache when fresh enough; when a register is down you get the last
    good answer marked stale, or `unknown` with the reason.

    Exit status of a single check: 0 for a definite answer (registered, restricted, inactive,
    not_found, a stale one included), 3 when the outcome is unknown, 1 for an error, 2 for a
    wrong command. With --csv it is 0 once the results are written: read each row's outcome.

    \b
        finder check hcpc PH123456 --name "Ellis Example"
        finder check gcc 04567 --json
        finder check --csv insured.csv --out checked.csv
    """
    config = load_config()
    max_age = timedelta(days=max_age_days) if max_age_days is not None else None
    if csv_in is not None:
        if register or number or name:
            raise click.UsageError("Give either REGISTER NUMBER or --csv, not both.")
        if out is None:
            raise click.UsageError("--csv needs --out FILE for the results ('-' for the screen).")
        _require_writable_folder(out)  # before any check, not after an hour of them
        _check_csv(config, csv_in, out, refresh=refresh, max_age=max_age)
        return
    if not register or not number:
        raise click.UsageError("Give REGISTER and NUMBER (e.g. hcpc PH123456), or --csv FILE.")
    database = db.open_main(config["DATA_DIR"])
    clients = registrations.clients_from_config(config)
    try:
        result = registrations.check(
            database, register, number, name, clients=clients, max_age=max_age, refresh=refresh
        )
    finally:
        clients.close()
        database.close()
    if as_json:
        click.echo(json.dumps(result.to_dict(), indent=2, ensure_ascii=False))
    else:
        click.echo("\n".join(describe(result.to_dict())))
    if result.outcome == "unknown":
        raise SystemExit(EXIT_UNKNOWN)


def _require_writable_folder(out: Path) -> None:
    if str(out) == "-":
        return
    folder = out.parent if str(out.parent) else Path(".")
    if not folder.is_dir():
        raise click.BadParameter(
            f"the folder {str(folder)!r} does not exist: create it first.", param_hint="'--out'"
        )
    if not os.access(folder, os.W_OK | os.X_OK):
        raise click.BadParameter(
            f"cannot write in the folder {str(folder)!r}: choose another.", param_hint="'--out'"
        )


def describe(result: dict) -> list[str]:
    """A check result as lines for a person to read."""
    lines = [
        f"{REGISTER_NAMES[result['register']]} {result['registration_number']}: "
        f"{result['outcome'].replace('_', ' ')}"
        + (" (stale: the last clear answer; see the reason)" if result["stale"] else "")
    ]

    def add(label: str, value: object) -> None:
        if value not in (None, ""):
            lines.append(f"  {label + ':':<24}{value}")

    add("Status on the register", result["status_raw"])
    add("Name on the register", result["name_on_register"])
    match = result["name_match"]
    if match:
        add("Name you gave", f"{match['name_given']} ({match['verdict']}, score {match['score']})")
    add("Checked at", result["checked_at"])
    add("Source", result["source_url"])
    add("Evidence (SHA-256)", result["evidence_sha256"])
    add("Changed since last", "yes" if result["changed"] else None)
    add("Reason", result["reason"])
    return lines


def _check_csv(
    config: dict, csv_in: Path, out: Path, *, refresh: bool, max_age: timedelta | None
) -> None:
    rows = registrations.read_csv(csv_in.read_bytes())
    db.open_main(config["DATA_DIR"]).close()  # migrations, before the workers open it
    clients = registrations.clients_from_config(config)
    try:
        with click.progressbar(
            length=len(rows), label="Checking", show_eta=True, show_pos=True, file=sys.stderr
        ) as bar:
            results = registrations.check_many(
                db.main_db_path(config["DATA_DIR"]),
                rows,
                clients=clients,
                max_age=max_age,
                refresh=refresh,
                progress=bar.update,
            )
    finally:
        clients.close()
    text = registrations.write_csv(results)
    if str(out) == "-":
        click.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8", newline="")
    counts = Counter("error" if r["error"] else r["outcome"] for r in results)
    stale = sum(1 for r in results if r["stale"])
    summary = ", ".join(f"{count} {outcome}" for outcome, count in sorted(counts.items()))
    click.echo(
        f"{len(results)} rows checked: {summary}" + (f"; {stale} stale" if stale else ""),
        err=True,
    )
