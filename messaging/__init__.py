"""Cases, threads and end-to-end encrypted messages.

So far: cases (one sick-leave episode of one employee).  Threads, envelopes, receipts,
recall and realtime fan-out build on these.

Invariants:
- A case is visible only to its employee and to actors with an active relation to
  the employee; to everyone else it does not exist (404, never 403).
- Every disclosure of case content goes through ``consent.service.authorize_disclosure``.

Imports: ``consent`` and ``directory``; never ``web``.
"""
