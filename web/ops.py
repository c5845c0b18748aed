"""For operators and their probes: /healthz (can this server search?) and /metrics (Prometheus)."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify

from srefind.errors import IndexUnavailableError
from srefind.health import explain, index_fix

from .app import app_metrics, data_paths, search_backend

bp = Blueprint("ops", __name__)


@bp.route("/healthz")
def healthz():
    """200 when the index answers searches and holds talks; 503 with the reason otherwise."""
    paths = data_paths()
    crawl = app_metrics().last_crawl()
    try:
        n = search_backend().doc_count()
    except IndexUnavailableError as exc:
        return jsonify(ok=False, index=exc.state, error=explain(paths, exc), **crawl), 503
    except Exception as exc:  # the probe must answer, whatever broke
        return jsonify(ok=False, index="unreadable", error=f"{type(exc).__name__}: {exc}", **crawl), 503
    if n == 0:
        return jsonify(ok=False, index="empty", error=f"the index holds no talks yet: {index_fix(paths, 'empty')}",
                       entries=0, **crawl), 503
    return jsonify(ok=True, index="ok", entries=n, generation=search_backend().generation(), **crawl)


@bp.route("/metrics")
def metrics():
    body, ctype = app_metrics().render(search_backend())
    return current_app.response_class(body, mimetype=None, content_type=ctype)
