"""The secret that signs login sessions, CSRF tokens and feed tokens: where it comes from, and refusing a weak
or published one (anyone who knows it can sign a session for any configured account)."""
from __future__ import annotations

import os
import secrets
import tempfile
from pathlib import Path

from tracker import file_modes
from tracker.errors import ConfigError

SECRET_ENV = "DATASETTE_SECRET"
SECRET_FILE = ".datasette-secret"
MIN_BYTES = 32
HOW_TO_MAKE = "python3 -c 'import secrets; print(secrets.token_hex(32))'"
#: Secrets shipped in this repository as examples, now or before (deploy/environment.example, README, example
#: config), as an environment file may hold them; test_security_cli checks every example in those files is
#: refused.
EXAMPLE_SECRETS = frozenset({
    "REPLACE-ME-with-the-output-of-secrets.token_hex-32",
    'replace-with-output-of-python3 -c "import secrets;print(secrets.token_hex(32))"',
    "replace-with-output-of-python3 -c import secrets;print(secrets.token_hex(32))",
    "replace-with-output-of-python3",
})
#: Words no generated secret contains: catches an example edited slightly (quotes dropped, a word changed).
PLACEHOLDER_WORDS = ("replace", "change-me", "changeme", "example", "placeholder", "your-secret")


class WeakSecretError(ConfigError):
    """The configured secret is too short or was published as an example."""


def check_secret(value: str, where: str) -> None:
    """Raise WeakSecretError, saying how to make a good one, unless `value` is long and not an example."""
    text = value.strip()
    fix = f"; make one with {HOW_TO_MAKE} and set it in {SECRET_ENV} (for systemd, in /etc/seoc-tracker/environment)"
    if text in EXAMPLE_SECRETS or text.strip("'\"") in EXAMPLE_SECRETS \
            or any(word in text.lower() for word in PLACEHOLDER_WORDS):
        raise WeakSecretError(f"{where} is the example value shipped with seoc-tracker, which anyone can read, "
                              f"so anyone could sign a login for any account; refusing to start{fix}")
    if len(text.encode("utf-8")) < MIN_BYTES:
        raise WeakSecretError(f"{where} is {len(text.encode('utf-8'))} bytes; it must be at least {MIN_BYTES} "
                              f"random bytes; refusing to start{fix}")
    if len(set(text)) < 8:
        raise WeakSecretError(f"{where} repeats a few characters; it must be random; refusing to start{fix}")


def persistent_secret(db_path: Path) -> str:
    """$DATASETTE_SECRET, else a secret kept beside the database (so restarts keep staff logged in)."""
    if os.environ.get(SECRET_ENV):
        return os.environ[SECRET_ENV]
    secret_file = Path(db_path).parent / SECRET_FILE
    if not secret_file.exists():
        _create_secret_file(secret_file)
    file_modes.tighten(secret_file)
    return secret_file.read_text().strip()


def _create_secret_file(secret_file: Path) -> None:
    """Write a new secret to a private temporary file, then link it into place: the file is 0600 from its
    creation, and a process that starts at the same moment reads either nothing or the whole secret."""
    secret_file.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=secret_file.parent, prefix=".datasette-secret-")  # mode 0600
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(temporary, secret_file)
        except FileExistsError:
            pass  # another process made it first: use theirs
    finally:
        os.unlink(temporary)


def serving_secret(db_path: Path) -> str:
    """The secret `serve` uses, checked: from the environment, else the generated file beside the database."""
    secret = persistent_secret(db_path)
    where = SECRET_ENV if os.environ.get(SECRET_ENV) else str(Path(db_path).parent / SECRET_FILE)
    check_secret(secret, where)
    return secret


def check_configured_secret(db_path: Path) -> None:
    """For `schedule`: refuse a weak $DATASETTE_SECRET or secret file, without creating one."""
    if os.environ.get(SECRET_ENV):
        check_secret(os.environ[SECRET_ENV], SECRET_ENV)
        return
    secret_file = Path(db_path).parent / SECRET_FILE
    if secret_file.exists():
        check_secret(secret_file.read_text(), str(secret_file))


def demo_secret() -> str:
    """A fresh secret for one run of the demo: never $DATASETTE_SECRET, so a demo login (whose password is
    public) can never be valid on a production instance."""
    return secrets.token_hex(32)


class Signer:
    """Signs and checks values as Datasette does (same secret and namespace give the same tokens), for the
    commands that mint tokens without a running server."""

    def __init__(self, secret: str):
        self._secret = secret

    def sign(self, value, namespace: str) -> str:
        from itsdangerous import URLSafeSerializer
        return URLSafeSerializer(self._secret, namespace).dumps(value)

    def unsign(self, signed: str, namespace: str):
        from itsdangerous import URLSafeSerializer
        return URLSafeSerializer(self._secret, namespace).loads(signed)
