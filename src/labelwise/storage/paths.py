"""Path safety for local storage: everything must resolve inside a root an admin configured.

Paths from clients are hostile until proven otherwise: `..` segments, absolute paths outside the
roots, NUL bytes and symlinks that lead out are refused with a 400 that names the path the client
gave and the roots the admin configured, and nothing else about the filesystem.

Checking a path and then using it leaves a window in which a directory on the way could be
swapped for a symlink. So files are checked where they are opened: `open_inside` resolves the
path, opens it without following a final symlink, and compares what was actually opened with
what was checked. Scanning resolves every symlink it meets and drops the ones that lead out.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from labelwise.services.errors import Invalid
from labelwise.settings import Settings

ROOT_SETTING = "LABELWISE_LOCAL_FILES_ROOT"
MAX_PATH = 1024
_PROC_FD = Path("/proc/self/fd")
_OPEN_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NOFOLLOW", 0)
    | getattr(os, "O_NONBLOCK", 0)  # a FIFO planted in the directory must not hang the request
    | getattr(os, "O_NOCTTY", 0)
    | getattr(os, "O_CLOEXEC", 0)
)


@dataclass(frozen=True)
class Entry:
    """A plain file found by a scan: its key (relative to the storage directory, `/`-separated)."""

    key: str
    size: int
    mtime: float


@dataclass(frozen=True)
class Opened:
    """A file opened after its checks; `fd` is the caller's to close."""

    fd: int
    real: Path
    stat: os.stat_result

    def path_for_reopen(self) -> str:
        """A path that names this very file even if the tree changes: the fd's entry in /proc
        where there is one, else (other systems) the checked real path."""
        proc = _PROC_FD / str(self.fd)
        return str(proc) if _PROC_FD.is_dir() else str(self.real)


def roots(settings: Settings) -> list[Path]:
    raw = settings.local_files_root.replace(os.pathsep, ",")
    return [Path(os.path.realpath(r.strip())) for r in raw.split(",") if r.strip()]


def inside(path: Path, root: Path) -> bool:
    return path == root or root in path.parents


def _roots_text(allowed: list[Path]) -> str:
    return ", ".join(str(r) for r in allowed)


def _refuse(path: str, why: str, short: str) -> Invalid:
    return Invalid(f"path {path[:300]!r}: {why}", {"path": [short]})


def storage_dir(settings: Settings, path: object) -> Path:
    """The real directory a storage reads, or a 400 saying why it may not.

    A relative path is taken under the roots, in the order the admin listed them.
    """
    allowed = roots(settings)
    if not allowed:
        raise Invalid(
            f"local storage is off: an admin must set {ROOT_SETTING} to the directories it may read",
            {"path": ["local storage is off"]},
        )
    if not isinstance(path, str) or not path.strip():
        raise Invalid("path: give the directory to read", {"path": ["required"]})
    if "\x00" in path:
        raise _refuse(path.replace("\x00", "\\0"), "contains a NUL character", "contains NUL")
    if len(path) > MAX_PATH:
        raise _refuse(path, f"longer than {MAX_PATH} characters", "too long")
    if ".." in PurePosixPath(path.replace("\\", "/")).parts:
        raise _refuse(path, "'..' is not allowed; give the directory itself", "contains ..")
    tries = [Path(path)] if os.path.isabs(path) else [root / path for root in allowed]
    real: Path | None = None
    for candidate in tries:
        try:
            real = Path(os.path.realpath(candidate, strict=True))
            break
        except (OSError, ValueError):
            continue
    if real is None:
        raise _refuse(path, "no such directory", "not found")
    if not any(inside(real, root) for root in allowed):
        raise _refuse(
            path,
            f"outside the directories local storage may read ({_roots_text(allowed)}, set by {ROOT_SETTING})",
            "outside the allowed roots",
        )
    if not real.is_dir():
        raise _refuse(path, "not a directory", "not a directory")
    return real


def url_path(settings: Settings, base: Path, key: str) -> str | None:
    """The file's path relative to the first root that holds it: what Label Studio puts in
    `/data/local-files/?d=`, so task URLs look the same in both tools."""
    target = base / key
    for root in roots(settings):
        if inside(base, root):
            return target.relative_to(root).as_posix()
    return None


def valid_key(key: str) -> bool:
    """A key is a relative, `/`-separated path with no `.`/`..`/empty segments, NUL or backslash."""
    if not key or len(key) > MAX_PATH or "\x00" in key or "\\" in key or key.startswith("/"):
        return False
    return all(part not in ("", ".", "..") for part in key.split("/"))


def candidates(settings: Settings, reference: str) -> list[tuple[Path, Path]]:
    """For a `?d=` reference: (root, root/reference) for each root, without touching the disk."""
    if not valid_key(reference):
        return []
    return [(root, root / reference) for root in roots(settings)]


def scan(base: Path, recursive: bool) -> list[Entry]:
    """The plain files under `base` that stay inside it, sorted by key.

    Hidden names (a leading dot) are skipped, files and directories alike. Symlinked directories
    are not entered; a symlinked file counts only if it resolves to a plain file inside `base`.
    """
    entries = list(_walk(base, base, recursive))
    entries.sort(key=lambda e: e.key)
    return entries


def _walk(base: Path, directory: Path, recursive: bool) -> Iterator[Entry]:
    try:
        listing = list(os.scandir(directory))
    except OSError as exc:
        where = directory.relative_to(base).as_posix()
        raise Invalid(
            f"cannot list {'the storage directory' if where == '.' else where!r}: {exc.strerror}",
            {"path": ["unreadable directory"]},
        ) from None
    for item in listing:
        if item.name.startswith("."):
            continue
        key = Path(item.path).relative_to(base).as_posix()
        if not valid_key(key):
            continue
        try:
            if item.is_symlink():
                real = Path(os.path.realpath(item.path, strict=True))
                info = os.stat(real)
                if inside(real, base) and stat.S_ISREG(info.st_mode):
                    yield Entry(key, info.st_size, info.st_mtime)
            elif item.is_dir(follow_symlinks=False):
                if recursive:
                    yield from _walk(base, Path(item.path), recursive)
            elif item.is_file(follow_symlinks=False):
                info = item.stat(follow_symlinks=False)
                yield Entry(key, info.st_size, info.st_mtime)
        except (OSError, ValueError):
            continue  # vanished, a dangling link, a loop: not a file to sync


def open_inside(base: Path, key: str) -> Opened | None:
    """Open the plain file `key` names under `base`, or None when it is not one that stays inside.

    The path is resolved and checked; then the resolved path is opened with O_NOFOLLOW, and the
    file actually opened is compared with the one checked (its path through /proc where the
    system has it, else its device and inode), so a swap between check and open is caught.
    """
    if not valid_key(key):
        return None
    try:
        real = Path(os.path.realpath(base / key, strict=True))
    except (OSError, ValueError):
        return None
    if not inside(real, base):
        return None
    try:
        fd = os.open(real, _OPEN_FLAGS)
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        if stat.S_ISREG(info.st_mode) and _is_opened(fd, real, info):
            return Opened(fd, real, info)
    except OSError:
        pass
    os.close(fd)
    return None


def _is_opened(fd: int, real: Path, info: os.stat_result) -> bool:
    proc = _PROC_FD / str(fd)
    try:
        return Path(os.readlink(proc)) == real
    except OSError:
        pass
    now = os.stat(real, follow_symlinks=False)
    return (now.st_dev, now.st_ino) == (info.st_dev, info.st_ino)
