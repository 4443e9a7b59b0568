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
def restore(folder: str, timestamp: str | None) -> None:
    """Restore finder.db from FINDER_REPLICA_URL into a new folder, check it, and say what
    it holds.

    finder restore --to /var/lib/finder-restored [--timestamp 2026-12-07T10:30:00Z]
    """
    config = load_config()
    moment = replication.parse_timestamp(timestamp) if timestamp else None
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
