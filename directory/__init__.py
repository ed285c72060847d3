"""Who exists in samband and how to reach them.

Responsibility: organisations, actors (people in a role), relations between them,
their public keys, and search.  This is the lowest layer: it imports no other samband
package, and nothing here knows about consent, messages or HTTP.

Invariants:
- National identity numbers are stored but never rendered unmasked (`NationalId`
  redacts itself in ``repr``/``str``; public shapes carry only the masked form).
- A public key is never deleted, only revoked, so old signatures stay verifiable.
"""
