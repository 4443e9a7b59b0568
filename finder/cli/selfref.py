"""`finder selfref PC [--json]`, `finder selfref validate` and `finder selfref coverage`."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import textwrap

import click

from finder import db, selfref
from finder.cli import cli, load_config, open_postcodes
from finder.places import areas


class PostcodeOrCommand(click.Group):
    """`finder selfref LS6` runs the `lookup` command; `finder selfref validate` validates."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h"):
            args = ["lookup", *args]
        return super().parse_args(ctx, args)


@cli.group(name="selfref", cls=PostcodeOrCommand)
def selfref_group() -> None:
    """Can I refer myself to NHS physiotherapy near a postcode?

    \b
        finder selfref "G1 1AB"
        finder selfref "G1 1AB" --json
        finder selfref validate
        finder selfref coverage --json
    """


@selfref_group.command(name="lookup")
@click.argument("postcode")
@click.option("--json", "as_json", is_flag=True, help="Print JSON, as the API answers.")
def lookup(postcode: str, as_json: bool) -> None:
    """Say whether NHS physiotherapy self-referral is available near POSTCODE, and how.

    finder selfref "LL53 7BE"
    """
    with open_postcodes() as table:
        answer = selfref.answer(table.lookup(postcode))
    if as_json:
        click.echo(json.dumps(answer, indent=2))
        return
    click.echo("\n".join(describe(answer)))


def _wrap(text: str, indent: str = "") -> str:
    return textwrap.fill(
        text, width=88, initial_indent=indent, subsequent_indent=indent,
        break_long_words=False, break_on_hyphens=False,  # keep web addresses whole
    )  # fmt: skip


def describe(answer: dict) -> list[str]:
    """The answer as plain text lines for the terminal."""
    area = answer["area"]
    lines = [f"{answer['postcode']['postcode']}: {area['lad']['name']}, {area['nation_name']}"]
    rule = area["postcode_district_rule"]
    for nhs in area["nhs_areas"]:
        part = ", for part of this council area" if nhs["partial"] else ""
        if rule and nhs["name"] == rule["nhs_area"]:
            part = f", for the {rule['post_town']} part ({rule['district']}) of this council area"
        lines.append(f"NHS area: {nhs['name']} ({nhs['type_name']}{part})")
    lines += ["", _wrap(answer["headline"]), ""]
    for service in answer["services"]:
        lines.append(f"{service['provider']}: {service['name']} [{service['status']}]")
        how = "; ".join(m["text"] for m in service["methods"]) or "not confirmed: see the link"
        lines.append(_wrap(f"How: {how}", "  "))
        for label, key in (("Link", "url"), ("Phone", "phone"), ("Minimum age", "min_age")):
            if service[key]:
                lines.append(f"  {label}: {service[key]}")
        if service["covers_part_of_area"]:
            lines.append("  Covers only part of this council area.")
        lines.append(_wrap(service["eligibility"] or "Who can use it: not recorded.", "  "))
        lines.append(_checked(service, "  "))
        lines.append("")
    fallback = answer["fallback"]
    lines += [_wrap(fallback["eligibility"]), _checked(fallback, ""), ""]
    lines += [_wrap(answer["gp_practice_caveat"]), ""]
    red = answer["red_flags"]
    lines.append("Get help urgently instead if you have back pain with:")
    lines += [f"  - {symptom}" for symptom in red["symptoms"]]
    lines.append(_wrap(f"If so, do not refer yourself: {red['action']}."))
    lines.append("Talk to a GP before you refer yourself if:")
    lines += [f"  - {reason}" for reason in red["see_gp_first"]]
    return lines


def _checked(service: dict, indent: str) -> str:
    dated = f"dated {service['source_date_text']}" if service["source_date_text"] else "undated"
    old = " The source is more than 3 years old." if service["source_older_than_3_years"] else ""
    stale = " MAY BE OUT OF DATE." if service["stale"] else ""
    quote = f'"{service["evidence_quote"]}" ' if service["evidence_quote"] else ""
    return _wrap(
        f"{quote}Source {dated}, read on {service['read_on']} ({service['verified_from']}): "
        f"{service['source_url']}.{old}{stale}",
        indent,
    )


@selfref_group.command(name="validate")
def validate() -> None:
    """Check the self-referral dataset: every local authority in the postcode data is covered
    (at least by its nation's fallback), every row has a source URL and a date, addresses are
    well formed and no area has contradicting services. Prints one line per problem and exits
    1 if there are any.

        finder selfref validate
    """
    lads, where = _postcode_lads()
    uk = sum(nation in areas.NATIONS for nation in lads.values())
    problems = selfref.validate(lads=lads, today=dt.date.today())
    for problem in problems:
        click.echo(problem)
    if problems:
        raise click.exceptions.Exit(1)
    services = selfref.dataset().services.values()
    click.echo(
        f"OK: all {uk} UK local authorities ({where}) have an answer; "
        f"{sum(s.kind == 'service' for s in services)} services and "
        f"{sum(s.kind == 'fallback' for s in services)} fallbacks checked."
    )


def _postcode_lads() -> tuple[dict[str, str], str]:
    """LAD code -> nation, from the built postcode table when there is one, else lads.csv."""
    path = db.postcodes_db_path(load_config()["DATA_DIR"])
    if path.exists():
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            rows = con.execute("select code, nation from lads").fetchall()
        finally:
            con.close()
        return dict(rows), "postcode table"
    return {code: nation for code, _name, nation in areas.lad_rows()}, "lads.csv"


@selfref_group.command(name="coverage")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def coverage(as_json: bool) -> None:
    """Show, per nation and for the UK, the share of local authorities and of postcodes with a
    known self-referral answer, and how old the sources behind them are.

        finder selfref coverage
    """
    from finder.selfref import coverage as counting

    with open_postcodes() as table:
        figures = counting.coverage(counting.postcode_counts(table.db), today=dt.date.today())
    if as_json:
        click.echo(json.dumps(figures, indent=2))
        return
    click.echo("\n".join(counting.describe(figures)))
