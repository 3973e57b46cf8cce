"""Files only the service account can read: the database (its WAL and shared memory) holds the response
register, the secret signs every session, and briefings quote the register."""
from __future__ import annotations

import os
import stat
from pathlib import Path

PRIVATE_UMASK = 0o077
PRIVATE_FILE = 0o600
SQLITE_SIDE_FILES = ("-wal", "-shm", "-journal")


def restrict_umask() -> int:
    """Make every file and folder this process creates private to its user; returns the previous umask."""
    return os.umask(PRIVATE_UMASK)


def tighten(path: Path) -> None:
    """Take group and other access off an existing file we own (files made before this version were 0644)."""
    try:
        mode = stat.S_IMODE(os.stat(path).st_mode)
        if mode & 0o077:
            os.chmod(path, mode & 0o700)
    except FileNotFoundError:
        pass
    except PermissionError:
        pass  # not ours to change (an operator reading the service's files): reading still works


def create_private(path: Path) -> bool:
    """Create `path` empty with mode 0600 if it does not exist (no window in which it is readable by others),
    else tighten it; returns whether it was created. SQLite gives -wal and -shm the database file's mode."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE))
        return True
    except FileExistsError:
        tighten(path)
        return False


def private_database(path: Path) -> None:
    """The database file 0600 from creation, and any side files of an older database tightened."""
    create_private(path)
    for suffix in SQLITE_SIDE_FILES:
        tighten(Path(str(path) + suffix))
