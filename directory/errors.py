"""Errors raised by the directory, and the base class every samband error shares."""

from __future__ import annotations


class SambandError(Exception):
    """An error that is safe to show to the caller.

    ``code`` is a stable machine-readable string; ``status`` the HTTP status the web
    layer answers with; the message is written for a person to act on.
    """

    code = "SAMBAND_ERROR"
    status = 400

    def __init__(
        self, message: str, *, code: str | None = None, status: int | None = None, details: list | None = None
    ):
        super().__init__(message)
        self.message = message
        self.details = details  # machine-readable specifics, e.g. which consent is missing
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status


class InvalidInput(SambandError):
    code = "INVALID_INPUT"
    status = 422


class NotFound(SambandError):
    """Used both for 'does not exist' and 'you may not know it exists'."""

    code = "NOT_FOUND"
    status = 404


class Forbidden(SambandError):
    code = "FORBIDDEN"
    status = 403


class Conflict(SambandError):
    code = "CONFLICT"
    status = 409


class ActorNotFound(NotFound):
    code = "ACTOR_NOT_FOUND"


class OrganisationNotFound(NotFound):
    code = "ORGANISATION_NOT_FOUND"


class KeyBackupNotFound(NotFound):
    code = "KEY_BACKUP_NOT_FOUND"
