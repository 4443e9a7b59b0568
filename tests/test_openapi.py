"""The OpenAPI document is the API's contract: every route must be in it, every $ref must
resolve, and the endpoints that need a key must say so."""

import re

import pytest


def api_routes(app) -> set[tuple[str, str]]:
    routes = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/") or rule.endpoint == "api.openapi":
            continue
        path = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule.rule[len("/api/v1") :])
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            routes.add((path, method.lower()))
    return routes


def refs(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            else:
                yield from refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from refs(value)


def test_every_api_route_is_described(app, client):
    spec = client.get("/api/v1/openapi.json").get_json()
    described = {(path, method) for path, item in spec["paths"].items() for method in item}
    assert api_routes(app) == described


def test_every_reference_resolves(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    for ref in refs(spec):
        assert ref.startswith("#/components/schemas/"), ref
        assert ref.rsplit("/", 1)[1] in spec["components"]["schemas"], ref


def test_endpoints_that_need_a_key_declare_it(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    keyed = {
        (path, method)
        for path, item in spec["paths"].items()
        for method, operation in item.items()
        if operation.get("security")
    }
    watchlists = {(p, m) for p, item in spec["paths"].items() for m in item if "watchlists" in p}
    assert len(watchlists) == 8
    assert keyed == {
        ("/registrations/{register}/{number}/history", "get"),
        ("/registrations/bulk", "post"),
        *watchlists,
    }
    assert spec["components"]["securitySchemes"]["apiKey"]["scheme"] == "bearer"


def test_the_number_formats_described_are_the_ones_accepted(client):
    """The description is made from the rules; this pins both, so neither drifts alone."""
    from finder import registrations
    from finder.errors import InvalidInput

    spec = client.get("/api/v1/openapi.json").get_json()
    [number] = [
        parameter
        for parameter in spec["paths"]["/registrations/{register}/{number}"]["get"]["parameters"]
        if parameter["name"] == "number"
    ]
    assert number["description"] == (
        "HCPC: PH and 1 to 6 digits (PH123456); GOsC: 1 to 6 digits, leading zeros ignored "
        "(9123); GCC: 1 to 5 digits, leading zeros added to make 5 (04567). Spaces are ignored."
    )
    accepted = {
        ("hcpc", "PH1"): "PH1",
        ("hcpc", "ph 123456"): "PH123456",
        ("gosc", "1"): "1",
        ("gosc", "00123456"): "123456",
        ("gcc", "1"): "00001",
        ("gcc", "12 345"): "12345",
    }
    for (register, given), stored in accepted.items():
        assert registrations.normalise_number(register, given) == stored
    for register, given in [("hcpc", "PH1234567"), ("gosc", "1234567"), ("gcc", "123456")]:
        with pytest.raises(InvalidInput):
            registrations.normalise_number(register, given)


def properties_named(node, name: str):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "properties" and name in value:
                yield value[name]
            yield from properties_named(value, name)
    elif isinstance(node, list):
        for value in node:
            yield from properties_named(value, name)


def test_every_time_in_the_document_has_the_one_format_with_z(client):
    from finder import times

    spec = client.get("/api/v1/openapi.json").get_json()
    found = list(properties_named(spec, "checked_at"))
    assert len(found) >= 3  # search results, a check, a check's history
    for schema in found:
        assert (schema["format"], schema["pattern"]) == ("date-time", times.PATTERN)
        for example in schema["examples"]:
            assert re.fullmatch(schema["pattern"], example)
    assert re.fullmatch(times.PATTERN, times.now_iso())
    assert not re.fullmatch(times.PATTERN, "2026-12-07T14:05:09+00:00")
