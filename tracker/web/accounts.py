"""Who may log in, and with which role: what the config file says now, not what a cookie said at login."""
from __future__ import annotations

import logging
import os
import re
from pathlib import Path
from typing import Mapping

from tracker import config as config_mod
from tracker.errors import ConfigError, TrackerError

log = logging.getLogger(__name__)
HASH_FORMAT = re.compile(r"^pbkdf2_sha256\$[0-9]{1,9}\$[^$]+\$[A-Za-z0-9+/=]+$")


def hash_env_name(user: str) -> str:
    """The environment variable holding a user's password hash: SEOC_PASSWORD_HASH_<USER>."""
    return "SEOC_PASSWORD_HASH_" + "".join(c if c.isalnum() else "_" for c in user.upper())


class Accounts:
    """The configured accounts, re-read from the config file whenever it changes.

    An operator demotes or removes someone by editing the config file; the running server follows on the next
    request (and after a restart). If the file cannot be read or is invalid, nobody is logged in until it is
    fixed: failing closed is safer than serving an account the operator meant to remove.
    """

    def __init__(self, users: Mapping[str, str], *, config_path: Path | None = None,
                 hashes: Mapping[str, str] | None = None, environ: Mapping[str, str] | None = None):
        self._users = dict(users)
        self._path = Path(config_path) if config_path else None
        self._seen: tuple | None = self._signature() if self._path else None
        self._hashes = dict(hashes or {})
        self._environ = os.environ if environ is None else environ

    def _signature(self) -> tuple | None:
        try:
            info = os.stat(self._path)
        except OSError:
            return None
        return (info.st_mtime_ns, info.st_size, info.st_ino)

    def current(self) -> dict[str, str]:
        """Account name -> role, as configured now."""
        if self._path is None:
            return self._users
        signature = self._signature()
        if signature != self._seen:
            self._seen = signature
            try:
                self._users = dict(config_mod.load(self._path).users)
            except (TrackerError, OSError) as exc:
                log.error("config %s unreadable, so no account can log in until it is fixed: %s", self._path, exc)
                self._users = {}
        return self._users

    def role(self, name: str) -> str | None:
        """The configured role of `name`, or None if it is not a configured account."""
        return self.current().get(name)

    def password_hash(self, name: str) -> str | None:
        """The stored hash for `name` (demo hashes first, then $SEOC_PASSWORD_HASH_<NAME>), or None."""
        if name in self._hashes:
            return self._hashes[name]
        return self._environ.get(hash_env_name(name)) or None


def check_hashes(users: Mapping[str, str], environ: Mapping[str, str] | None = None) -> None:
    """Refuse to serve accounts whose hash is missing or not in datasette-auth-passwords' format."""
    environ = os.environ if environ is None else environ
    missing = [u for u in users if not environ.get(hash_env_name(u))]
    if missing:
        raise ConfigError("no password hash for " + ", ".join(missing) + ": set "
                          + ", ".join(hash_env_name(u) for u in missing) + " (see `seoc-tracker user add`)")
    malformed = [u for u in users if not HASH_FORMAT.match(environ[hash_env_name(u)].strip())]
    if malformed:
        raise ConfigError("the password hash in " + ", ".join(hash_env_name(u) for u in malformed)
                          + " is not a pbkdf2_sha256 hash: make it again with `seoc-tracker user add`")
