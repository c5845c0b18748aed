"""/api/openapi.json: a valid OpenAPI 3.1 document naming exactly the JSON routes the app serves, whose
every promise holds for the real app: each answer's status is documented and its body and headers
match the documented schemas, over the demo crawl and over a data dir with no index yet; the
parameters' documented limits and defaults are the ones the app enforces."""

from __future__ import annotations

import re
from urllib.parse import urlencode, urlsplit

import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from srefind.web.app import create_app

DOC = "urn:srefind:openapi"  # the document's URI for $ref resolution
PROMISED = {"/api/search", "/api/talks/{entry_id}", "/api/facets", "/api/openapi.json", "/healthz"}


@pytest.fixture(scope="module")
def client(demo_data):
    app = create_app(demo_data)
    app.testing = False  # errors go through the app's own handlers, as in production
    return app.test_client()


@pytest.fixture(scope="module")
def doc(client) -> dict:
    r = client.get("/api/openapi.json")
    assert r.status_code == 200 and r.mimetype == "application/json"
    return r.get_json()


@pytest.fixture(scope="module")
def no_index(tmp_path_factory):
    """An app over a data dir nothing has been crawled into: every search is a 503."""
    app = create_app(tmp_path_factory.mktemp("no-index"))
    app.testing = False
    return app.test_client()


# -- checking an answer against the document ------------------------------------------------------

def _validator(doc: dict, *where: str) -> Draft202012Validator:
    """A validator for the schema at `where` in the document, its $refs resolved in the document."""
    pointer = "/".join(p.replace("~", "~0").replace("/", "~1") for p in where)
    registry = Registry().with_resource(DOC, Resource.from_contents(doc, default_specification=DRAFT202012))
    return Draft202012Validator({"$ref": f"{DOC}#/{pointer}"}, registry=registry)


def _assert_valid(doc: dict, value, *where: str) -> None:
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in _validator(doc, *where).iter_errors(value)]
    assert not errors, f"{'/'.join(where)}: " + "; ".join(errors[:5])


def _template(doc: dict, path: str) -> str:
    """The documented path template that `path` is an instance of."""
    for tpl in doc["paths"]:
        pattern = "".join("[^/]+" if part.startswith("{") else re.escape(part) for part in re.split(r"(\{\w+\})", tpl))
        if re.fullmatch(pattern, path):
            return tpl
    raise AssertionError(f"{path} is not documented")


def answer(client, doc: dict, url: str, headers: dict | None = None):
    """GET `url`; fail unless its status is documented and its headers and body match what the document
    says of that status."""
    r = client.get(url, headers=headers or {})
    tpl = _template(doc, urlsplit(url).path)
    responses = doc["paths"][tpl]["get"]["responses"]
    status = str(r.status_code)
    assert status in responses, f"{url}: {status} is not a documented answer ({', '.join(responses)})"
    said = responses[status]
    for name, header in said.get("headers", {}).items():
        assert name in r.headers or not header.get("required"), f"{url}: {status} without its {name} header"
        if name in r.headers:
            _assert_valid(doc, r.headers[name], "paths", tpl, "get", "responses", status, "headers", name, "schema")
    if "content" not in said:
        assert r.get_data() == b"", f"{url}: {status} has a body the document does not describe"
    else:
        assert r.mimetype in said["content"], f"{url}: {r.mimetype} is not documented for {status}"
        _assert_valid(doc, r.get_json(), "paths", tpl, "get", "responses", status, "content", r.mimetype, "schema")
    return r


# -- the document itself ---------------------------------------------------------------------------

def test_the_document_is_valid_openapi_3_1(doc):
    validate(doc)
    assert doc["openapi"].startswith("3.1.") and doc["info"]["version"]


def _route_drift(app, doc: dict) -> tuple[dict, dict]:
    """(routed but not documented, documented but not routed): paths under /api/ and /healthz, with methods."""
    routed: dict[str, set[str]] = {}
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/") or rule.rule == "/healthz":
            path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
            routed.setdefault(path, set()).update(m.lower() for m in (rule.methods or ()) if m not in ("HEAD", "OPTIONS"))
    documented = {path: set(item) for path, item in doc["paths"].items()}
    return ({p: ms for p, ms in routed.items() if documented.get(p) != ms},
            {p: ms for p, ms in documented.items() if routed.get(p) != ms})


