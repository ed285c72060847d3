"""The ``samband`` command line: serve, migrate, demo data, provisioning, log signing, verification and witnessing."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from web.observability.logs import configure_logging
from web.settings import Settings


def _settings() -> Settings:
    return Settings()


def _shown(url: str) -> str:
    """The database URL without its password, for output that ends up in logs."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def cmd_migrate(settings: Settings, _args) -> int:
    """Idempotent and safe to run concurrently (see ``web.database.migrate``): the
    command of a deployment's one-shot migration job."""
    from web.database import migrate

    migrate(settings.database_url)
    print(f"database at {_shown(settings.database_url)} is at the newest schema")
    return 0


def cmd_demo(settings: Settings, _args) -> int:
    from web.database import make_engine, migrate
    from web.demo import load_demo, store_demo_key_backups

    if settings.environment == "production":
        # Invented GPs and managers must never appear in a real directory.
        print("refusing to load demo data with SAMBAND_ENVIRONMENT=production", file=sys.stderr)
        return 2
    from consent import audit

    migrate(settings.database_url)
    engine = make_engine(settings.database_url)
    audit.register_signer(_signer(settings), settings.database_url)  # the demo's log entries get signed heads
    demo = load_demo(engine, settings.data_dir)
    # The portal restores a demo professional's keys in the browser with the demo password.
    store_demo_key_backups(engine, settings.data_dir, settings.demo_password.get_secret_value())
    print(f"demo data ready: {len(demo.actors)} people, {len(demo.cases)} cases")
    print("sign in as: " + ", ".join(sorted(demo.actors)) + f"  (password: {settings.demo_password.get_secret_value()})")
    return 0


def cmd_serve(settings: Settings, args) -> int:
    import uvicorn

    from web.app import create_app

    if "public_url" not in settings.model_fields_set:
        # Sign-in redirects and the embedded IdP's issuer must name the address we serve on.
        host = "127.0.0.1" if args.host in ("0.0.0.0", "::") else args.host
        settings = settings.model_copy(update={"public_url": f"http://{host}:{args.port}"})
    demo = args.demo if args.demo is not None else settings.environment != "production"
    if not args.migrate:
        # Several nodes: a one-shot job migrates (and loads demo data) before they start.
        print("not migrating (--no-migrate)")
    elif demo:
        if cmd_demo(settings, args) != 0:
            return 2
    else:
        cmd_migrate(settings, args)
    print(f"samband on {settings.public_url}  (API docs: {settings.public_url}/docs)")
    # samband's access log (route templates, request ids) replaces uvicorn's, which
    # prints raw paths with their query strings; log_config=None lets uvicorn's own
    # records through the handler configure_logging installed, in the same format.
    uvicorn.run(
        create_app(settings), host=args.host, port=args.port, log_level="info", proxy_headers=True,
        log_config=None, access_log=False,
    )
    return 0


def cmd_verify_log(settings: Settings, args) -> int:
    """Only the public key: verifying never needs (or makes) the signing key."""
    from sqlmodel import Session

    from consent import audit, logformat
    from web.database import make_engine

    try:
        public_key = logformat.load_public_key(Path(args.public_key).read_bytes())
    except OSError as exc:
        print(f"cannot read the public key {args.public_key}: {exc.strerror or exc} "
              "(write it with `samband export-public-key` where the signing key is)", file=sys.stderr)
        return 2
    except ValueError as exc:
        print(f"{args.public_key}: {exc}", file=sys.stderr)
        return 2
    witnessed = None
    if args.witness_state:
        try:
            witnessed = json.loads(Path(args.witness_state).read_text())["logs"]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            print(f"cannot read the witness state {args.witness_state}: {exc}", file=sys.stderr)
            return 2
    with Session(make_engine(settings.database_url)) as session:
        report = audit.verify(session, public_key, witnessed=witnessed)
    if report.ok:
        unsigned = f"; {report.unsigned} logs have entries no head covers yet (run samband sign-head)" if report.unsigned else ""
        print(f"OK: {report.logs} logs, {report.entries} entries, {report.signed_heads} signed heads verified{unsigned}")
        return 0
    for problem in report.problems:
        print(f"FAILED: {problem}")
    more = f" (stopped after the first {len(report.problems)})" if report.stopped else ""
    print(f"{len(report.problems)} problem(s) in {report.logs} logs checked{more}")
    return 1


