"""``rufbereit web`` (the console on its own) and ``rufbereit users`` (its log-ins)."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import os
import signal
import sys
from typing import Any

from agent.config import Settings, resolve_profile_path
from agent.http_endpoint import serving
from agent.storage import migrate
from agent.storage.database import Database, DatabaseUnavailable

from .app import make_console
from .passwords import WeakPassword
from .users import ROLES, UserError, Users


def add_console_commands(subparsers: Any) -> None:
    web = subparsers.add_parser("web", help="serve the web console (console.bind)")
    web.add_argument("--bind", help="HOST:PORT instead of console.bind")
    web.set_defaults(func=run_web)

    users = subparsers.add_parser("users", help="the web console's users")
    sub = users.add_subparsers(metavar="ACTION", required=True)
    add = sub.add_parser("add", help="create a user (asks for the password)")
    add.add_argument("username")
    add.add_argument("--role", choices=ROLES, required=True)
    add.add_argument("--password-stdin", action="store_true", help="read it from stdin")
    add.set_defaults(func=run_users, action="add")
    passwd = sub.add_parser("passwd", help="set a new password (ends their sessions)")
    passwd.add_argument("username")
    passwd.add_argument("--password-stdin", action="store_true")
    passwd.set_defaults(func=run_users, action="passwd")
    for name, text in (("disable", "no more log-ins"), ("enable", "log-ins again"),
                       ("unlock", "end a lock-out after failed log-ins")):  # fmt: skip
        p = sub.add_parser(name, help=text)
        p.add_argument("username")
        p.set_defaults(func=run_users, action=name)
    ls = sub.add_parser("list", help="every user with their role")
    ls.set_defaults(func=run_users, action="list", username="")


def _password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("Password: ")
    if first != getpass.getpass("Again: "):
        raise UserError("the two passwords differ")
    return first


def run_users(settings: Settings, args: argparse.Namespace) -> int:
    async def go() -> str:
        async with Database(settings.database.url.get_secret_value(), min_size=0,
                            max_size=1) as db:  # fmt: skip
            await migrate(db)
            users = Users(db)
            if args.action == "add":
                user = await users.add(args.username, _password(args), args.role)
                return f"user {user.username} ({user.role}) created"
            if args.action == "passwd":
                await users.set_password(args.username, _password(args))
                return f"password of {args.username} changed; their sessions are ended"
            if args.action in ("disable", "enable"):
                await users.set_disabled(args.username, args.action == "disable")
                return f"{args.username} {args.action}d"
            if args.action == "unlock":
                n = await users.unlock(args.username)
                return f"{args.username} unlocked ({n} failed log-ins forgotten)"
            rows = ["\t".join([u.username, u.role] + (["disabled"] if u.disabled else []))
                    for u in await users.all()]  # fmt: skip
            return "\n".join(rows) or "no users yet: rufbereit users add NAME --role owner"

    try:
        print(asyncio.run(go()))
    except (UserError, WeakPassword, DatabaseUnavailable) as exc:
        print(f"rufbereit users: {exc}", file=sys.stderr)
        return 2
    return 0


def run_web(settings: Settings, args: argparse.Namespace) -> int:
    bind = args.bind or settings.console.bind
    if bind is None:
        print("rufbereit web: console.bind is off; give --bind HOST:PORT", file=sys.stderr)
        return 2
    path = resolve_profile_path(args.profile)

    async def go() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        async with Database(settings.database.url.get_secret_value()) as db:
            await migrate(db)
            app = make_console(settings, db, path, env=os.environ)
            async with serving(bind, app, "web console") as address:
                if address is None:
                    raise SystemExit(f"rufbereit web: cannot listen on {bind}")
                print(f"rufbereit web console on http://{address}/", flush=True)
                await stop.wait()

    try:
        asyncio.run(go())
    except DatabaseUnavailable as exc:
        print(f"rufbereit web: {exc}", file=sys.stderr)
        return 2
    return 0
