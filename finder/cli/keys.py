"""`finder keys create|list|revoke`: API keys for the bulk and history endpoints."""

from __future__ import annotations

import click

from finder import db
from finder.cli import cli, load_config
from finder.registrations import apikeys


@cli.group(name="keys")
def keys_group() -> None:
    """Make, list and revoke API keys (needed for bulk checks, history and watchlists).

    \b
        finder keys create "Acme Insurance"
        finder keys create "Acme claims team" --owner "Acme Insurance"
        finder keys list
        finder keys revoke "Acme Insurance"
    """


@keys_group.command(name="create")
@click.argument("name")
@click.option(
    "--owner",
    metavar="ORG",
    help="The organisation the key is for (default: NAME). Every key of one owner sees the "
    "same watchlists.",
)
def create(name: str, owner: str | None) -> None:
    """Make a key called NAME and print it. It is shown only this once: only a hash is kept.

    finder keys create "Acme claims team" --owner "Acme Insurance"
    """
    with db.open_main(load_config()["DATA_DIR"]) as database:
        key = apikeys.create(database, name, owner)
    click.echo(key)
    holder = f"{name!r}" if owner is None else f"{name!r} of {owner.strip()!r}"
    click.echo(
        f"API key for {holder}: send it as 'Authorization: Bearer <key>'. "
        "Keep it now: it cannot be shown again.",
        err=True,
    )


@keys_group.command(name="list")
def list_command() -> None:
    """List every key's name, its owner, when it was made and when (if ever) it was revoked.

    finder keys list
    """
    with db.open_main(load_config()["DATA_DIR"]) as database:
        keys = apikeys.list_keys(database)
    if not keys:
        click.echo("No API keys yet: make one with `finder keys create NAME`.")
        return
    for key in keys:
        state = f"revoked {key['revoked_at']}" if key["revoked_at"] else "active"
        click.echo(f"{key['name']}\towner {key['owner']}\tcreated {key['created_at']}\t{state}")


@keys_group.command(name="revoke")
@click.argument("name")
def revoke(name: str) -> None:
    """Stop the key called NAME working, at once.

    finder keys revoke "Acme Insurance"
    """
    with db.open_main(load_config()["DATA_DIR"]) as database:
        apikeys.revoke(database, name)
    click.echo(f"Revoked the API key {name!r}.")
