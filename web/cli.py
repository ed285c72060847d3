"""The ``samband`` command line: serve, migrate, demo data, log verification."""

from __future__ import annotations

import argparse
import logging
import sys

from sqlmodel import Session

from web.settings import Settings


def _settings() -> Settings:
    return Settings()


def cmd_migrate(settings: Settings, _args) -> int:
    from web.database import migrate

    migrate(settings.database_url)
    print(f"database at {settings.database_url} is at the newest schema")
    return 0


def cmd_demo(settings: Settings, _args) -> int:
    from web.database import make_engine, migrate
    from web.demo import load_demo, store_demo_key_backups

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
    if args.demo:
        cmd_demo(settings, args)
    else:
        cmd_migrate(settings, args)
    print(f"samband on {settings.public_url}  (API docs: {settings.public_url}/docs)")
    uvicorn.run(create_app(settings), host=args.host, port=args.port, log_level="info", proxy_headers=True)
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="samband", description="samband: consent and secure messaging for sick-leave follow-up")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the server (migrates first)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--demo", action=argparse.BooleanOptionalAction, default=True, help="load demo data (default: yes)")
    serve.set_defaults(func=cmd_serve)
    sub.add_parser("migrate", help="bring the database to the newest schema").set_defaults(func=cmd_migrate)
    sub.add_parser("demo", help="create the demo population").set_defaults(func=cmd_demo)
    sub.add_parser("verify-log", help="recompute the disclosure log's hash chain and check signed heads").set_defaults(func=cmd_verify_log)
    sub.add_parser("sign-head", help="sign the disclosure log's current head").set_defaults(func=cmd_sign_head)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    try:
        settings = _settings()
    except ValueError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    return args.func(settings, args)


if __name__ == "__main__":
    sys.exit(main())
