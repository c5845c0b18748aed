"""The OpenAPI 3.1 document of the JSON API and /healthz, served at /api/openapi.json.

Built, not written: paths and path parameters come from the app's url_map, the search parameters'
types and limits from the constants parse_params checks against, facet filters and facet counts from
the facet table, nullable fields from MAYBE_MISSING, the ETag and 304 answers from CACHED_ENDPOINTS.
A route or a limit changed in code changes the document with it; tests/test_openapi.py checks every
answer of the real app against it. Schemas are JSON Schema 2020-12 (OpenAPI 3.1), so a client (or a
test) can check an answer with any JSON Schema validator.
"""

from __future__ import annotations

import re
from typing import Any

from flask import Flask

from srefind import __version__
from srefind.backend import MAX_PER_PAGE, MAX_QUERY_CHARS
from srefind.facet_table import FACET_TABLE, SORTS
from srefind.models import MAYBE_MISSING, MEDIA_KINDS, TALK_TYPES
from srefind.talks import RELATED

from .app import CACHED_ENDPOINTS, MAX_FILTER_VALUES, MAX_PAGE

Schema = dict[str, Any]

# Limits the code spells as literals rather than names (parse_params, the query parser, the tagger,
# the crawler); tests/test_openapi.py holds each to what the app does.
MAX_Q_CHARS = 4 * MAX_QUERY_CHARS  # longer is a 400; longer than MAX_QUERY_CHARS is cut, with a notice
MAX_FILTER_VALUE_CHARS = 200
DEFAULT_PER_PAGE = 10
SHOW = ("talks", "writeups")
YEARS = (1, 9999)  # what a year filter may be (QueryBuilder.filter_value)
INDEX_STATES = ("empty", "missing", "damaged", "unreadable")  # a 503 from /healthz
ENTRY_ID = {"type": "string", "pattern": "^[0-9a-f]{16}$"}
ISO_DATE = {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$"}
# The JSON answers that are revalidated: the page-cache endpoints, and this document (its own ETag)
CONDITIONAL = CACHED_ENDPOINTS | {"api.openapi"}


def _ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def _array(items: Schema, **more: Any) -> Schema:
    return {"type": "array", "items": items, **more}


def _closed(props: dict[str, Schema], **more: Any) -> Schema:
    """An object with exactly these keys: the API's shapes are fixed, so an extra key is a change."""
    return {"type": "object", "properties": props, "required": list(props), "additionalProperties": False, **more}


def _maybe_missing(props: dict[str, Schema]) -> dict[str, Schema]:
    """`props` with each MAYBE_MISSING key nullable, as nulls_for_missing answers: null, never ""."""
    out = {}
    for name, schema in props.items():
        if name in MAYBE_MISSING:
            schema = {**schema, "type": [schema["type"], "null"], "minLength": 1}
            if "enum" in schema:
                schema["enum"] = [*schema["enum"], None]
        out[name] = schema
    return out


STRINGS = _array({"type": "string"})
TEXT = {"type": "string"}

# A talk entry's fields as both a search result and a talk's page give them (TalkEntry.to_dict)
ENTRY: dict[str, Schema] = {
    "id": ENTRY_ID,
    "url": {**TEXT, "description": "where the talk is: the page, and its section when the page holds several"},
    "page_url": TEXT,
    "title": TEXT,
    "speakers": STRINGS,
    "companies": STRINGS,
    "topics": STRINGS,
    "conference": TEXT,
    "year": {"type": ["integer", "null"], "minimum": YEARS[0], "maximum": YEARS[1]},
    "date": ISO_DATE,
    "site": TEXT,
    "talk_url": {**TEXT, "description": "a write-up's: the event's own page of the talk it is about"},
    "link_confidence": {"type": "number", "minimum": 0, "maximum": 1},
    "link_evidence": STRINGS,
    "own_title": {**TEXT, "description": "a linked write-up's own heading (its title is the talk's)"},
    "author": TEXT,
    "media": _array(_ref("Media")),
    "room": TEXT,
    "record": {"type": "boolean", "description": "true: the event's own page of the talk; false: a write-up"},
    "talk_type": {**TEXT, "enum": list(TALK_TYPES)},
}
WRITEUP: dict[str, Schema] = {"id": ENTRY_ID, "url": TEXT, "title": TEXT, "site": TEXT, "author": TEXT,
                              "date": ISO_DATE, "snippet": {**TEXT, "description": "the write-up's first lines"}}


def _facet_row(value: Schema) -> Schema:
    return _closed({"value": value, "count": {"type": "integer", "minimum": 0}, "selected": {"type": "boolean"}})


def _facet_counts() -> Schema:
    """Every facet's rows; a year is a number, as it is in a result (SearchResponse.facets_json)."""
    rows = {f.name: _array(_ref("YearFacetValue" if f.storage == "year" else "FacetValue")) for f in FACET_TABLE}
    return _closed(rows, description="the facet values of the matching talks, with their counts")


def _filters() -> Schema:
    year = {"type": "integer", "minimum": YEARS[0], "maximum": YEARS[1]}
    vals = {f.name: _array(year if f.storage == "year" else TEXT, minItems=1, maxItems=MAX_FILTER_VALUES)
            for f in FACET_TABLE}
    return {"type": "object", "properties": vals, "additionalProperties": False,
            "description": "the filters applied, each value as the index spells it (fb: Meta); a year as a number"}


def schemas() -> dict[str, Schema]:
    """The components: every JSON shape the API answers."""
    nullable_text = {"type": ["string", "null"], "minLength": 1}
    return {
        "Error": _closed({"error": {**TEXT, "minLength": 1, "description": "what was wrong, for a person"}}),
        "Media": _closed({"kind": {**TEXT, "enum": list(MEDIA_KINDS)}, "url": TEXT}),
        "FacetValue": _facet_row(TEXT),
        "YearFacetValue": _facet_row({"type": "integer", "minimum": YEARS[0], "maximum": YEARS[1]}),
        "FacetCounts": _facet_counts(),
        "Filters": _filters(),
        "ResultWriteup": _closed(_maybe_missing({**WRITEUP, "page_url": TEXT})),
        "TalkWriteup": _closed(_maybe_missing(WRITEUP)),
        "Hit": _closed(_maybe_missing({
            **ENTRY,
            "writeups": _array(_ref("ResultWriteup"), description="a talk's write-ups (with show=talks)"),
            "score": {"type": "number"},
            "snippet": {**TEXT, "description": "HTML: escaped text with <mark> around the matches"},
        })),
        "SearchResponse": _closed({
            "query": {**TEXT, "maxLength": MAX_QUERY_CHARS, "description": "the query as run (cleaned, cut)"},
            "total": {"type": "integer", "minimum": 0},
            "page": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE},
            "per_page": {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE},
            "sort": {**TEXT, "enum": list(SORTS), "description": "the order used (a browse is newest first)"},
            "took_ms": {"type": "number", "minimum": 0},
            "generation": {"type": "integer", "minimum": 0, "description": "the index generation that answered"},
            "corrected": {**nullable_text, "description": "the query run instead, when nothing matched the typed one"},
            "did_you_mean": nullable_text,
            "notices": _array(TEXT, description="what was changed about the query, for a person"),
            "filters": _ref("Filters"),
            "results": _array(_ref("Hit"), maxItems=MAX_PER_PAGE),
            "facets": _ref("FacetCounts"),
        }),
        "Talk": _closed(_maybe_missing({
            **ENTRY,
            "summary": TEXT,
            "context": {**TEXT, "description": "the page's text that belongs to none of its talks"},
            "writeups": _array(_ref("TalkWriteup"), description="for an event's talk: what was written about it"),
            "about": {"oneOf": [{"type": "null"}, _closed({"id": ENTRY_ID, "title": TEXT, "url": TEXT})],
                      "description": "for a linked write-up: the event's own record of the talk"},
            "related": _array(ENTRY_ID, maxItems=RELATED),
            "by_speakers": _array(ENTRY_ID, maxItems=RELATED),
            "by_company": _array(ENTRY_ID, maxItems=RELATED),
        })),
        "Health": _closed({
            "ok": {"const": True}, "index": {"const": "ok"},
            "entries": {"type": "integer", "minimum": 1}, "generation": {"type": "integer", "minimum": 0},
            **_crawl_times(),
        }),
        "Unhealthy": {**_closed({
            "ok": {"const": False}, "index": {**TEXT, "enum": list(INDEX_STATES)},
            "error": {**TEXT, "minLength": 1, "description": "why, and the command that fixes it"},
            "entries": {"const": 0}, **_crawl_times(),
        }), "required": ["ok", "index", "error", *_crawl_times()]},
    }


