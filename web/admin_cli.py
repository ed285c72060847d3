"""``samband admin …``: provisioning from the command line, straight against the database
like ``samband migrate`` (docs/provisioning.md).  The rules and the audit trail are
``directory.admin``'s, the same the ``/admin`` API uses.

Every command takes ``--by LABEL`` (default ``cli:<OS user>``, recorded in the audit
trail) and ``--json`` (print the record as JSON).  An error is one line on stderr and
exit status 2, and nothing is written.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys

from pydantic import ValidationError

from directory.errors import SambandError


def _by(args) -> str:
    if args.by:
        return args.by
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli:unknown"


def _validation_message(exc: ValidationError) -> str:
    parts = []
    for error in exc.errors():
        where = ".".join(str(p) for p in error["loc"]) or "input"
        message = error["msg"].removeprefix("Value error, ")
        parts.append(f"--{where.replace('_', '-')}: {message}")
    return "; ".join(parts)


def _print(args, record: dict, line: str) -> None:
    print(json.dumps(record, ensure_ascii=False, indent=2) if args.json else line)


def _given(args, names: dict[str, str]) -> dict:
    """The options given on the command line, by field name."""
    return {field: getattr(args, option) for option, field in names.items() if getattr(args, option) is not None}


_ORG_FIELDS = {"name": "name", "org_number": "org_number", "her_id": "her_id", "nav_unit": "nav_unit_number",
               "place": "place"}
_PERSON_FIELDS = {"name": "name", "title": "title", "place": "place", "national_id": "national_id",
                  "hpr": "hpr_number", "nav_ident": "nav_ident", "her_id": "her_id"}


def run(settings, args) -> int:
    import logging

    logging.getLogger("alembic").setLevel(logging.WARNING)  # its import-time notes are not the command's output
    from sqlmodel import Session

    from directory import admin
    from directory.schemas import ActorCreate, OrganisationCreate
    from web.database import make_engine, writer

    by = admin.By(label=_by(args))
    engine = make_engine(settings.database_url)
    try:
        with Session(writer(engine), expire_on_commit=False) as session:
            try:
                return _dispatch(session, args, by, admin, ActorCreate, OrganisationCreate)
            finally:
                session.rollback()  # an error leaves nothing behind
    except SambandError as exc:
        print(f"samband admin: {exc.message}", file=sys.stderr)
    except ValidationError as exc:
        print(f"samband admin: {_validation_message(exc)}", file=sys.stderr)
    finally:
        engine.dispose()
    return 2


def _dispatch(session, args, by, admin, ActorCreate, OrganisationCreate) -> int:  # noqa: N803
    what, action = args.admin_what, getattr(args, "admin_action", None)
    if what == "org" and action == "add":
        values = _given(args, _ORG_FIELDS) | {"kind": args.kind}
        if args.parent:
            values["parent_id"] = admin.resolve_organisation(session, args.parent).id
        org = admin.create_organisation(session, by, OrganisationCreate(**values))
        _print(args, admin.organisation_record(org), f"created organisation {org.id} {org.name}")
    elif what == "org" and action == "update":
        values = _given(args, _ORG_FIELDS)
        if args.parent:
            values["parent_id"] = args.parent
        org = admin.update_organisation(session, by, args.ref, admin.OrganisationUpdate(**values))
        _print(args, admin.organisation_record(org), f"organisation {org.id} {org.name} is up to date")
    elif what == "person" and action == "add":
        values = _given(args, _PERSON_FIELDS) | {"role": args.role}
        if args.subject:
            values["oidc_subject"] = args.subject
        if args.org:
            values["organisation_id"] = admin.resolve_organisation(session, args.org).id
        actor = admin.create_actor(session, by, ActorCreate(**values))
        _print(args, admin.actor_record(actor), f"created {actor.role} {actor.id} {actor.name}")
    elif what == "person" and action == "update":
        values = _given(args, _PERSON_FIELDS)
        if args.org:
            values["organisation_id"] = args.org
        actor = admin.update_actor(session, by, args.ref, admin.ActorUpdate(**values))
        _print(args, admin.actor_record(actor), f"{actor.role} {actor.id} {actor.name} is up to date")
    elif what == "relation" and action == "add":
        rel = admin.add_relation(session, by, admin.RelationCreate(
            kind=args.kind, from_actor=args.from_ref, to_actor=args.to, organisation=args.org))
        _print(args, admin.relation_record(rel), f"created relation {rel.id} ({rel.kind})")
    elif what == "relation" and action == "end":
        rel = admin.end_relation(session, by, args.relation_id)
        _print(args, admin.relation_record(rel), f"ended relation {rel.id} ({rel.kind})")
    elif what == "manager":
        rel = admin.set_manager(session, by, admin.ManagerSet(employee=args.employee, manager=args.manager))
        _print(args, admin.relation_record(rel), f"nearest manager named: relation {rel.id}")
    elif what == "audit":
        rows = [admin.change_record(r) for r in admin.audit(session, limit=args.limit)]
        if args.json:
            print(json.dumps(rows, ensure_ascii=False, indent=2))
        for r in rows if not args.json else ():
            print(f"{r['at']}  {r['by_label']:<20} {r['action']:<8} {r['target_type']:<12} {r['target_id']}  "
                  f"{json.dumps(r['detail'], ensure_ascii=False)}")
    return 0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from directory import types as t

    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--by", metavar="LABEL", help="who makes the change, for the audit trail (default: cli:<OS user>)")
    common.add_argument("--json", action="store_true", help="print the record as JSON")
    what = parser.add_subparsers(dest="admin_what", required=True)

    org = what.add_parser("org", help="organisations").add_subparsers(dest="admin_action", required=True)
    add = org.add_parser("add", parents=[common], help="create an organisation")
    add.add_argument("--kind", required=True, choices=[k.value for k in t.OrganisationKind])
    add.add_argument("--name", required=True)
    update = org.add_parser("update", parents=[common], help="change an organisation")
    update.add_argument("ref", help="id, org:<9 digits>, her:<id> or nav-unit:<4 digits>")
    update.add_argument("--name")
    for p in (add, update):
        p.add_argument("--org-number", metavar="N")
        p.add_argument("--her-id", metavar="N")
        p.add_argument("--nav-unit", metavar="N", help="NAV unit number (4 digits)")
        p.add_argument("--parent", metavar="REF", help="the parent organisation (a unit's main unit)")
        p.add_argument("--place", metavar="P")

    person = what.add_parser("person", help="people (one actor per role)").add_subparsers(dest="admin_action", required=True)
    add = person.add_parser("add", parents=[common], help="create a person in a role")
    add.add_argument("--role", required=True, choices=[r.value for r in t.Role])
    add.add_argument("--name", required=True)
    add.add_argument("--subject", metavar="SUB", help="an OpenID subject to sign in by (linking by rules needs none)")
    update = person.add_parser("update", parents=[common], help="change a person")
    update.add_argument("ref", help="id, nid:<11 digits>, hpr:<number> or nav:<ident>")
    update.add_argument("--name")
    for p in (add, update):
        p.add_argument("--title", metavar="T")
        p.add_argument("--place", metavar="P")
        p.add_argument("--org", metavar="REF", help="where the person works: id, org:, her: or nav-unit:")
        p.add_argument("--national-id", metavar="N")
        p.add_argument("--hpr", metavar="N", help="HPR number (health personnel)")
        p.add_argument("--nav-ident", metavar="Z123456")
        p.add_argument("--her-id", metavar="N")

    relation = what.add_parser("relation", help="relations").add_subparsers(dest="admin_action", required=True)
    add = relation.add_parser("add", parents=[common], help="add a relation from a person to a person or organisation")
    add.add_argument("--kind", required=True, choices=[k.value for k in t.RelationKind])
    add.add_argument("--from", dest="from_ref", required=True, metavar="REF")
    target = add.add_mutually_exclusive_group(required=True)
    target.add_argument("--to", metavar="REF")
    target.add_argument("--org", metavar="REF")
    end = relation.add_parser("end", parents=[common], help="end a relation (it stays in the history)")
    end.add_argument("relation_id")

    manager = what.add_parser("manager", help="nearest managers").add_subparsers(dest="admin_action", required=True)
    put = manager.add_parser("set", parents=[common], help="name the nearest manager (ends the previous one there)")
    put.add_argument("--employee", required=True, metavar="REF")
    put.add_argument("--manager", required=True, metavar="REF")

    audit = what.add_parser("audit", parents=[common], help="the newest directory changes")
    audit.add_argument("--limit", type=int, default=50, metavar="N")
    parser.set_defaults(func=run)
