"""Who may learn what about a sick-listed person, and the record of every disclosure.

Responsibility: information categories, purposes, statutory rules (versioned data),
consent grants, revocations and exclusions (an append-only event history from which
current state is derived), consent requests, NAV's information requests, the pure
decision function, and the hash-chained disclosure log.

Invariants:
- Every disclosure goes through ``consent.service.authorize_disclosure``, which
  decides and appends one log row in the caller's transaction (permit or deny).
- ``consent.policy`` and ``consent.types`` are pure: no I/O, no SQLModel, no FastAPI.
- Consent events and log rows are insert-only; nothing here updates or deletes them.

Imports: ``directory`` only; never ``messaging`` or ``web``.
"""
