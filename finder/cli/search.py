"""`finder search`: the practices nearest a postcode, as the web page and API find them."""

from __future__ import annotations

import json

import click

from finder import db, search
from finder.cli import cli, load_config, open_postcodes
from finder.directory import SAMPLE_SOURCE
from finder.errors import InvalidInput
from finder.vocabulary import LANGUAGES, PROFESSIONS, REGISTER_NAMES, base_urls

OPTIONS = {
    "radius_km": "--radius-km",
    "page": "--page",
    "per_page": "--per-page",
    "language": "--language",
}
SAMPLE_NOTICE = "Sample data: these practices and people are fictional, made up for demonstration."


@cli.command(name="search")
@click.option(
    "--postcode", required=True, help="A full postcode (LS6 2AB) or its first part (LS6)."
)
@click.option(
    "--profession",
    "professions",
    multiple=True,
    type=click.Choice(list(PROFESSIONS), case_sensitive=False),
    help="Only this profession; repeat for more. Default: all three.",
)
@click.option(
    "--radius-km",
    metavar="KM",
    help=f"How far to look, up to {search.MAX_RADIUS_KM:g} km. [default: "
    f"{search.DEFAULT_RADIUS_KM:g}]",
)
@click.option("--page", metavar="N", help="Which page of results. [default: 1]")
@click.option(
    "--per-page",
    metavar="N",
    help=f"Results a page, up to {search.MAX_PER_PAGE}. [default: {search.DEFAULT_PER_PAGE}]",
)
@click.option("--home-visits", is_flag=True, help="Only practices that visit patients at home.")
@click.option("--wheelchair-access", is_flag=True, help="Only practices with wheelchair access.")
@click.option(
    "--language",
    metavar="CODE",
    help="Only practices where this language is spoken, by its code: cy (Welsh), pl "
    f"(Polish)... ({len(LANGUAGES)} codes: see the API's OpenAPI document).",
)
@click.option(
    "--registered-only",
    is_flag=True,
    help="Only practitioners whose registration is confirmed: registered or restricted at a "
    f"check at most {search.CONFIRMED_WITHIN_DAYS} days old, not doubted since.",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON, as the API answers.")
def search_command(
    postcode: str,
    professions: tuple[str, ...],
    radius_km: str | None,
    page: str | None,
    per_page: str | None,
    home_visits: bool,
    wheelchair_access: bool,
    language: str | None,
    registered_only: bool,
    as_json: bool,
) -> None:
    """Practices near a postcode, nearest first, with each practitioner's registration.

    finder search --postcode "LS6 2AB" --profession osteopath --radius-km 5 --language cy
    """
    config = load_config()
    chosen = {
        "home_visits": home_visits,
        "wheelchair_access": wheelchair_access,
        "language": language,
        "registered_only": registered_only,
    }
    try:  # the library checks the values, and names them as the API does
        filters = search.SearchFilters.from_params(chosen)
        query = search.Query.from_params(
            postcode, professions, radius_km, page, per_page, filters=filters
        )
    except InvalidInput as error:
        name, _, rest = error.message.partition(" ")
        raise click.UsageError(f"{OPTIONS.get(name, name)} {rest}") from None
    with (
        db.open_main(config["DATA_DIR"]) as database,
        open_postcodes(config["DATA_DIR"]) as table,
    ):
        found = search.search_postcode(database, table, query)
    bases = base_urls(config)
    if as_json:
        click.echo(json.dumps(found.to_dict(bases), indent=2))
        return
    results = found.results
    if any(hit.practice_source == SAMPLE_SOURCE for hit in (*results.hits, *found.nearest_outside)):
        click.echo(SAMPLE_NOTICE)
    where = found.location.postcode + (
        " (centre of the area)" if found.location.precision == "outcode" else ""
    )
    if not results.total:
        click.echo(found.empty_message("km"))
        _print_hits(found.nearest_outside)
        return
    first = (results.page - 1) * results.per_page + 1
    practices = "1 practice" if results.total == 1 else f"{results.total} practices"
    if query.filters.active:
        practices += " " + query.filters.phrase()
    if not results.hits:
        pages = "is only 1 page" if results.pages == 1 else f"are only {results.pages} pages"
        click.echo(f"{practices} within {query.radius_km:g} km of {where}; there {pages}.")
        return
    click.echo(
        f"{practices} within {query.radius_km:g} km of {where}, nearest "
        f"first; page {results.page} of {results.pages}:"
    )
    _print_hits(results.hits, first)


def _print_hits(hits, first: int = 1) -> None:
    for number, hit in enumerate(hits, start=first):
        practice = hit.practice
        click.echo(
            f"\n{number}. {practice.name}: {search.format_distance(hit.distance_km, 'km')}"
            f" ({search.format_distance(hit.distance_km, 'miles')})"
        )
        click.echo("   " + ", ".join([*practice.address, practice.postcode or ""]).strip(", "))
        contact = [x for x in (practice.phone, practice.email, practice.website) if x]
        if contact:
            click.echo("   " + " | ".join(contact))
        for person in hit.practitioners:
            state = person.registration
            status = (
                f"{state.outcome}, checked {state.checked_at}"
                if state.outcome
                else "not yet verified"
            )
            click.echo(
                f"   - {person.name}, {person.profession}, "
                f"{REGISTER_NAMES[person.register]} {person.registration_number}: {status}"
            )
