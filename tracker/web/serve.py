"""Build and serve the Datasette instance: metadata, the project's plugin, logins, settings, a persistent secret."""
from __future__ import annotations

import json
import os
import secrets
from pathlib import Path
from typing import Any

from datasette.app import Datasette

from tracker import config as config_mod
from tracker.web import metadata as metadata_mod
from tracker.store.db import connect
from tracker.errors import ConfigError

TEMPLATES = Path(__file__).resolve().parent / "templates"
SECRET_ENV = "DATASETTE_SECRET"
DEMO_USER, DEMO_PASSWORD = "demo-editor", "demo-editor-password"


def hash_env_name(user: str) -> str:
    """The environment variable holding a user's password hash: SEOC_PASSWORD_HASH_<USER>."""
    return "SEOC_PASSWORD_HASH_" + "".join(c if c.isalnum() else "_" for c in user.upper())


def hash_password(password: str) -> str:
    """A pbkdf2 hash in datasette-auth-passwords' format."""
    from datasette_auth_passwords.utils import hash_password as _hash
    return _hash(password)


def persistent_secret(db_path: Path) -> str:
    """$DATASETTE_SECRET, else a secret kept beside the database (so restarts keep staff logged in)."""
    if os.environ.get(SECRET_ENV):
        return os.environ[SECRET_ENV]
    secret_file = db_path.parent / ".datasette-secret"
    if not secret_file.exists():
        secret_file.write_text(secrets.token_hex(32))
        secret_file.chmod(0o600)
    return secret_file.read_text().strip()


def auth_plugin_config(users: dict[str, str]) -> dict[str, Any]:
    """datasette-auth-passwords config: hashes from the environment, actors with their role."""
    plugin: dict[str, Any] = {"actors": {}}
    for user, role in users.items():
        plugin[f"{user}_password_hash"] = {"$env": hash_env_name(user)}
        plugin["actors"][user] = {"id": user, "roles": [role]}
    return plugin


def build_metadata(db_name: str, config: config_mod.Config, users: dict[str, str]) -> dict[str, Any]:
    """The committed datasette_metadata.json, adapted to this database, the read setting and the users."""
    base = json.loads(metadata_mod.METADATA_FILE.read_text(encoding="utf-8"))
    document = metadata_mod.for_database(base, db_name, config.public_read)
    document.setdefault("plugins", {})["datasette-auth-passwords"] = auth_plugin_config(users)
    return document


def build_datasette(db_path: str | os.PathLike, *, config: config_mod.Config | None = None,
                    users: dict[str, str] | None = None, secret: str | None = None) -> Datasette:
    """A configured Datasette for the tracker database (tests use this too)."""
    db_path = Path(db_path)
    connect(db_path).close()  # create and migrate before serving; WAL persists in the file
    config = config or config_mod.load()
    users = dict(config.users if users is None else users)
    settings = {
        "allow_download": False,  # the file holds the response register
        "sql_time_limit_ms": 3000,
        "max_returned_rows": 1000,
        "default_facet_size": 15,
        # Suggestions run dozens of extra queries on every page: 65 of the 81 on a search page at 200k items.
        "suggest_facets": False,
        "force_https_urls": os.environ.get("SEOC_FORCE_HTTPS", "").lower() in ("1", "true", "yes"),
    }
    return Datasette(
        [str(db_path)],
        metadata=build_metadata(db_path.stem, config, users),
        settings=settings,
        secret=secret or persistent_secret(db_path),
        template_dir=str(TEMPLATES),
    )


def serve_datasette(db_path: str | os.PathLike, *, host: str = "127.0.0.1", port: int = 8001, demo: bool = False,
                    config: config_mod.Config | None = None) -> None:
    """Serve until interrupted. The demo adds its demo-only editor account."""
    import uvicorn

    config = config or config_mod.load()
    users = dict(config.users)
    if demo:
        users[DEMO_USER] = "editor"
        os.environ[hash_env_name(DEMO_USER)] = hash_password(DEMO_PASSWORD)
    missing = [u for u in users if not os.environ.get(hash_env_name(u))]
    if missing:
        raise ConfigError("no password hash for " + ", ".join(missing) + ": set "
                          + ", ".join(hash_env_name(u) for u in missing) + " (see `seoc-tracker user add`)")
    datasette = build_datasette(db_path, config=config, users=users)
    uvicorn.run(datasette.app(), host=host, port=port, log_level="warning")
