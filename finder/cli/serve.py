"""`finder serve`: the web service under waitress, a production WSGI server."""

from __future__ import annotations

import socket

import click

from finder.cli import cli, load_config


@cli.command()
@click.option("--host", help="Address to listen on (default FINDER_HOST, 127.0.0.1).")
@click.option("--port", type=int, help="Port to listen on (default FINDER_PORT, 5000).")
@click.option("--threads", type=int, help="Worker threads (default FINDER_THREADS, 8).")
def serve(host: str | None, port: int | None, threads: int | None) -> None:
    """Serve the web pages and the API with waitress.

    finder serve --port 5000
    """
    import waitress

    from finder import create_app

    config = load_config()
    app = create_app()  # which sets up logging, as it does under any other server
    host = host or config["HOST"]
    port = port or config["PORT"]
    _check_free(host, port)
    click.echo(f"Data folder: {config['DATA_DIR']}")
    click.echo(f"Serving on http://{_display(host)}:{port} (waitress); press Ctrl-C to stop.")
    waitress.serve(app, host=host, port=port, threads=threads or config["THREADS"], ident="finder")


def _check_free(host: str, port: int) -> None:
    """Fail with one line if we cannot listen (waitress would raise a traceback). The address
    family follows the host, so --host ::1 probes IPv6 and 127.0.0.1 IPv4."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
    except (socket.gaierror, UnicodeError) as error:
        reason = getattr(error, "strerror", None) or str(error)
        raise click.ClickException(
            f"Cannot listen on {_display(host)}:{port}: {reason}. Check --host or FINDER_HOST."
        ) from None
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as error:
            raise click.ClickException(
                f"Cannot listen on {_display(host)}:{port}: {error.strerror}. "
                "Choose another port with --port or FINDER_PORT."
            ) from None


def _display(host: str) -> str:
    """A host as it appears before :port in a URL (an IPv6 address goes in brackets)."""
    return f"[{host}]" if ":" in host else host