def test_the_document_names_exactly_the_routes_the_app_serves(client, doc):
    assert _route_drift(client.application, doc) == ({}, {})
    assert set(doc["paths"]) == PROMISED
    for path, item in doc["paths"].items():
        named = {p["name"] for p in item["get"].get("parameters", []) if p["in"] == "path"}
        assert named == set(re.findall(r"\{(\w+)\}", path)), path


def test_a_route_added_without_its_documentation_is_drift(demo_data):
    from srefind.web.openapi import openapi_document

    app = create_app(demo_data)
    app.add_url_rule("/api/speakers/<name>", "api.speakers", lambda name: {})
    missing, stale = _route_drift(app, openapi_document(app))
    assert missing == {"/api/speakers/{name}": {"get"}} and stale == {}


def test_documented_enums_are_the_codes_own():
    from srefind.index.tagging.pipeline import TALK_TYPE_PATTERNS, talk_type
    from srefind.models import TALK_TYPES

    assert set(TALK_TYPES) == {kind for kind, _ in TALK_TYPE_PATTERNS} | {talk_type()}


# -- every endpoint's real answers -----------------------------------------------------------------

@pytest.mark.parametrize("query", [
    "q=tracing",
    "q=&company=Google&company=Jet.com&topic=tracing&year=2018&sort=newest&page=1&per_page=5",
    "sort=oldest&page=2&per_page=3",
    "page=1000",  # past the last page: no results, still an answer
    "q=tracnig",  # a typo: corrected
    "q=%22failover+automation+makes+things+worse%22",
    "show=writeups&per_page=100",
    "per_page=100",
    "q=" + "+".join(["word"] * 80),  # longer than the engine takes: cut, with a notice
    "year=1999&company=fb",  # a selected year nothing matches: listed at zero
    "utm_source=x&_=1701234567",  # parameters srefind does not know are ignored
])
def test_search_answers_match_the_document(client, doc, query):
    out = answer(client, doc, f"/api/search?{query}").get_json()
    assert out["total"] > 0 or query.startswith(("page=1000", "year=1999"))


def test_an_empty_result_matches_the_document(client, doc):
    out = answer(client, doc, "/api/search?q=zzqxjvk").get_json()
    assert out["total"] == 0 and out["results"] == [] and all(rows == [] for rows in out["facets"].values())


def test_every_talk_and_write_up_matches_the_document(client, doc):
    ids = {h["id"] for show in ("talks", "writeups")
           for h in client.get(f"/api/search?per_page=100&show={show}").get_json()["results"]}
    talks = [answer(client, doc, f"/api/talks/{i}").get_json() for i in sorted(ids)]
    assert any(t["about"] for t in talks) and any(t["writeups"] for t in talks)  # both shapes were checked
    assert any(t["related"] for t in talks) and any(t["by_company"] for t in talks)


@pytest.mark.parametrize("talk_id", ["nope", "0123456789abcdef", "%E2%98%83"])
def test_an_unknown_talk_is_a_documented_404(client, doc, talk_id):
    r = answer(client, doc, f"/api/talks/{talk_id}")
    assert r.status_code == 404 and r.get_json()["error"]


@pytest.mark.parametrize("query", ["", "topic=tracing&year=2019", "q=zzqxjvk", "show=writeups", "speaker=Nobody"])
def test_facet_answers_match_the_document(client, doc, query):
    out = answer(client, doc, f"/api/facets?{query}").get_json()
    assert set(out) == set(doc["components"]["schemas"]["FacetCounts"]["properties"])


@pytest.mark.parametrize("url", ["/api/search?page=0", "/api/search?per_page=1000", "/api/search?sort=sideways",
                                 "/api/search?year=nineteen", "/api/search?show=everything",
                                 "/api/search?q=" + "x" * 2000, "/api/facets?year=%C2%B2", "/api/facets?page=x"])
def test_a_bad_parameter_is_a_documented_400(client, doc, url):
    r = answer(client, doc, url)
    assert r.status_code == 400 and r.get_json()["error"]


def test_health_matches_the_document(client, doc):
    assert answer(client, doc, "/healthz").get_json()["ok"] is True


def test_without_an_index_every_answer_is_still_a_documented_one(no_index, doc):
    for url in ("/healthz", "/api/search?q=tracing", "/api/facets", "/api/talks/0123456789abcdef"):
        r = answer(no_index, doc, url)
        assert r.status_code == 503 and "srefind crawl" in r.get_json()["error"]
    assert answer(no_index, doc, "/healthz").get_json()["index"] == "missing"
    assert no_index.get("/api/openapi.json").get_json() == doc  # the document needs no index


