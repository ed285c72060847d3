"""``samband-client``: the Python client on the command line.

    samband-client login --server http://127.0.0.1:8000 --username solberg   # embedded demo IdP
    samband-client login --server https://samband.example --issuer https://idporten.no [--device]
    samband-client keygen                      # new key pairs, public halves published
    samband-client find "psykolog fjellsiden"
    samband-client cases
    samband-client thread --case C --with ACTOR [--with ACTOR ...]
    samband-client send --case C --thread T --kind functional_assessment --form answer.json
    samband-client send --case C --thread T --kind nav_request --form request.json --reference NAV-123
    samband-client send ... --attach diagnosis=epikrise.pdf   # an encrypted attachment in that section
    samband-client read MESSAGE_ID
    samband-client download MESSAGE_ID [--to DIR]            # its attachments you may open
    samband-client watch [--cursor N]

State (server, token, private keys) lives in ``--home`` (default ``~/.samband``),
files readable by you only.  Private keys never leave that folder.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import os
import sys
import time
import webbrowser
from dataclasses import asdict
from pathlib import Path

from messaging.attachment_crypto import AttachmentError
from messaging.client import ClientError, ConsentMissing, SambandClient
from messaging.kinds import KindError
from messaging.keys import Identity
from messaging.signin import (CLI_CLIENT_ID, DEFAULT_SCOPE, SignInFailed, can_use_browser, discover, login,
                              login_with_browser, login_with_device)


def _write_private(path: Path, data: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump(data, f)


def _load(home: Path, name: str) -> dict:
    path = home / name
    if not path.exists():
        raise SystemExit(f"{path} is missing: run 'samband-client login' (and 'keygen') first")
    return json.loads(path.read_text())


def _client(home: Path, *, need_identity: bool = True) -> SambandClient:
    session = _load(home, "session.json")
    identity = Identity.from_json(_load(home, "identity.json")) if need_identity else None
    return SambandClient(session["server"], session["token"], identity)


def _print(data) -> None:
    print(json.dumps(data, indent=2, ensure_ascii=False, default=str))


def cmd_login(args) -> None:
    server = args.server.rstrip("/")
    if args.issuer:
        cmd_login_oidc(args, server)
        return
    if not args.username:
        raise SystemExit("login needs --username (the embedded demo identity provider) or --issuer URL (any other)")
    password = sys.stdin.readline().rstrip("\n") if args.password_stdin else getpass.getpass("password: ")
    token = login(server, args.username, password)
    _write_private(args.home / "session.json", {"server": server, "token": token})
    print(f"signed in as {args.username}")


def _say(text: str) -> None:
    print(text, flush=True)


def cmd_login_oidc(args, server: str) -> None:
    """``login --issuer``: any OpenID provider, by browser (code + PKCE, loopback) or device code."""
    issuer = args.issuer.rstrip("/")
    config = discover(issuer)
    options = {"client_id": args.client_id, "scope": args.scope, "resource": args.resource, "config": config}
    if args.device or not can_use_browser(config):
        def show_code(grant: dict) -> None:
            _say(f"To sign in, open {grant['verification_uri']} and enter the code {grant['user_code']}")
            if grant.get("verification_uri_complete"):
                _say(f"(or open {grant['verification_uri_complete']})")
            _say("waiting for you to approve ...")

        tokens = login_with_device(issuer, show=show_code, **options)
    else:
        def show_url(url: str) -> None:
            if args.no_browser or not webbrowser.open(url):
                _say(f"Open this address in a browser to sign in:\n{url}")
            else:
                _say(f"Signing in in your browser (if nothing opened, go to {url})")
            _say(f"waiting up to {args.timeout:.0f} seconds ...")

        tokens = login_with_browser(issuer, show=show_url, timeout=args.timeout, **options)
    session = {"server": server, "token": tokens["access_token"], "issuer": issuer, "client_id": args.client_id}
    if tokens.get("refresh_token"):
        session["refresh_token"] = tokens["refresh_token"]
    if tokens.get("expires_in"):
        session["expires_at"] = int(time.time()) + int(tokens["expires_in"])
    _write_private(args.home / "session.json", session)
    _say(f"signed in at {issuer}" + (f" (the token lasts {int(tokens['expires_in']) // 60} minutes)"
                                     if tokens.get("expires_in") else ""))


def cmd_keygen(args) -> None:
    path = args.home / "identity.json"
    if path.exists() and not args.force:
        raise SystemExit(f"{path} exists; --force replaces it (old messages to the old key will not open)")
    identity = Identity.generate()
    _write_private(path, identity.to_json())
    session = _load(args.home, "session.json")
    with SambandClient(session["server"], session["token"], identity) as client:
        _print(client.publish_keys())


def cmd_find(args) -> None:
    with _client(args.home, need_identity=False) as client:
        _print(client.find(args.query))


def cmd_cases(args) -> None:
    with _client(args.home, need_identity=False) as client:
        _print([client.case(c["id"]) for c in client.cases()])


def cmd_thread(args) -> None:
    with _client(args.home, need_identity=False) as client:
        _print(client.start_thread(args.case, args.members, args.topic))


def cmd_send(args) -> None:
    form = json.loads(Path(args.form).read_text() if args.form != "-" else sys.stdin.read())
    purposes = dict(p.split("=", 1) for p in args.purpose_for)
    attachments: dict[str, list[str]] = {}
    for item in args.attach:
        section, sep, path = item.partition("=")
        if not sep or not section or not path:
            raise AttachmentError(f"--attach wants SECTION=PATH (a category, like diagnosis=epikrise.pdf), not {item!r}")
        attachments.setdefault(section, []).append(path)
    with _client(args.home) as client:
        _print(client.send(args.case, args.thread, args.kind, form, in_reply_to=args.reply_to,
                           purpose=args.purpose, purposes=purposes, nav_reference=args.reference,
                           attachments=attachments))


def cmd_download(args) -> None:
    args.to.mkdir(parents=True, exist_ok=True)
    with _client(args.home) as client:
        message = client.read(args.message_id, receipt=False)
        _print([{"id": ref.id, "file": str(client.download_attachment(ref, args.to)), "sha256": ref.sha256}
                for ref in client.attachments_of(message)])


def cmd_read(args) -> None:
    with _client(args.home) as client:
        _print(asdict(client.read(args.message_id)))


def cmd_watch(args) -> None:
    async def run() -> None:
        with _client(args.home) as client:
            async for event in client.watch(args.cursor):
                if "message" in event:
                    event = {**event, "message": asdict(event["message"]), "view": "..."}
                print(json.dumps(event, ensure_ascii=False, default=str), flush=True)

    asyncio.run(run())


def _advice(problem: dict) -> str:
    """What to do about one missing basis: the law's act where a rule could apply."""
    hint = problem.get("statutory_possible")
    if hint is None:
        return "ask the employee for consent"
    if hint.get("act") == "send_nav_request":
        return f"send a NAV request (--kind nav_request): {hint['law']} lets NAV ask for it"
    return f"{hint['law']} gives a basis once NAV has asked for this; NAV has not asked (yet)"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="samband-client", description=__doc__.split("\n\n")[0])
    parser.add_argument("--home", type=Path, default=Path.home() / ".samband", help="where the token and keys live")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("login", help="sign in: --issuer URL (any OpenID provider) or --username (embedded demo IdP)")
    p.add_argument("--server", default="http://127.0.0.1:8000", help="the samband server the token is for")
    p.add_argument("--username", help="embedded demo identity provider: who to sign in as")
    p.add_argument("--password-stdin", action="store_true")
    p.add_argument("--issuer", help="an OpenID provider's issuer URL (found by discovery)")
    p.add_argument("--client-id", default=CLI_CLIENT_ID, help="the public client registered at the provider")
    p.add_argument("--scope", default=DEFAULT_SCOPE, help="space-separated scopes (e.g. HelseID's own)")
    p.add_argument("--resource", help="RFC 8707 resource indicator (the samband API's audience), if the provider needs it")
    p.add_argument("--device", action="store_true", help="sign in on another device with a code (RFC 8628)")
    p.add_argument("--no-browser", action="store_true", help="print the sign-in address instead of opening a browser")
    p.add_argument("--timeout", type=float, default=300.0, help="seconds to wait for the browser (default 300)")
    p.set_defaults(func=cmd_login)
    p = sub.add_parser("keygen", help="make your key pairs and publish the public halves")
    p.add_argument("--force", action="store_true")
    p.set_defaults(func=cmd_keygen)
    p = sub.add_parser("find", help="search the directory")
    p.add_argument("query")
    p.set_defaults(func=cmd_find)
    sub.add_parser("cases", help="your cases, with participants and what is due").set_defaults(func=cmd_cases)
    p = sub.add_parser("thread", help="start a thread in a case")
    p.add_argument("--case", required=True)
    p.add_argument("--with", dest="members", action="append", required=True, help="actor id (repeat)")
    p.add_argument("--topic", default="conversation")
    p.set_defaults(func=cmd_thread)
    p = sub.add_parser("send", help="seal and send a message (form as JSON)")
    p.add_argument("--case", required=True)
    p.add_argument("--thread", required=True)
    p.add_argument("--kind", required=True)
    p.add_argument("--form", required=True, help="a JSON file, or - for standard input")
    p.add_argument("--reply-to")
    p.add_argument("--purpose")
    p.add_argument("--purpose-for", action="append", default=[], metavar="ACTOR_ID=PURPOSE")
    p.add_argument("--reference", default="", help="NAV's own reference (with --kind nav_request)")
    p.add_argument("--attach", action="append", default=[], metavar="SECTION=PATH",
                   help="attach a PDF, PNG or JPEG (at most 25 MB) to a section, e.g. diagnosis=epikrise.pdf (repeat)")
    p.set_defaults(func=cmd_send)
    p = sub.add_parser("download", help="fetch and decrypt a message's attachments that you may open")
    p.add_argument("message_id")
    p.add_argument("--to", type=Path, default=Path("."), help="the folder to put the files in")
    p.set_defaults(func=cmd_download)
    p = sub.add_parser("read", help="fetch, verify and open a message")
    p.add_argument("message_id")
    p.set_defaults(func=cmd_read)
    p = sub.add_parser("watch", help="print events as they come (Ctrl-C to stop)")
    p.add_argument("--cursor", type=int, default=0)
    p.set_defaults(func=cmd_watch)
    args = parser.parse_args(argv)
    try:
        args.func(args)
    except ConsentMissing as exc:
        print(f"not sent: {exc.message}", file=sys.stderr)
        for problem in exc.problems:
            print(f"  - {problem.get('recipient_name', problem.get('recipient_id'))}: {problem['category']} "
                  f"({problem['reason']}) — {_advice(problem)}", file=sys.stderr)
        return 3
    except (ClientError, SignInFailed) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except (AttachmentError, KindError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
