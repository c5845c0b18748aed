"""The JSON API under /api/: the search page and a talk's page as JSON, the facet counts alone, and
the OpenAPI document that describes them all (/api/openapi.json, built in openapi.py).

Errors are JSON too ({"error": reason}): the app's error handlers answer JSON for every /api/ path.
"""

from __future__ import annotations

import hashlib

from flask import Blueprint, current_app, jsonify, request

from srefind.talks import talk_view

from .app import parse_params, search_backend
from .openapi import openapi_document

bp = Blueprint("api", __name__, url_prefix="/api")


@bp.route("/search")
def search():
    p = parse_params(request.args)
    resp = search_backend().search(p["q"], p["filters"], sort=p["sort"], page=p["page"], per_page=p["per_page"],
                                     view=p["view"])
    return jsonify(resp.to_json())


@bp.route("/talks/<entry_id>")
def talk(entry_id: str):
    view = talk_view(search_backend(), entry_id)
    if view is None:
        return jsonify(error=f"no talk with id {entry_id}"), 404
    return jsonify(view.to_json())


@bp.route("/facets")
def facets():
    p = parse_params(request.args)
    resp = search_backend().search(p["q"], p["filters"], per_page=1, view=p["view"])
    return jsonify(resp.facets_json())


@bp.route("/openapi.json")
def openapi():
    """The API's OpenAPI document. It depends on the code alone, not the index (it answers before the
    first crawl), so its ETag is its content's hash rather than the index generation's."""
    resp = jsonify(openapi_document(current_app))
    resp.set_etag(hashlib.sha1(resp.get_data()).hexdigest()[:24], weak=True)
    resp.headers["Cache-Control"] = "no-cache"  # as the other API answers: stored, revalidated each time
    return resp.make_conditional(request)
