"""`callqa keys create|list|revoke|ensure-admin`: API keys from the server's own shell."""

import argparse
import os
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from service.auth import service
from service.clock import utc_now
from service.config import Settings
from service.db import make_engine, make_sessionmaker, session_scope


def _sessions(settings: Settings) -> sessionmaker[Session]:
    return make_sessionmaker(make_engine(settings.database_url))


def _create(settings: Settings, args: argparse.Namespace) -> int:
    with session_scope(_sessions(settings)) as session:
        row, token = service.create_key(session, args.name, args.scope, utc_now(), args.agent_id)
    print(f"created key {row.id} ({row.name}) with scopes {row.scopes}; it is shown only now:\n{token}")
    return 0


def _list(settings: Settings, _: argparse.Namespace) -> int:
    with session_scope(_sessions(settings)) as session:
        for k in service.list_keys(session):
            state = f"revoked {k.revoked_at:%Y-%m-%d %H:%M}" if k.revoked_at else "active"
            used = f"{k.last_used_at:%Y-%m-%d %H:%M}" if k.last_used_at else "never"
            scopes = f"{k.scopes} ({k.agent_id})" if k.agent_id else k.scopes
            print(f"{k.id:>4}  {k.prefix}  {k.name:<24} {scopes:<24} {state:<22} last used {used}")
    return 0


def _revoke(settings: Settings, args: argparse.Namespace) -> int:
    with session_scope(_sessions(settings)) as session:
        row = service.revoke(session, args.key, utc_now())
    print(f"revoked key {row.id} ({row.name})")
    return 0


def _ensure_admin(settings: Settings, args: argparse.Namespace) -> int:
    """For `make run`: reuse the admin key saved in FILE while it still works, else create and save one."""
    path = Path(args.file)
    with session_scope(_sessions(settings)) as session:
        if path.exists():
            token = path.read_text().strip()
            if (p := service.verify(session, token)) and p.allows("admin"):
                print(token)
                return 0
        _, token = service.create_key(session, "make-run admin", ["admin"], utc_now())
    path.write_text(token + "\n")
    os.chmod(path, 0o600)
    print(token)
    return 0


def add_commands(sub: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    keys = sub.add_parser("keys", help="API keys (stored hashed)").add_subparsers(dest="action", required=True)
    create = keys.add_parser("create", help="create a key; it is printed once")
    create.add_argument("--name", required=True)
    create.add_argument("--scope", action="append", required=True, choices=service.SCOPES, help="repeatable")
    create.add_argument("--agent-id", help="with --scope agent: the agent whose own interactions the key may see")
    create.set_defaults(run=_create)
    keys.add_parser("list", help="list keys (never their secrets)").set_defaults(run=_list)
    revoke = keys.add_parser("revoke", help="revoke a key by id or prefix")
    revoke.add_argument("key")
    revoke.set_defaults(run=_revoke)
    ensure = keys.add_parser("ensure-admin", help="print a working admin key, saved in FILE (0600)")
    ensure.add_argument("--file", default=".callqa-admin-key")
    ensure.set_defaults(run=_ensure_admin)