# -- caching ---------------------------------------------------------------------------------------

def test_every_documented_304_is_answered_for_the_etag_of_the_200(client, doc):
    talk_id = client.get("/api/search?q=tracing").get_json()["results"][0]["id"]
    revalidated = [tpl for tpl, item in doc["paths"].items() if "304" in item["get"]["responses"]]
    assert set(revalidated) == PROMISED - {"/healthz"}
    for tpl in revalidated:
        url = tpl.replace("{entry_id}", talk_id) + ("?q=tracing" if "talks" not in tpl else "")
        first = answer(client, doc, url)
        assert first.status_code == 200
        again = answer(client, doc, url, headers={"If-None-Match": first.headers["ETag"]})
        assert again.status_code == 304 and again.headers["ETag"] == first.headers["ETag"]
        assert answer(client, doc, url, headers={"If-None-Match": 'W/"0"'}).status_code == 200


# -- the documented parameters are the app's -------------------------------------------------------

def _item_values(schema: dict, n: int) -> list[str]:
    """n different values `schema` allows."""
    if "enum" in schema:
        return [schema["enum"][i % len(schema["enum"])] for i in range(n)]
    if schema["type"] == "integer":
        return [str(schema["minimum"] + i) for i in range(n)]
    return [f"v{i}" for i in range(n)]


def _edges(schema: dict) -> list[tuple[str, int]]:
    """A parameter value at each of the schema's limits (the app should take it: 200) and past them (400)."""
    if "enum" in schema:
        return [(v, 200) for v in schema["enum"]] + [("no-such-" + schema["enum"][0], 400)]
    if schema["type"] == "integer":
        lo, hi = schema["minimum"], schema["maximum"]
        return [(str(lo), 200), (str(hi), 200), (str(lo - 1), 400), (str(hi + 1), 400)]
    return [("x" * schema["maxLength"], 200), ("x" * (schema["maxLength"] + 1), 400)]


def _cases(param: dict) -> list[tuple[str, int]]:
    """Query strings that probe a documented parameter's limits, with the status each should get."""
    schema, name = param["schema"], param["name"]
    if schema["type"] != "array":
        return [(urlencode({name: v}), status) for v, status in _edges(schema)]
    cases = [(urlencode({name: v}), status) for v, status in _edges(schema["items"])]
    most = schema["maxItems"]
    return cases + [(urlencode([(name, v) for v in _item_values(schema["items"], n)]), 200 if n == most else 400)
                    for n in (most, most + 1)]


@pytest.mark.parametrize("path", ["/api/search", "/api/facets"])
def test_each_documented_parameter_limit_is_the_one_the_app_enforces(client, doc, path):
    params = [p for p in doc["paths"][path]["get"]["parameters"] if p["in"] == "query"]
    assert {"q", "show", "company", "year"} <= {p["name"] for p in params}
    wrong = []
    for param in params:
        for query, expected in _cases(param):
            got = answer(client, doc, f"{path}?{query}").status_code
            if got != expected:
                wrong.append(f"{query[:60]}: {got}, documented {expected}")
    assert not wrong


def test_the_documented_defaults_are_what_a_bare_search_runs(client, doc):
    defaults = {p["name"]: p["schema"]["default"] for p in doc["paths"]["/api/search"]["get"]["parameters"]
                if "default" in p.get("schema", {})}
    out = answer(client, doc, "/api/search").get_json()
    assert (out["query"], out["page"], out["per_page"]) == (defaults["q"], defaults["page"], defaults["per_page"])
    assert out["sort"] == "newest"  # relevance, as documented, with nothing to rank by
    assert answer(client, doc, "/api/search?q=tracing").get_json()["sort"] == defaults["sort"]
    explicit = client.get("/api/search?" + urlencode({"show": defaults["show"]})).get_json()
    assert explicit["total"] == out["total"]


# -- the page links the document -------------------------------------------------------------------

def test_every_pages_footer_links_the_api_document_beside_its_json(client):
    talk_id = client.get("/api/search?q=tracing").get_json()["results"][0]["id"]
    for url in ("/", "/?q=tracing", f"/talks/{talk_id}", "/no/such/page"):
        html = client.get(url).get_data(as_text=True)
        footer = html[html.index('<footer class="bottom">'):]
        assert re.search(r'this page as JSON</a> · <a href="/api/openapi.json">API</a>', footer), url
