"""The data directory: private to the user running segcio (0700, its files 0600), whatever the umask.

It holds the SQLite database with every credential in it (admin token, session secret, API keys)."""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

from segcio.store.db import PRIVATE_DIR_MODE

log = logging.getLogger("segcio.datadir")
GROUP_AND_OTHERS = 0o077


def make_private(data_dir: Path) -> list[Path]:
    """Create `data_dir` (0700) if missing; tighten it and the entries in it that others may read or write.

    Returns what was tightened (and logs it once: the next start finds nothing to do). Entries owned by another
    user are left alone."""
    data_dir.mkdir(mode=PRIVATE_DIR_MODE, parents=True, exist_ok=True)
    tightened = [data_dir] if _tighten(data_dir) else []
    for entry in sorted(data_dir.iterdir()):
        if not entry.is_symlink() and _tighten(entry):
            tightened.append(entry)
    if tightened:
        log.warning(
            "%s were readable by other users; made private to the user running segcio (no access for group and "
            "others: the data directory 0700, its files 0600)",
            ", ".join(str(path) for path in tightened),
        )
    return tightened


def _tighten(path: Path) -> bool:
    """Take group's and others' access away; the owner's bits stay as they are."""
    info = path.stat()
    mode = stat.S_IMODE(info.st_mode)
    if info.st_uid != os.getuid() or not mode & GROUP_AND_OTHERS:
        return False
    try:
        path.chmod(mode & ~GROUP_AND_OTHERS)
    except OSError as exc:
        log.warning("%s is readable by other users and could not be made private: %s", path, exc)
        return False
    return True
