"""The samband envelope, v1: seal, parse, verify, build views, open views.

The byte format is specified in ``docs/envelope.md``; this package follows it and the
vectors in ``tests/vectors/envelope/`` test both.  Verbs, bytes in and bytes out:

- the sender: ``seal``;
- the server, on arrival: ``parse`` (route, check consent) and ``verify`` (every
  signature); on delivery: ``view_for`` (one recipient key's part, maybe with sections
  withheld);
- the recipient: ``open_view``.

Invariants: a section's content key is wrapped only for the recipient keys the sender
lists for it, so a view never carries a key its recipient was not given; ``parse``
accepts only canonical bytes, so ``serialize(parse(data)) == data``; nothing opens
unless the sender's signature and every hash, commitment and tag check out.

Errors: untrusted input fails with exactly one of ``MalformedEnvelope``,
``NoMatchingKey``, ``HeaderAuthFailed``, ``PayloadAuthFailed`` (all ``EnvelopeError``,
each with one fixed message).  Bad *caller* input (an invalid UUID, a category with a
space, a key of the wrong length) is a ``ValueError``.

Imports: the standard library, ``cryptography`` and ``messaging.keys`` only; never the
server (``sqlmodel``, ``fastapi``, ``web``, other ``messaging`` modules), so the Python
client and the server share this code.

Backwards compatibility: v1 is the first version.  Envelopes start with
``samband.no/envelope/v1\\n`` and views with ``samband.no/envelope-view/v1\\n``; any
other magic is rejected.  A change to the bytes or their meaning defines v2 with new
magics and labels; this package will then dispatch on the magic and keep opening v1.
"""

from messaging.envelope.opening import open_view
from messaging.envelope.sealing import _seal_from_parts, seal, verify
from messaging.envelope.types import (
    KEM_X25519, KEM_XWING, MAGIC, MAX_PLAINTEXT, MAX_RECIPIENTS, MAX_SECTIONS, VIEW_MAGIC, Envelope,
    EnvelopeError, Header, HeaderAuthFailed, MalformedEnvelope, NoMatchingKey, Opened, OpenedSection,
    PayloadAuthFailed, Recipient, RecipientKey, Section, SectionInput, Wrap,
)
from messaging.envelope.wire import parse, serialize, view_for

__all__ = [
    "KEM_X25519", "KEM_XWING", "MAGIC", "MAX_PLAINTEXT", "MAX_RECIPIENTS", "MAX_SECTIONS", "VIEW_MAGIC",
    "Envelope", "EnvelopeError", "Header", "HeaderAuthFailed", "MalformedEnvelope", "NoMatchingKey",
    "Opened", "OpenedSection", "PayloadAuthFailed", "Recipient", "RecipientKey", "Section", "SectionInput",
    "Wrap", "open_view", "parse", "seal", "serialize", "verify", "view_for", "_seal_from_parts",
]
