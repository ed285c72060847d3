"""Operations: request ids, structured logs, Prometheus metrics, readiness.

- ``requests``: the outermost ASGI middleware; gives every request an id, writes one
  access-log line and counts it.
- ``logging``: the request-id context and the JSON log formatter.
- ``metrics``: one ``CollectorRegistry`` per app (several apps share a test process).
- ``readiness`` and ``api``: ``GET /ready`` and ``GET /metrics``.

Invariant: nothing here logs or labels a raw path, query string, header, cookie, token
or body.  Routes are named by their template (``/cases/{case_id}``), people by nothing.
Part of ``web``, the composition root; the domain packages never import it (they take
callbacks, e.g. ``ConsentService(on_decisions=...)``).
"""
