"""The ``samband`` command line: serve, migrate, demo data, log verification."""

from __future__ import annotations

import argparse
import sys

from sqlmodel import Session

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
    migrate(settings.database_url)
    engine = make_engine(settings.database_url)
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


def cmd_verify_log(settings: Settings, _args) -> int:
    from consent import audit
    from web.database import make_engine
    from web.signing import load_or_create_log_signer

    signer = load_or_create_log_signer(settings.consent.log_signing_key_file)
    with Session(make_engine(settings.database_url)) as session:
        report = audit.verify(session, signer.public_key())
    if report.ok:
        print(f"OK: {report.entries} entries, chain intact, {report.signed_heads} signed heads verified")
        return 0
    print(f"FAILED: {report.problem} (checked {report.entries} entries before it)")
    return 1


def cmd_sign_head(settings: Settings, _args) -> int:
    from consent import audit
    from web.database import make_engine, writer
    from web.signing import load_or_create_log_signer

    signer = load_or_create_log_signer(settings.consent.log_signing_key_file)
    with Session(writer(make_engine(settings.database_url))) as session:
        signed = audit.sign_head(session, signer)
    print("head already signed" if signed is None else f"signed head at entry {signed.seq}")
    return 0


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
    sub.add_parser("verify-log", help="recompute the disclosure log's hash chain and check signed heads").set_defaults(func=cmd_verify_log)
    sub.add_parser("sign-head", help="sign the disclosure log's current head").set_defaults(func=cmd_sign_head)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = _settings()
    except ValueError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    configure_logging(settings.log_format, node_id=settings.node_id)
    return args.func(settings, args)


if __name__ == "__main__":
    sys.exit(main())
