"""Who a sign-in is: the identity providers, linking a sign-in to directory actors, and
the assurance and role rules (docs/decisions/0014-identity-linking.md).

``web.auth`` is the HTTP layer (routes, tokens); this module decides, from a provider's
verified claims (an ID token at the portal's callback, or a bearer access token), which
actors the person may act as:

1. ``(issuer, sub)`` already in ``identity_link`` → that actor;
2. otherwise the provider's ``link`` rules in order: the first whose claim is present
   and equals the field of one or more actors decides (``national_id`` ← ``pid``,
   ``hpr_number`` ← ``helseid://claims/hpr/hpr_number``, ``nav_ident`` ← ``NAVident``,
   ``subject`` ← ``Actor.oidc_subject``);
3. only the roles the provider allows (``roles``), and only where the assurance level
   is at least the role's minimum (a missing or unknown level counts as the lowest);
4. exactly one actor left, matched by a rule: the link is written (and a
   ``directory_change`` row, action "link"), so a pairwise ``sub`` finds the person
   next time even when the token carries no national id.  Several actors (one person in
   two roles): nothing is linked and the person chooses the role each time.

National ids and other claim values are only compared: never logged, never stored here.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from directory.columns import utcnow
from directory.errors import SambandError
from directory.models import Actor, DirectoryChange, IdentityLink
from web.settings import ProviderConfig, Settings

log = logging.getLogger("samband.identity")

# The actor column each link field compares.
FIELDS = {
    "national_id": Actor.national_id,
    "hpr_number": Actor.hpr_number,
    "nav_ident": Actor.nav_ident,
    "subject": Actor.oidc_subject,
}


class SignInRefused(SambandError):
    """A verified sign-in that lets no one in, and why (``reason``):

    - ``no_user``: no actor matches (401);
    - ``role``: the provider is not for the matching actors' roles (403);
    - ``assurance``: the level is below the role's minimum (403); ``needed`` names the
      lowest level that would do.
    """

    def __init__(self, message: str, *, reason: str, provider: ProviderConfig, status: int,
                 code: str, needed: str | None = None, level: str | None = None):
        super().__init__(message, code=code, status=status)
        self.reason = reason
        self.provider = provider
        self.needed = needed
        self.level = level


def provider_named(settings: Settings, name: str) -> ProviderConfig | None:
    return next((p for p in settings.providers if p.name == name), None)


def provider_for_issuer(settings: Settings, issuer: object) -> ProviderConfig | None:
    return next((p for p in settings.providers if p.issuer == issuer), None)


def _text(value: Any) -> str | None:
    """A claim value as the directory stores it: strings and numbers (HelseID's
    security level, an HPR number sent as a number) as text; anything else is no value."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (str, int)):
        text = str(value).strip()
        return text or None
    return None


def assurance_of(provider: ProviderConfig, claims: dict[str, Any]) -> str | None:
    if provider.assurance is None:
        return None
    return _text(claims.get(provider.assurance.claim))


def _enough(provider: ProviderConfig, level: str | None, role: str) -> bool:
    assurance = provider.assurance
    if assurance is None:
        return True
    needed = assurance.needed(role)
    return needed is None or assurance.rank(level) >= assurance.rank(needed)


def _candidates(session: Session, provider: ProviderConfig, claims: dict[str, Any]) -> tuple[list[Actor], str | None]:
    """The actors the sign-in names, and the link field that matched them (None when
    found by an existing identity link)."""
    subject = _text(claims.get("sub"))
    if subject is not None:
        link = session.exec(select(IdentityLink).where(
            IdentityLink.issuer == provider.issuer, IdentityLink.subject == subject)).first()
        if link is not None:
            actor = session.get(Actor, link.actor_id)
            if actor is not None:
                return [actor], None
    for rule in provider.link:
        value = _text(claims.get(rule.claim))
        if value is None:
            continue
        actors = list(session.exec(select(Actor).where(FIELDS[rule.field] == value).order_by(Actor.role, Actor.id)))
        if actors:
            return actors, rule.field
    return [], None


def _write_link(session: Session, provider: ProviderConfig, subject: str, actor: Actor, field: str) -> None:
    now = utcnow()
    link = IdentityLink(issuer=provider.issuer, subject=subject, actor_id=actor.id, matched_by=field,
                        linked_at=now, last_sign_in_at=now)
    session.add(link)
    session.flush()
    session.add(DirectoryChange(
        at=now, by_label=f"sign-in:{provider.name}", action="link", target_type="identity_link",
        target_id=link.id,
        # What was linked and how, never the claim's value.
        detail=json.dumps({"actor_id": actor.id, "issuer": provider.issuer, "matched_by": field}, sort_keys=True),
    ))


def resolve(engine: Engine, provider: ProviderConfig, claims: dict[str, Any], *, sign_in: bool) -> list[Actor]:
    """The actors (one, or several roles of one person) this verified sign-in may act
    as, linking the subject on the first sign-in.  ``sign_in``: a portal sign-in, which
    records ``last_sign_in_at`` (bearer requests do not write on every call).

    Raises:
        SignInRefused: nobody matches, or not for this provider, role or assurance level.
    """
    level = assurance_of(provider, claims)
    with Session(engine, expire_on_commit=False) as session:
        actors, field = _candidates(session, provider, claims)
        if not actors:
            raise SignInRefused("no samband user for this sign-in; ask your organisation to add you to samband",
                                reason="no_user", provider=provider, status=401, code="UNAUTHENTICATED")
        if provider.roles is not None:
            actors = [a for a in actors if a.role in provider.roles]
            if not actors:
                raise SignInRefused(f"your samband role does not sign in through {provider.display}; "
                                    "use the identity provider for your role",
                                    reason="role", provider=provider, status=403, code="WRONG_IDENTITY_PROVIDER")
        allowed = [a for a in actors if _enough(provider, level, a.role)]
        if not allowed:
            assert provider.assurance is not None
            needed = min((provider.assurance.needed(a.role) for a in actors),
                         key=provider.assurance.rank)
            raise SignInRefused(
                f"your sign-in's assurance level ({level or 'none'}) is too low for samband; "
                f"sign in again with at least {needed}",
                reason="assurance", provider=provider, status=403, code="INSUFFICIENT_ASSURANCE",
                needed=needed, level=level,
            )
        subject = _text(claims.get("sub"))
        if len(allowed) == 1 and subject is not None:
            actor = allowed[0]
            try:
                if field is not None and field != "subject" and len(subject) <= 255:
                    _write_link(session, provider, subject, actor, field)
                    session.commit()
                    log.info("identity:linked actor_id=%s provider=%s matched_by=%s", actor.id, provider.name, field)
                elif field is None and sign_in:
                    link = session.exec(select(IdentityLink).where(
                        IdentityLink.issuer == provider.issuer, IdentityLink.subject == subject)).one()
                    link.last_sign_in_at = utcnow()
                    session.add(link)
                    session.commit()
            except IntegrityError:
                # The same first sign-in in two tabs at once: the other one linked it.
                session.rollback()
        return allowed


def pick(actors: list[Actor], actor_id: str | None) -> Actor | None:
    """The one actor a request acts as: the only one, or the one it names."""
    if len(actors) == 1 and actor_id in (None, actors[0].id):
        return actors[0]
    return next((a for a in actors if a.id == actor_id), None)
