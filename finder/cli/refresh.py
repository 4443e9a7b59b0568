"""`finder refresh [gosc|gcc|hcpc|all] [--dry-run] [--resume] [--max-pages N] [--replace-sample]
[--json]`."""

from __future__ import annotations

import json
import sys

import click

import scrapers
from finder import db, refresh, registrations
from finder.cli import cli, load_config, open_postcodes
from finder.logs import configure_logging

NAMES = {"gosc": "GOsC", "gcc": "GCC", "hcpc": "HCPC"}


@cli.command(name="refresh")
@click.argument("register", type=click.Choice(["all", *refresh.WALK_ORDER]), default="all")
@click.option("--resume", is_flag=True, help="Continue the last unfinished refresh.")
@click.option("--dry-run", is_flag=True, help="Walk the registers but change nothing here.")
@click.option(
    "--max-pages",
    type=click.IntRange(min=1),
    help="Stop after N result pages (HCPC: N checks); --resume continues.",
)
@click.option(
    "--replace-sample",
    is_flag=True,
    help="Remove the sample directory (finder demo) from this folder first.",
)
@click.option(
    "--retire-any-share",
    is_flag=True,
    help="Retire whatever a complete walk no longer finds, even more than a fifth of a "
    "register's practices (refused otherwise, as a register listing fewer is likelier).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
def refresh_command(
    register: str,
    resume: bool,
    dry_run: bool,
    max_pages: int | None,
    replace_sample: bool,
    retire_any_share: bool,
    as_json: bool,
) -> None:
    """Bring the directory up to date from the public registers.

    GOsC and GCC: every practice and practitioner on the register, paged through whole where
    the register allows it, else from search centres covering the UK (the summary says which,
    and why); each listed osteopath's GOsC entry is read once per refresh, so statuses stay
    current. HCPC: every physiotherapist in the directory re-checked by number. Anyone a
    register no longer lists is retired (kept, out of search), unless that is more than a
    fifth of a register's practices at once: then nothing is retired and the summary says so
    (--retire-any-share allows it). Requests are
    FINDER_REQUEST_INTERVAL seconds apart; Ctrl-C is safe: `--resume` goes on from the last
    page. The web service keeps answering throughout. While a register does not answer, a
    line says why and what the refresh does meanwhile.

    A data folder holding the sample directory is refused, so no register is asked about a
    made-up number: run `finder demo --remove` first, or add --replace-sample.

    \b
        finder refresh gcc --max-pages 5
        finder refresh all
        finder refresh --resume
        finder refresh hcpc --json
    """
    configure_logging()
    config = load_config()
    data_dir = config["DATA_DIR"]
    registers = list(refresh.WALK_ORDER) if register == "all" else [register]
    table = open_postcodes(data_dir)
    clients = registrations.clients_from_config(config)
    bars: dict[str, object] = {}

    def progress(update: refresh.Progress) -> None:
        if update.reason:  # on stderr even with --json, so a wait is never silent
            after_bar = "\n" if bars and sys.stdout.isatty() else ""
            click.echo(f"{after_bar}{NAMES[update.register]}: {update.reason}", err=True)
        if as_json:
            return
        bar = bars.get(update.register)
        if bar is None:
            for other in bars.values():
                other.render_finish()
            bar = click.progressbar(
                length=max(update.total, 1),
                label=f"{NAMES[update.register]:5}",
                show_eta=True,
                show_pos=True,
            )
            bars[update.register] = bar
        bar.update(update.done - bar.pos)

    options = refresh.Options(clients=clients, postcodes=table, max_pages=max_pages,
                              progress=progress,
                              max_retire_share=1.0 if retire_any_share else 0.2)  # fmt: skip
    try:
        result = refresh.refresh(
            db.main_db_path(data_dir), registers, options, resume=resume, dry_run=dry_run,
            replace_sample=replace_sample,
        )  # fmt: skip
    except KeyboardInterrupt:
        then = (
            "the dry run changed nothing."
            if dry_run
            else "run `finder refresh --resume` to continue."
        )
        click.echo(f"\nInterrupted: {then}", err=True)
        raise SystemExit(130) from None
    finally:
        for bar in bars.values():
            bar.render_finish()
        table.close()
        clients.close()
    if as_json:
        click.echo(json.dumps(result, indent=2))
    else:
        click.echo("\n".join(describe(result)))
    if any(r["errors"] for r in result["registers"].values()):
        raise SystemExit(1)


def describe(result: dict) -> list[str]:
    lines = []
    dry_run = result.get("dry_run")
    if result.get("sample_practices_removed"):
        removed = "Would remove" if dry_run else "Removed"
        lines.append(
            f"{removed} the sample directory ({result['sample_practices_removed']:,} practices)."
        )
    if dry_run:
        # The dry run's copy is gone: there is never anything to resume after one.
        ended = "finished" if result["state"] == "finished" else f"stopped: {_why(result)}"
        lines.append(f"Dry run (nothing was changed) {ended}.")
    elif result["state"] == "finished":
        lines.append(f"Refresh {result['run']} finished.")
    else:
        lines.append(
            f"Refresh {result['run']} stopped before the end ({_why(result)}): "
            "run `finder refresh --resume` to continue."
        )
    for register, report in result["registers"].items():
        lines.append(
            f"{NAMES[register]}: {report['state']}, {report['pages']:,} pages/checks "
            f"in {_duration(report['seconds'])}"
        )
        if report.get("walk"):
            lines.append(f"  walked: {_walk_words(register, report)}")
        for kind in ("practices", "practitioners"):
            counts = report[kind]
            if register == "hcpc" and kind == "practices":
                continue
            lines.append(
                f"  {kind}: {counts['added']:,} added, {counts['updated']:,} updated, "
                f"{counts['retired']:,} retired, {counts['unchanged']:,} unchanged"
            )
        if report["unlocated"]:
            lines.append(f"  {len(report['unlocated']):,} practices without a location:")
            lines.extend(f"    {u['practice']}: {u['reason']}" for u in report["unlocated"][:20])
        lines.append(f"  errors: {len(report['errors']):,}")
        lines.extend(f"    {e['where']}: {e['message']}" for e in report["errors"][:20])
    return lines


def _walk_words(register: str, report: dict) -> str:
    """'the whole register (no query)', or 'search centres, because ...'."""
    if report["walk"].startswith("whole:"):
        ways = scrapers.register_module(register).WHOLE_REGISTER_WALKS
        walked = f"the whole register ({ways[int(report['walk'].removeprefix('whole:'))][0]})"
    else:
        walked = "search centres"
    return f"{walked}, because {report['walk_note']}" if report["walk_note"] else walked


def _why(result: dict) -> str:
    failed = [NAMES[r] for r, report in result["registers"].items() if report["state"] == "failed"]
    if failed:
        return f"{' and '.join(failed)} stopped on the errors below"
    return "the page budget (--max-pages) ran out"


def _duration(seconds: float) -> str:
    minutes, secs = divmod(int(round(seconds)), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h {minutes:02d}m {secs:02d}s" if hours else f"{minutes}m {secs:02d}s"
