"""Writing output files so that a reader never sees half of one."""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Iterable
from pathlib import Path

from meshgen.errors import MeshgenError, UsageError


def write_atomic(path: str | Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file and a rename.

    Until the rename, the old file is untouched; an error or an interrupt leaves it as it
    was and removes the temporary file. An existing file keeps its permissions.
    """
    target = Path(path)
    folder = target.parent
    try:
        mode = stat.S_IMODE(target.stat().st_mode)
    except FileNotFoundError:
        mode = 0o666 & ~_umask()
    except OSError as e:
        raise MeshgenError(f"{target}: cannot write: {e.strerror or e}") from e
    try:
        fd, temp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    except OSError as e:
        raise MeshgenError(f"{target}: cannot write: {e.strerror or e}") from e
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp, mode)
        os.replace(temp, target)
    except BaseException as e:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        if isinstance(e, OSError):
            raise MeshgenError(f"{target}: cannot write: {e.strerror or e}") from e
        raise


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def check_output(path: str | Path, inputs: Iterable[str | Path]) -> None:
    """Refuse an output that would destroy something: one of the inputs (the same file,
    however it is named), or anything but a regular file (a device such as /dev/null, a
    FIFO, a folder), before anything is read."""
    target = Path(path)
    try:
        info = target.stat()  # follows a symlink: what would be replaced is its target
    except FileNotFoundError:
        return
    except OSError as e:
        raise UsageError(f"{target}: cannot write: {e.strerror or e}") from e
    if not stat.S_ISREG(info.st_mode):
        raise UsageError(f"{target}: not a regular file; -o writes only files")
    for source in inputs:
        try:
            same = os.path.samefile(target, source)
        except OSError:
            continue
        if same:
            raise UsageError(f"{target}: is also an input; choose another output file")


def write_folder(folder: str | Path, files: dict[str, str]) -> list[Path]:
    """Write each of ``files`` (name to text) into ``folder``, and remove the files an
    earlier render wrote there that this one does not; return what was removed.

    Only files that start with meshgen's banner are replaced or removed: any other file
    in the way stops the write before anything changes.
    """
    from meshgen.banner import source_of

    target = Path(folder)
    if target.exists() and not target.is_dir():
        raise UsageError(f"{target}: not a folder; --output-dir writes a folder of files")

    def ours(path: Path) -> bool:
        try:
            with path.open(encoding="utf-8", errors="replace") as handle:
                return source_of(handle.readline(4096).rstrip("\n")) is not None
        except OSError:
            return False

    for name in files:
        path = target / name
        if path.exists() and not (path.is_file() and ours(path)):
            raise UsageError(
                f"{path}: exists and was not rendered by meshgen; move it or choose another folder"
            )
    try:
        target.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise MeshgenError(f"{target}: cannot create: {e.strerror or e}") from e
    stale = sorted(
        p for p in target.glob("*.yaml") if p.name not in files and p.is_file() and ours(p)
    )
    for name, text in files.items():
        write_atomic(target / name, text)
    for path in stale:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
    return stale
