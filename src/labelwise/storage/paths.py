"""Path safety for local storage: everything must resolve inside a root an admin configured.

User-supplied paths are hostile: `..`, absolute paths outside the roots, NUL bytes and symlinks
pointing out are all refused. Files found while scanning are resolved again one by one (a symlink
inside the storage may point anywhere), and so is every file before it is served.
"""

from __future__ import annotations

import os
from pathlib import Path

from labelwise.services.errors import Invalid
from labelwise.settings import Settings


def roots(settings: Settings) -> list[Path]:
    raw = settings.local_files_root.replace(os.pathsep, ",")
    return [Path(r.strip()).resolve() for r in raw.split(",") if r.strip()]


def _inside(path: Path, root: Path) -> bool:
    return path == root or root in path.parents


def storage_dir(settings: Settings, path: str) -> Path:
    """The real directory a storage reads, or a 400 saying why it may not."""
    allowed = roots(settings)
    if not allowed:
        raise Invalid(
            "local storage is off: an admin must set LABELWISE_LOCAL_FILES_ROOT to the directories it may read",
            {"path": ["local storage is off"]},
        )
    if not isinstance(path, str) or not path.strip() or "\x00" in path:
        raise Invalid("path: give a directory path", {"path": ["required"]})
    candidate = Path(path)
    if not candidate.is_absolute():
        candidate = allowed[0] / candidate
    try:
        real = candidate.resolve(strict=True)
    except (OSError, RuntimeError):
        raise Invalid(f"path: {path[:200]} does not exist", {"path": ["not found"]}) from None
    if not any(_inside(real, root) for root in allowed):
        raise Invalid(
            f"path: {path[:200]} is outside the directories local storage may read (LABELWISE_LOCAL_FILES_ROOT)",
            {"path": ["outside the allowed roots"]},
        )
    if not real.is_dir():
        raise Invalid(f"path: {path[:200]} is not a directory", {"path": ["not a directory"]})
    return real


def child(base: Path, key: str) -> Path | None:
    """The file `key` names under `base`, or None when it is not a plain file that stays inside."""
    if not key or "\x00" in key or key.startswith(("/", "\\")) or ".." in Path(key).parts:
        return None
    try:
        real = (base / key).resolve(strict=True)
    except (OSError, RuntimeError):
        return None
    return real if _inside(real, base) and real.is_file() else None


def scan(base: Path, recursive: bool) -> list[str]:
    """Keys (paths relative to `base`, with `/`) of the plain files that stay inside, sorted."""
    keys: list[str] = []
    if recursive:
        for dirpath, dirnames, filenames in os.walk(base, followlinks=False):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            for name in filenames:
                if not name.startswith("."):
                    keys.append(Path(dirpath, name).relative_to(base).as_posix())
    else:
        keys = [p.name for p in base.iterdir() if not p.name.startswith(".")]
    return sorted(k for k in keys if child(base, k) is not None)
