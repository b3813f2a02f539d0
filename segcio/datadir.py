"""The data directory: private to the user running segcio (0700, its files 0600), whatever the umask.

It holds the SQLite database with every credential in it (admin token, session secret, API keys)."""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

from segcio.store.db import PRIVATE_DIR_MODE, PRIVATE_FILE_MODE

log = logging.getLogger("segcio.datadir")


def make_private(data_dir: Path) -> list[Path]:
    """Create `data_dir` (0700) if missing; tighten it and the entries in it that others may read or write.

    Returns what was tightened (and logs it once: the next start finds nothing to do). Entries owned by another
    user are left alone."""
    data_dir.mkdir(mode=PRIVATE_DIR_MODE, parents=True, exist_ok=True)
    tightened = [data_dir] if _tighten(data_dir, PRIVATE_DIR_MODE) else []
    for entry in sorted(data_dir.iterdir()):
        wanted = PRIVATE_DIR_MODE if entry.is_dir() else PRIVATE_FILE_MODE
        if not entry.is_symlink() and _tighten(entry, wanted):
            tightened.append(entry)
    if tightened:
        log.warning(
            "%s were readable by other users; made private to the user running segcio (directories 0700, files 0600)",
            ", ".join(str(path) for path in tightened),
        )
    return tightened


def _tighten(path: Path, wanted: int) -> bool:
    info = path.stat()
    if info.st_uid != os.getuid() or not stat.S_IMODE(info.st_mode) & 0o077:
        return False
    try:
        path.chmod(wanted)
    except OSError as exc:
        log.warning("%s is readable by other users and could not be made private: %s", path, exc)
        return False
    return True
