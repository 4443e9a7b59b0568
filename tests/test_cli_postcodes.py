import json
import socket

import pytest

from finder.cli import cli


def test_postcode_command_prints_the_place(runner):
    result = runner.invoke(cli, ["postcode", "cf24 3aa"])
    assert result.exit_code == 0
    assert result.output.splitlines() == [
        "Postcode: CF24 3AA",
        "Latitude, longitude: 51.484591, -3.169657",
        "Local authority: Cardiff (W06000015)",
        "Nation: Wales",
    ]


def test_postcode_command_prints_the_api_json(runner):
    result = runner.invoke(cli, ["postcode", "BT1 1AA", "--json"])
    body = json.loads(result.output)
    assert (body["postcode"], body["nation"], body["lad"]["name"]) == (
        "BT1 1AA",
        "northern_ireland",
        "Belfast",
    )


def test_postcode_command_gives_one_line_and_exit_1_for_a_bad_postcode(runner):
    result = runner.invoke(cli, ["postcode", "LS6 2A"])
    assert result.exit_code == 1
    assert result.output == (
        "Error: 'LS6 2A' is not a full postcode: the last part needs a digit and two letters, "
        "like the 2AB in LS6 2AB.\n"
    )


def test_postcode_command_says_how_to_build_a_missing_table(tmp_path, monkeypatch):
    from click.testing import CliRunner

    monkeypatch.setenv("FINDER_DATA_DIR", str(tmp_path))
    result = CliRunner().invoke(cli, ["postcode", "LS6"])
    assert result.exit_code == 1
    assert result.output == (
        "Error: The postcode table has not been built yet: run `finder postcodes build`.\n"
    )


def test_build_command_builds_only_the_areas_asked(tmp_path, monkeypatch):
    from click.testing import CliRunner

    monkeypatch.setenv("FINDER_DATA_DIR", str(tmp_path))
    result = CliRunner().invoke(cli, ["postcodes", "build", "--areas", "ZE"])
    assert result.exit_code == 0, result.output
    assert "outward codes" in result.output.splitlines()[-1]
    again = CliRunner().invoke(cli, ["postcodes", "build", "--if-missing"])
    assert again.output.startswith("Postcode table already built")
    lookup = CliRunner().invoke(cli, ["postcode", "ZE1", "--json"])
    assert json.loads(lookup.output)["nation"] == "scotland"


def test_a_bad_setting_is_one_line_not_a_traceback(runner, monkeypatch):
    monkeypatch.setenv("FINDER_PORT", "eighty")
    result = runner.invoke(cli, ["settings"])
    assert result.exit_code == 1
    assert result.output == "Error: FINDER_PORT='eighty' is not valid: expected int\n"


@pytest.mark.parametrize(
    ("words", "line"),
    [
        (["--nosuch"], "Error: No such option '--nosuch'."),
        (["nosuch"], "Error: No such command 'nosuch'."),
        (["keys", "nosuch"], "Error: No such command 'nosuch'."),
        (
            ["registers", "parse"],
            "Error: Missing argument '{hcpc|gosc|gcc}'. Choose from: hcpc, gosc, gcc",
        ),
        (
            ["postcode", "LS6", "2AB"],
            "Error: Got unexpected extra argument (2AB). Put a value that has spaces in quotes.",
        ),
    ],
)
def test_a_wrong_command_or_argument_is_one_line_and_exit_2(runner, words, line):
    result = runner.invoke(cli, words)
    assert (result.exit_code, result.output) == (2, line + "\n")


def test_a_group_alone_still_shows_its_help(runner):
    result = runner.invoke(cli, ["keys"])
    assert "Usage:" in result.output and "Commands:" in result.output


def test_serve_says_when_the_port_is_taken(runner):
    import socket

    from finder.cli import cli as finder_cli

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = runner.invoke(finder_cli, ["serve", "--port", str(port)])
    assert result.exit_code == 1
    assert result.output.splitlines()[-1] == (
        f"Error: Cannot listen on 127.0.0.1:{port}: Address already in use. "
        "Choose another port with --port or FINDER_PORT."
    )


def test_serve_listens_on_an_ipv6_address(runner, monkeypatch):
    if not socket.has_ipv6:
        pytest.skip("no IPv6 here")
    try:
        with socket.socket(socket.AF_INET6) as probe:
            probe.bind(("::1", 0))
            port = probe.getsockname()[1]
    except OSError:
        pytest.skip("no IPv6 loopback here")
    served = {}
    monkeypatch.setattr("waitress.serve", lambda app, **kwargs: served.update(kwargs))

    result = runner.invoke(cli, ["serve", "--host", "::1", "--port", str(port)])

    assert result.exit_code == 0, result.output
    assert (served["host"], served["port"]) == ("::1", port)
    assert f"Serving on http://[::1]:{port} (waitress)" in result.output


def test_serve_says_when_an_ipv6_port_is_taken(runner):
    try:
        taken = socket.socket(socket.AF_INET6)
        taken.bind(("::1", 0))
    except OSError:
        pytest.skip("no IPv6 loopback here")
    with taken:
        taken.listen()
        port = taken.getsockname()[1]
        result = runner.invoke(cli, ["serve", "--host", "::1", "--port", str(port)])
    assert result.exit_code == 1
    assert result.output.splitlines()[-1] == (
        f"Error: Cannot listen on [::1]:{port}: Address already in use. "
        "Choose another port with --port or FINDER_PORT."
    )


def test_serve_says_when_the_host_is_unknown(runner):
    result = runner.invoke(cli, ["serve", "--host", "no such host", "--port", "5000"])
    assert result.exit_code == 1
    assert result.output.splitlines()[-1].startswith("Error: Cannot listen on no such host:5000: ")
