"""The JSON API under /api/: the search page and a talk's page as JSON, and the facet counts alone.

Errors are JSON too ({"error": reason}): the app's error handlers answer JSON for every /api/ path.
"""

from __future__ import annotations

from flask import Blueprint, jsonify, request

from srefind.talks import talk_view

from .app import parse_params, search_backend

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
