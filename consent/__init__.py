"""Who may learn what about a sick-listed person, and the record of every disclosure.

Responsibility: information categories, purposes, statutory rules (versioned data),
consent grants, revocations and exclusions (an append-only event history from which
current state is derived), consent requests, NAV's information requests, the pure
decision function, and the disclosure log (one verifiable Merkle tree per employee).

Invariants:
- Every disclosure goes through ``consent.service.authorize_disclosure``, which
  decides and appends one log row in the caller's transaction (permit or deny).
- ``consent.policy`` and ``consent.types`` are pure: no I/O, no SQLModel, no FastAPI.
- Consent events, log entries and signed heads are insert-only; nothing here updates or
  deletes them (a log's tree row only moves forward with its log).

Imports: ``directory`` only; never ``messaging`` or ``web``.
"""