def cmd_purge(settings: Settings, args) -> int:
    """Purge the content of closed cases past their retention period (docs/retention.md)."""
    from datetime import UTC, datetime

    from sqlmodel import Session

    from consent import audit
    from directory.columns import utcnow
    from messaging import caselife
    from web.database import make_engine, writer

    now = utcnow()
    if args.now:
        try:
            now = datetime.fromisoformat(args.now)
        except ValueError:
            print(f"--now {args.now!r} is not an ISO 8601 date or time (e.g. 2028-01-31 or 2028-01-31T12:00:00Z)",
                  file=sys.stderr)
            return 2
        now = now if now.tzinfo else now.replace(tzinfo=UTC)
    audit.register_signer(_signer(settings), settings.database_url)  # the purge's log entries sign their heads
    try:
        with Session(writer(make_engine(settings.database_url)), expire_on_commit=False) as session:
            due = caselife.due_cases(session, now)
            done = caselife.purge(session, now, limit=args.limit)
    finally:
        audit.register_signer(None, settings.database_url)
    rules = caselife.rules()
    print(f"purged the content of {len(done)} case(s) ({sum(done.values())} messages) of {len(due)} due at "
          f"{now.isoformat()} (retention rules {rules.version}: {rules.content_days_after_end} days after the end)")
    return 0


def _signer(settings: Settings):
    from web.signing import load_or_create_log_signer

    return load_or_create_log_signer(settings.consent.log_signing_key_file)


def cmd_sign_head(settings: Settings, _args) -> int:
    from sqlmodel import Session

    from consent import audit
    from web.database import make_engine, writer

    with Session(writer(make_engine(settings.database_url)), expire_on_commit=False) as session:
        signed = audit.sign_missing_heads(session, _signer(settings))
    print("every log's head is already signed" if not signed else f"signed the current head of {signed} log(s)")
    return 0


def cmd_export_public_key(settings: Settings, args) -> int:
    """The log key's public half, for ``verify-log --public-key`` and witnesses."""
    from consent import logformat
    from web.signing import load_log_signer

    try:
        public_key = load_log_signer(settings.consent.log_signing_key_file).public_key()
    except (OSError, ValueError) as exc:
        print(f"cannot read the log signing key {settings.consent.log_signing_key_file}: {exc}", file=sys.stderr)
        return 2
    pem = logformat.public_key_pem(public_key)
    if args.out and args.out != "-":
        Path(args.out).write_bytes(pem)
        print(f"wrote the log's public key (key id {logformat.key_id(public_key)}) to {args.out}", file=sys.stderr)
    else:
        sys.stdout.write(pem.decode())
    return 0


def cmd_witness(_settings, args) -> int:
    from consent import witness

    return witness.main(args)


def cmd_import(settings: Settings, args) -> int:
    """Import registry files into the directory (docs/import.md)."""
    import getpass

    from directory.importers import SOURCES, run_import, summary
    from web.database import make_engine

    if args.batch_size < 1:
        print("--batch-size must be at least 1", file=sys.stderr)
        return 2
    paths = [Path(f) for f in args.files]
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        print(f"no such file: {', '.join(missing)}", file=sys.stderr)
        return 2
    engine = make_engine(settings.database_url)
    try:
        report = run_import(engine, SOURCES[args.source], paths, dry_run=args.dry_run,
                            all_or_nothing=args.all_or_nothing, batch_size=args.batch_size,
                            by_label=args.by or f"cli:{getpass.getuser()}")
    finally:
        engine.dispose()
    if report.exit_code != 2:
        print(summary(args.source, report, dry_run=args.dry_run))
    return report.exit_code


