"""`finder watch list|events|run`: insurers' watchlists, their change events and the monitor.

The watchlists themselves are made and filled through the API by their owners (README); an
operator lists them, reads their events and runs the monitor here.
"""

from __future__ import annotations

import signal

import click

from finder import db, registrations, watch
from finder.cli import cli, load_config
from finder.logs import configure_logging
from finder.watch import monitor


@cli.group(name="watch")
def watch_group() -> None:
    """Watchlists: list them, read their change events, run the monitor.

    \b
        finder watch list
        finder watch events "Clinicians" --since 2026-12-01 --csv
        finder watch run --once
    """


@watch_group.command(name="list")
@click.option("--owner", metavar="ORG", help="Only this owner's watchlists.")
def list_command(owner: str | None) -> None:
    """List the watchlists: id, owner, name, entries, webhook.

    finder watch list --owner "Acme Insurance"
    """
    with db.open_main(load_config()["DATA_DIR"]) as database:
        found = watch.list_watchlists(database, owner)
    if not found:
        click.echo("No watchlists yet: an API key's holder makes them (POST /api/v1/watchlists).")
        return
    for item in found:
        hook = item["webhook_url"] or "no webhook"
        count = f"{item['entries']} {'entry' if item['entries'] == 1 else 'entries'}"
        fields = (item["id"], item["owner"], item["name"], count, hook)
        click.echo("\t".join(printable(field) for field in fields))


@watch_group.command(name="events")
@click.argument("name")
@click.option("--owner", metavar="ORG", help="Whose watchlist, when several owners use NAME.")
@click.option("--since", metavar="DATE", help="Only events from this date (2026-12-01) or time.")
@click.option("--csv", "as_csv", is_flag=True, help="CSV, the columns of the API's events CSV.")
def events_command(name: str, owner: str | None, since: str | None, as_csv: bool) -> None:
    """Print the change events of the watchlist NAME, oldest first.

    finder watch events "Clinicians" --since 2026-12-01 --csv > changes.csv
    """
    since_at = None if since is None else watch.parse_since(since)
    with db.open_main(load_config()["DATA_DIR"]) as database:
        watchlist = watch.find_watchlist(database, name, owner)
        found, cursor = [], None
        while True:
            page, cursor = watch.events_page(
                database, watchlist["id"], after=cursor, since=since_at,
                limit=watch.MAX_EVENTS_PAGE,
            )  # fmt: skip
            found += page
            if len(page) < watch.MAX_EVENTS_PAGE:
                break
    if as_csv:
        click.echo(watch.events_csv(found), nl=False)
        return
    if not found:
        click.echo(f"No events for {watchlist['name']!r}" + (f" since {since}." if since else "."))
        return
    for event in found:
        click.echo(printable(_line(event)))


def printable(value: object) -> str:
    """Text safe to print: names come from API uploads and register pages, and a control or
    bidi character in them could rewrite what the operator's terminal shows."""
    return "".join(c if c.isprintable() else "\ufffd" for c in str(value))


def _line(event: dict) -> str:
    """'2026-12-07T10:00:00Z  outcome_changed  hcpc PH123456 (Ellis Example): registered
    "Registered" -> inactive "Lapsed"  [ev_...]'."""
    entry, before, after = event["entry"], event["before"], event["after"]

    def state(side: dict) -> str:
        words = f' "{side["status_raw"]}"' if side["status_raw"] else ""
        return f"{side['outcome'] or 'unknown'}{words}"

    who = f"{entry['register']} {entry['registration_number']}"
    who += f" ({entry['name']})" if entry["name"] else ""
    return (
        f"{event['created_at']}  {event['kind']}  {who}: {state(before)} -> {state(after)}"
        f"  [{event['id']}]"
    )


# --- finder watch run (the monitor): H18b's, below this line ------------------------------


@watch_group.command(name="run")
@click.option(
    "--once", is_flag=True, help="Run one cycle, deliver what is due, then exit (for cron)."
)
def run_command(once: bool) -> None:
    """Re-check the watched registrations with the registers and send their changes.

    A cycle checks every registration due (FINDER_WATCH_RECHECK_HOURS after its last check)
    once, one request at a time per register at FINDER_REQUEST_INTERVAL, those most likely to
    have changed first (a renewal window, an unsettled last answer), and POSTs each change to
    its watchlist's webhook, retrying failed deliveries for FINDER_WEBHOOK_RETRY_HOURS.
    Without --once it keeps going (a systemd service); only one runs at a time. It says first
    how long a cycle takes at the registers' pace. See docs/operations.md.

    \b
        finder watch run --once
        finder watch run
    """
    configure_logging()
    config = load_config()
    db.open_main(config["DATA_DIR"]).close()  # made and migrated before the threads open it
    with monitor.MonitorLock(config["DATA_DIR"]):
        clients = registrations.clients_from_config(config)
        watcher = monitor.Monitor(db.main_db_path(config["DATA_DIR"]), config, clients)
        previous = signal.signal(signal.SIGTERM, lambda *_: watcher.stop.set())
        try:
            _run(watcher, once)
        except KeyboardInterrupt:
            click.echo("Stopped: every check made so far is saved.")
        finally:
            signal.signal(signal.SIGTERM, previous)
            clients.close()


def _run(watcher: monitor.Monitor, once: bool) -> None:
    estimates = watcher.estimates()
    for estimate in estimates:
        click.echo(estimate.describe())
    if not estimates:
        click.echo("Nothing is watched yet: watchlists are filled through the API (README).")
    if not once:
        watcher.run_forever()
        return
    tallies = watcher.run_cycle()
    for tally in tallies.values():
        if tally.due:
            click.echo(tally.describe())
    tries = watcher.delivered
    if tries:
        delivered = sum(t.sent.delivered for t in tries)
        later = sum(not t.sent.delivered and t.next_attempt_at is not None for t in tries)
        given_up = len(tries) - delivered - later
        click.echo(
            f"Webhooks: {delivered} delivered, {later} to be tried again later, "
            f"{given_up} given up."
        )
