"""Consent errors (stable codes)."""

from __future__ import annotations

from directory.errors import Conflict, Forbidden, InvalidInput, NotFound


class GrantNotFound(NotFound):
    code = "GRANT_NOT_FOUND"


class ExclusionNotFound(NotFound):
    code = "EXCLUSION_NOT_FOUND"


class ConsentRequestNotFound(NotFound):
    code = "CONSENT_REQUEST_NOT_FOUND"


class SubjectNotFound(NotFound):
    """The person is unknown, or the caller may not know they exist (same answer)."""

    code = "SUBJECT_NOT_FOUND"


class NotTheSubject(Forbidden):
    code = "NOT_THE_SUBJECT"


class InvalidConsent(InvalidInput):
    code = "INVALID_CONSENT"


class AlreadyAnswered(Conflict):
    code = "ALREADY_ANSWERED"


class ConsentRequired(Forbidden):
    """Raised where a flow needs a basis and has none; carries the decision's reason."""

    code = "CONSENT_REQUIRED"


class InvalidNavAct(InvalidInput):
    """A NAV request or summons sent with a message does not fit the message or the law."""

    code = "INVALID_NAV_ACT"
