"""Build and serve the Datasette instance: metadata, the project's plugins, logins, settings, a checked secret."""
from __future__ import annotations

import json
import os
from datetime import datetime
from pathlib import Path
from typing import Any

from datasette.app import Datasette

from tracker.web import auth as auth_plugin
from tracker.web import views
from tracker import config as config_mod
from tracker.web import metadata as metadata_mod
from tracker import server_secret
from tracker.web.accounts import Accounts, check_hashes, hash_env_name  # noqa: F401 - hash_env_name is used via this module
from tracker.store.db import connect
from tracker.server_secret import persistent_secret  # noqa: F401 - kept importable from here

TEMPLATES = Path(__file__).resolve().parent / "templates"
SECRET_ENV = server_secret.SECRET_ENV
DEMO_USER, DEMO_PASSWORD = "demo-editor", "demo-editor-password"


def hash_password(password: str) -> str:
    """A pbkdf2 hash in datasette-auth-passwords' format."""
    from datasette_auth_passwords.utils import hash_password as _hash
    return _hash(password)


def served_over_https(config: config_mod.Config) -> bool:
    """Whether the site is served over https (behind the TLS proxy): SEOC_FORCE_HTTPS, or an https base_url."""
    forced = os.environ.get("SEOC_FORCE_HTTPS", "").lower() in ("1", "true", "yes")
    return forced or config.datasette_url.lower().startswith("https://")


def build_metadata(db_name: str, config: config_mod.Config) -> dict[str, Any]:
    """The committed datasette_metadata.json, adapted to this database and the read setting. Accounts and roles
    are not in it (metadata is published at /-/metadata.json): tracker.web.auth reads them from the config."""
    base = json.loads(metadata_mod.METADATA_FILE.read_text(encoding="utf-8"))
    return metadata_mod.for_database(base, db_name, config.public_read)


def build_datasette(db_path: str | os.PathLike, *, config: config_mod.Config | None = None,
                    users: dict[str, str] | None = None, secret: str | None = None,
                    accounts: Accounts | None = None, demo: bool = False,
                    clock: datetime | None = None) -> Datasette:
    """A configured Datasette for the tracker database (tests use this too). With `clock`, every page, saved
    query and feed reads that moment as now (the demo stands on the moment its snapshot describes).

    Accounts come from `accounts`, else `users` (fixed), else the config's users, re-read from its file when it
    changes.
    """
    db_path = Path(db_path)
    connect(db_path).close()  # create and migrate before serving; WAL persists in the file
    config = config or config_mod.load()
    if accounts is None:
        accounts = (Accounts(users) if users is not None
                    else Accounts(config.users, config_path=config.path))
    https = served_over_https(config) and not demo
    settings = {
        "allow_download": False,  # the file holds the response register
        "sql_time_limit_ms": 3000,
        "max_returned_rows": 1000,
        "default_facet_size": 15,
        # Suggestions run dozens of extra queries on every page: 65 of the 81 on a search page at 200k items.
        "suggest_facets": False,
        "force_https_urls": https,
    }
    datasette = Datasette(
        [str(db_path)],
        metadata=build_metadata(db_path.stem, config),
        settings=settings,
        secret=secret or persistent_secret(db_path),
        template_dir=str(TEMPLATES),
    )
    views.set_clock(datasette, clock)
    from tracker.web import watch_views
    watch_views.set_teams(datasette, config.teams)
    _ensure_registered(auth_plugin)
    auth_plugin.attach(datasette, auth_plugin.AuthState(accounts, session_hours=config.session_hours, https=https,
                                                        demo=demo))
    return datasette


def _ensure_registered(module) -> None:
    """The logins plugin is loaded from its entry point; an install that predates it gets it registered here,
    because without it Datasette's own cookie reader would decide who is logged in."""
    from datasette.plugins import pm
    if not pm.is_registered(module):
        pm.register(module, name="seoc_tracker_auth")


def serve_datasette(db_path: str | os.PathLike, *, host: str = "127.0.0.1", port: int = 8001, demo: bool = False,
                    config: config_mod.Config | None = None, clock: datetime | None = None) -> None:
    """Serve until interrupted. The demo has only its demo-only editor account and a secret of its own."""
    import uvicorn

    if demo:
        config = config_mod.Config()
        secret = server_secret.demo_secret()
        accounts = Accounts({DEMO_USER: "editor"}, hashes={DEMO_USER: hash_password(DEMO_PASSWORD)})
    else:
        # Checked before anything is created: a weak or example secret refuses to start.
        secret = server_secret.serving_secret(Path(db_path))
        config = config or config_mod.load()
        check_hashes(config.users)
        accounts = None
    datasette = build_datasette(db_path, config=config, secret=secret, accounts=accounts, demo=demo, clock=clock)
    uvicorn.run(datasette.app(), host=host, port=port, log_level="warning")