def build_parser() -> argparse.ArgumentParser:
    """The command line (deploy/ checks its commands against it)."""
    parser = argparse.ArgumentParser(prog="samband", description="samband: consent and secure messaging for sick-leave follow-up")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the server (migrates first)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument(
        "--demo", action=argparse.BooleanOptionalAction, default=None,
        help="load demo data (default: yes, except with SAMBAND_ENVIRONMENT=production, where it is refused)",
    )
    serve.add_argument(
        "--migrate", action=argparse.BooleanOptionalAction, default=True,
        help="bring the schema to the newest version (and load demo data) before serving; "
        "--no-migrate when a separate `samband migrate` job does that (several nodes)",
    )
    serve.set_defaults(func=cmd_serve)
    sub.add_parser("migrate", help="bring the database to the newest schema").set_defaults(func=cmd_migrate)
    sub.add_parser("demo", help="create the demo population").set_defaults(func=cmd_demo)
    verify = sub.add_parser("verify-log", help="recompute every person's disclosure log and check every signed head")
    verify.add_argument("--public-key", required=True, metavar="FILE",
                        help="the log's public key (PEM from `samband export-public-key`, or the base64url key the API shows)")
    verify.add_argument("--witness-state", metavar="FILE", help="a `samband witness` state file: also report logs cut below what it saw")
    verify.set_defaults(func=cmd_verify_log)
    purge = sub.add_parser("purge", help="delete the message content of closed cases past their retention period")
    purge.add_argument("--now", metavar="WHEN",
                       help="FOR TESTS AND AUDITS: purge as if it were this date/time (ISO 8601; default: the clock)")
    purge.add_argument("--limit", type=int, metavar="N", help="purge at most N cases this run")
    purge.set_defaults(func=cmd_purge)
    from directory.importers import SOURCES

    imp = sub.add_parser("import", help="import registry files (Enhetsregisteret, HPR, AR, NORG2, nearest managers, GPs)",
                         description="Import registry files into the directory; see docs/import.md. Exit 0: every row "
                         "applied; 1: some rows rejected (each printed as FILE:LINE: reason); 2: a file unusable.")
    imp.add_argument("source", choices=sorted(SOURCES), help="which registry the files come from")
    imp.add_argument("files", nargs="+", metavar="FILE", help="JSON array, JSON Lines or CSV; gzip'd or not")
    imp.add_argument("--dry-run", action="store_true", help="print what would change and write nothing")
    imp.add_argument("--all-or-nothing", action="store_true",
                     help="one transaction: nothing is written if any row is rejected")
    imp.add_argument("--batch-size", type=int, default=2000, metavar="N", help="rows per transaction (default 2000)")
    imp.add_argument("--by", metavar="LABEL", help="who runs the import, for the audit trail (default cli:<OS user>)")
    imp.set_defaults(func=cmd_import)
    sub.add_parser("sign-head", help="sign the current head of every disclosure log that has none").set_defaults(func=cmd_sign_head)
    export = sub.add_parser("export-public-key", help="write the disclosure log's public key (PEM) for verify-log and witnesses")
    export.add_argument("--out", metavar="FILE", help="where to write it (default: standard output)")
    export.set_defaults(func=cmd_export_public_key)
    from web import admin_cli

    admin_cli.add_arguments(sub.add_parser("admin", help="provision organisations, people, relations and managers (docs/provisioning.md)"))
    from consent.witness import add_arguments

    add_arguments(sub.add_parser("witness", help="check a samband server's signed log heads with only its public key"))
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "witness":  # runs anywhere: needs no settings and no database
        return cmd_witness(None, args)
    try:
        settings = _settings()
    except ValueError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    configure_logging(settings.log_format, node_id=settings.node_id)
    return args.func(settings, args)


if __name__ == "__main__":
    sys.exit(main())
