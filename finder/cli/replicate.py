"""`finder replicate` and `finder restore`: finder.db's continuous backup with Litestream."""

from __future__ import annotations

import click

from finder import db as database
from finder import replication
from finder.cli import cli, load_config


@cli.command()
@click.option("--print-config", is_flag=True, help="Print the Litestream config and stop.")
@click.option("--systemd", is_flag=True, help="Print a systemd unit that runs this command.")
def replicate(print_config: bool, systemd: bool) -> None:
    """Stream finder.db to FINDER_REPLICA_URL with Litestream, until stopped.

    Run it beside `finder serve` on the writer. A write reaches the replica within
    FINDER_REPLICA_SYNC_INTERVAL seconds (plus the upload's own time).
    """
    config = load_config()
    if print_config:
        path = database.main_db_path(config["DATA_DIR"])
        click.echo(replication.config_yaml(path, config), nl=False)
        return
    if systemd:
        click.echo(replication.systemd_unit(config), nl=False)
        return
    url = replication.replica_url(config)  # one clear line before anything starts
    click.echo(f"Replicating {database.main_db_path(config['DATA_DIR'])} to {url}; Ctrl-C stops.")
    status = replication.replicate(config)
    if status != 0:
        raise click.ClickException(f"Litestream stopped with exit status {status}.")


@cli.command()
@click.option(
    "--to",
    "folder",
    required=True,
    type=click.Path(file_okay=False),
    help="Folder to restore finder.db into (it must not hold one).",
)
@click.option("--timestamp", help="Restore the copy as it was then (ISO 8601, UTC by default).")
@click.option(
    "--follow",
    is_flag=True,
    help="Reader nodes: keep the folder's copy current, refreshing it every "
    "FINDER_READER_REFRESH seconds, until stopped.",
)
def restore(folder: str, timestamp: str | None, follow: bool) -> None:
    """Restore finder.db from FINDER_REPLICA_URL into a new folder, check it, and say what
    it holds; or, with --follow, keep a reader node's copy current.

    finder restore --to /var/lib/finder-restored [--timestamp 2026-12-07T10:30:00Z]
    finder restore --follow --to /var/lib/finder
    """
    config = load_config()
    if follow:
        if timestamp is not None:
            raise click.UsageError("--follow keeps the newest copy: it takes no --timestamp.")
        _follow(config, folder)
        return
    moment = None if timestamp is None else replication.parse_timestamp(timestamp)
    restored = replication.restore_to(config, folder, moment)
    click.echo(f"Restored {restored.path} (Litestream transaction {restored.txid or '?'}).")
    click.echo("Integrity check: ok.")
    if restored.last_beat:
        click.echo(
            f"Last transaction: at or after {restored.last_beat} (the writer's newest heartbeat "
            "in the copy: every write committed before it is here)."
        )
    else:
        click.echo("Last transaction: unknown (the copy holds no heartbeat of `finder replicate`).")
    applied = ", ".join(restored.migrations_applied) or "none needed"
    click.echo(f"Migrations applied: {applied}.")
    click.echo("Rows:")
    for table, count in restored.row_counts.items():
        click.echo(f"  {table:<24} {count:>9,}")


def _follow(config: dict, folder: str) -> None:
    url = replication.replica_url(config)
    every = config["READER_REFRESH"]
    click.echo(f"Keeping {database.main_db_path(folder)} current from {url} every {every} s.")

    said = {"ok": False}  # a line for the first refresh and after each failure, not every one

    def report(lag: float | None, took: float, problem: str | None) -> None:
        if problem:
            click.echo(f"Not refreshed (the last copy stays): {problem}", err=True)
        elif not said["ok"]:
            behind = "unknown" if lag is None else f"{lag:.1f} s"
            click.echo(f"Refreshed in {took:.2f} s; the copy trails the writer by {behind}.")
        said["ok"] = problem is None

    try:
        replication.follow(config, folder, report=report)
    except KeyboardInterrupt:
        click.echo("Stopped.")
