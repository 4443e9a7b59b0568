"""`finder refresh [gosc|gcc|hcpc|all] [--dry-run] [--resume] [--max-pages N] [--json]`."""

from __future__ import annotations

import json

import click

from finder import db, refresh, registrations
from finder.cli import cli, configure_logging, load_config, open_postcodes

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
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
def refresh_command(
    register: str, resume: bool, dry_run: bool, max_pages: int | None, as_json: bool
) -> None:
    """Bring the directory up to date from the public registers.

    GOsC and GCC: every practice and practitioner their location searches list, from search
    centres covering the UK. HCPC: every physiotherapist in the directory re-checked by
    number. Anyone a register no longer lists is retired (kept, out of search). Requests are
    FINDER_REQUEST_INTERVAL seconds apart; Ctrl-C is safe: `--resume` goes on from the last
    page. The web service keeps answering throughout.

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
                              progress=progress)  # fmt: skip
    try:
        result = refresh.refresh(
            db.main_db_path(data_dir), registers, options, resume=resume, dry_run=dry_run
        )
    except KeyboardInterrupt:
        click.echo("\nInterrupted: run `finder refresh --resume` to continue.", err=True)
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
    prefix = "Dry run (nothing was changed): " if result.get("dry_run") else ""
    if result["state"] == "finished":
        lines.append(f"{prefix}Refresh {result['run']} finished.")
    else:
        lines.append(
            f"{prefix}Refresh {result['run']} stopped before the end: "
            "run `finder refresh --resume` to continue."
        )
    for register, report in result["registers"].items():
        lines.append(
            f"{NAMES[register]}: {report['state']}, {report['pages']:,} pages/checks "
            f"in {_duration(report['seconds'])}"
        )
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


def _duration(seconds: float) -> str:
    minutes, secs = divmod(int(round(seconds)), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h {minutes:02d}m {secs:02d}s" if hours else f"{minutes}m {secs:02d}s"