def _crawl_times() -> dict[str, Schema]:
    when = {"type": ["number", "null"], "description": "unix time; null before the first crawl"}
    return {k: when for k in ("last_crawl_start", "last_crawl_finish", "last_crawl_success")}


# -- operations ------------------------------------------------------------------------------------

def _query(name: str, schema: Schema, description: str, **more: Any) -> Schema:
    return {"name": name, "in": "query", "required": False, "schema": schema, "description": description, **more}


def _search_parameters(*, paged: bool) -> list[Schema]:
    """The parameters parse_params takes; unknown ones (utm_source, a cache-buster) are ignored."""
    params = [_query("q", {**TEXT, "maxLength": MAX_Q_CHARS, "default": ""},
                     f"the query (phrases, AND/OR/NOT, name:value fields); past {MAX_QUERY_CHARS} characters "
                     "it is cut, with a notice")]
    for f in FACET_TABLE:
        value = ({"type": "integer", "minimum": YEARS[0], "maximum": YEARS[1]} if f.reading == "year"
                 else {**TEXT, "maxLength": MAX_FILTER_VALUE_CHARS})
        params.append(_query(f.name, _array(value, maxItems=MAX_FILTER_VALUES),
                             f"{f.label} filter; repeat it for any of several values (empty values are ignored)",
                             style="form", explode=True))
    if paged:
        params += [
            _query("sort", {**TEXT, "enum": list(SORTS), "default": SORTS[0]},
                   "the order of the results; relevance with nothing to rank by (no query words) is newest"),
            _query("page", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": 1}, "the page, from 1"),
            _query("per_page", {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE,
                                "default": DEFAULT_PER_PAGE}, "results per page"),
        ]
    params.append(_query("show", {**TEXT, "enum": list(SHOW), "default": SHOW[0]},
                         "talks: one result per talk, its write-ups with it; writeups: every write-up on its own"))
    return params


def _json(schema: str, description: str) -> Schema:
    return {"description": description, "content": {"application/json": {"schema": _ref(schema)}}}


def _error(description: str) -> Schema:
    return _json("Error", description)


SEARCH_ERRORS = {"400": _error("a parameter the API cannot take, and why"),
                 "503": _error("no index to search yet, or it cannot be read: why, and what fixes it"),
                 "500": _error("a fault of the server")}

# endpoint -> its operation, less what the url_map and CONDITIONAL add (path parameters, ETag, 304)
OPERATIONS: dict[str, Schema] = {
    "api.search": {
        "summary": "Search talks (the search page as JSON)",
        "description": "The same answer as `srefind search --json`.",
        "parameters": _search_parameters(paged=True),
        "responses": {"200": _json("SearchResponse", "one page of results, with every facet's counts"),
                      **SEARCH_ERRORS},
    },
    "api.talk": {
        "summary": "One talk or write-up (a talk's page as JSON)",
        "responses": {"200": _json("Talk", "the entry, its write-ups or the talk it is about, related talks"),
                      "404": _error("no entry has this id"), "503": SEARCH_ERRORS["503"],
                      "500": SEARCH_ERRORS["500"]},
    },
    "api.facets": {
        "summary": "Facet counts alone",
        "description": "The facets of a search. sort, page and per_page are checked as for /api/search "
                       "(a bad one is a 400) but change nothing here.",
        "parameters": _search_parameters(paged=False),
        "responses": {"200": _json("FacetCounts", "every facet's values and counts"), **SEARCH_ERRORS},
    },
    "api.openapi": {
        "summary": "This document",
        "responses": {"200": {"description": "the OpenAPI document", "content": {"application/json": {"schema": {
            "type": "object", "required": ["openapi", "info", "paths"],
            "properties": {"openapi": {**TEXT, "pattern": r"^3\.1\."}}}}}}},
    },
    "ops.healthz": {
        "summary": "Can this server search? (for probes)",
        "responses": {"200": _json("Health", "the index answers searches and holds talks"),
                      "503": {"description": "it cannot search, why, and the fix",
                              "content": {"application/json": {"schema": _ref("Unhealthy")}}}},
    },
}

ETAG = {"description": "weak; it changes when the answer may: a new index generation or srefind version",
        "required": True, "schema": {**TEXT, "pattern": '^W/"[0-9a-f]+"$'}}
CACHE_CONTROL = {"description": "the answer may be stored, and is revalidated (If-None-Match) before each use",
                 "required": True, "schema": {"const": "no-cache"}}
IF_NONE_MATCH = {"name": "If-None-Match", "in": "header", "required": False, "schema": TEXT,
                 "description": "the ETag of an earlier answer: a 304 without a body while it still holds"}


def _conditional(op: Schema) -> Schema:
    """`op` revalidated by ETag: the 200 carries the tag, a matching If-None-Match is a 304."""
    ok = {**op["responses"]["200"], "headers": {"ETag": ETAG, "Cache-Control": CACHE_CONTROL}}
    not_modified = {"description": "the answer for this If-None-Match is unchanged",
                    "headers": {"ETag": ETAG, "Cache-Control": CACHE_CONTROL}}
    return {**op, "parameters": [*op.get("parameters", []), IF_NONE_MATCH],
            "responses": {"200": ok, "304": not_modified, **{k: v for k, v in op["responses"].items() if k != "200"}}}


PATH_ARG = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>")


def openapi_path(rule: str) -> str:
    """A werkzeug rule as an OpenAPI path: /api/talks/<entry_id> -> /api/talks/{entry_id}."""
    return PATH_ARG.sub(r"{\2}", rule)


def _path_parameters(rule: str) -> list[Schema]:
    return [{"name": name, "in": "path", "required": True,
             "schema": {"type": "integer"} if converter == "int" else TEXT}
            for converter, name in PATH_ARG.findall(rule)]


def openapi_document(app: Flask) -> dict[str, Any]:
    """The document for `app`: each documented endpoint at the path and methods its app routes it."""
    paths: dict[str, Schema] = {}
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        op = OPERATIONS.get(rule.endpoint)
        if op is None:
            continue
        if rule.endpoint in CONDITIONAL:
            op = _conditional(op)
        op = {"operationId": rule.endpoint, **op,
              "parameters": [*_path_parameters(rule.rule), *op.get("parameters", [])]}
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            paths.setdefault(openapi_path(rule.rule), {})[method.lower()] = op
    return {
        "openapi": "3.1.0",
        "info": {"title": "srefind", "version": __version__, "license": {"name": "MIT", "identifier": "MIT"},
                 "description": "Search what was said at SREcon: talks and write-ups, with facets. Every answer "
                                "is JSON; an error is {\"error\": reason}."},
        "paths": paths,
        "components": {"schemas": schemas()},
    }
