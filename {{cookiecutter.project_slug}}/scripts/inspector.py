"""What a venv holds, as its own Python sees it: run inside the venv by env.py
(`VENV/bin/python -I scripts/inspector.py LOCK [--no-files | --files-of=NAME,...]`), it prints
one line of JSON (see venvs.Snapshot); --no-files leaves out the file-by-file check, for a venv
just built, and --files-of checks the files of those packages alone. The
package's reproducibility.py imports it, so a model's fingerprint reads the lock as `check` does.

Lock markers (`; sys_platform == 'win32'`) are evaluated by the `packaging` that pip carries,
in this very interpreter: every venv has pip, and a venv without it must be rebuilt anyway.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import json
import os
import platform
import re
import shutil
import sys
import sysconfig
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # -I leaves the project out
# Little space left: no .pyc is written, which a full disk could cut short (see env.py).
sys.dont_write_bytecode |= shutil.disk_usage(sys.prefix).free < 2**26
from scripts import locks, venvs  # noqa: E402


def marker_environment() -> dict[str, str]:
    """The facts about this interpreter that a result depends on."""
    return {
        "python_version": "{}.{}".format(*sys.version_info[:2]),
        "python_full_version": platform.python_version(),
        "platform_python_implementation": platform.python_implementation(),
        "platform_system": platform.system(),
        "platform_machine": platform.machine(),
    }


def pins(lock: Path | None) -> dict[str, str] | None:
    """The lock's `name: version` pins whose markers hold here; None without a lock or pip."""
    try:
        from pip._vendor.packaging.markers import Marker
    except ImportError:
        return None
    if lock is None:
        return None
    return {
        e.name: e.version for e in locks.read(lock) if not e.marker or Marker(e.marker).evaluate()
    }


def name_and_version(info: Path) -> tuple[str | None, str | None]:
    """An installed package's Name and Version, from the head of its metadata (the headers
    end at the first blank line; reading them by hand is four times faster than an email
    parser, which counts on every setup)."""
    fields: dict[str, str] = {}
    try:
        with open(
            info / ("METADATA" if info.suffix == ".dist-info" else "PKG-INFO"), encoding="utf-8"
        ) as file:
            for line in iter(file.readline, "\n"):
                key, _, value = line.partition(":")
                if key in ("Name", "Version"):
                    fields[key] = value.strip()
                if len(fields) == 2 or not line:
                    break
    except (OSError, UnicodeDecodeError):
        pass
    return fields.get("Name"), fields.get("Version")


def record(info: Path) -> list[list[str]] | None:
    """The rows of an installed package's RECORD (path, hash, size), or None without one."""
    try:
        with open(info / "RECORD", newline="", encoding="utf-8") as file:
            return [
                row for row in csv.reader(file) if len(row) >= 3 and not row[0].endswith(".pyc")
            ]
    except OSError:  # (.pyc files are caches: they come and go)
        return None


def damage(
    rows: list[list[str]] | None, site: Path, shared: set[str], since: tuple[float, float]
) -> str | None:
    """How an installed package's files differ from its RECORD: missing, of another size, or of
    another hash. Only files written after `since` are read: after the package was unpacked
    (its METADATA's time) or, for the scripts the installer writes outside the site folder,
    after it was installed (its RECORD's time). An edit is one of them, and as uv links
    installed files to its cache, an edit of one venv's file is an edit of every venv's. A file
    another package installs too holds the copy installed last: it is left out."""
    if rows is None:
        return "its list of files (RECORD) is missing"
    bad, folder = [], f"{site}{os.sep}"  # (a Path per file would be half the time of a check)
    for path, digest, size in rows:
        if path in shared:
            continue
        try:
            stat = os.stat(folder + path)
        except OSError:
            bad.append(path)
            continue
        if (size.isdigit() and stat.st_size != int(size)) or (
            stat.st_mtime > since[path.startswith("../")] and not hashed_as(folder + path, digest)
        ):
            bad.append(path)
    if bad:
        files = "1 of its files is" if len(bad) == 1 else f"{len(bad)} of its files are"
        return f"{files} missing or changed ({bad[0]})"
    return None


def mtime(path: Path) -> float:
    """When `path` was last written; 0.0 if it is gone (its files are all read then)."""
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


def hashed_as(file: str, digest: str) -> bool:
    """Whether `file` has the RECORD's `digest` ("sha256=<urlsafe base64>"; none: it has)."""
    algorithm, _, expected = digest.partition("=")
    if algorithm not in hashlib.algorithms_guaranteed:
        return True
    actual = base64.urlsafe_b64encode(hashlib.new(algorithm, Path(file).read_bytes()).digest())
    return actual.rstrip(b"=").decode() == expected


def snapshot(lock: Path | None, files: bool = True, only: set[str] | None = None) -> dict[str, Any]:
    """What this interpreter's venv holds, and `lock`'s pins for it (venvs.Snapshot's fields);
    the files of every package are checked, or of those in `only`, or none unless `files`."""
    sites = sorted({Path(sysconfig.get_path(key)) for key in ("purelib", "platlib")})
    dists: dict[str, str] = {}
    broken: dict[str, str] = {}
    records: dict[str, tuple[Path, list[list[str]] | None, tuple[float, float]]] = {}
    for site in sites:
        for info in sorted([*site.glob("*.dist-info"), *site.glob("*.egg-info")]):
            name, version = name_and_version(info)
            if not name or not version:
                broken[locks.normalize(info.name.split("-")[0])] = (
                    f"its metadata is missing ({info.name})"
                )
                continue
            dists[locks.normalize(name)] = version
            if info.suffix == ".dist-info" and files:
                since = (mtime(info / "METADATA"), mtime(info / "RECORD"))
                records[locks.normalize(name)] = (site, record(info), since)
    owners: dict[str, dict[str, str]] = {}  # a file: the packages that install it, and its hash
    for name, (_, rows, _) in records.items():
        for path, digest, _ in rows or []:
            owners.setdefault(path, {})[name] = digest
    shared = {path: names for path, names in owners.items() if len(names) > 1}
    clashes: dict[str, list[str]] = {}  # packages that install one file each its own way
    for path, names in shared.items():
        if len(set(names.values())) > 1:
            clashes.setdefault(" and ".join(sorted(names)), []).append(path)
    for name, (site, rows, since) in records.items():
        problem = damage(rows, site, set(shared), since) if only is None or name in only else None
        if problem:
            broken[name] = problem
    link = sites[0] / venvs.LINK
    config = Path(sys.prefix, "pyvenv.cfg")
    text = link.read_text(encoding="utf-8").strip() if link.exists() else None
    return {
        "env": marker_environment(),
        "dists": dists,
        "broken": broken,
        "clashes": [
            f"{names} both install {paths[0]}"
            + (f" and {len(paths) - 1} more" if paths[1:] else "")
            for names, paths in sorted(clashes.items())
        ],
        "link": venvs.linked_folder(text) if text else None,
        "relocatable": config.exists()
        and bool(re.search(r"(?m)^relocatable\s*=\s*true", config.read_text())),
        "pins": pins(lock),
        "isolated": sys.prefix == sys.base_prefix,
    }


if __name__ == "__main__":
    arguments = [word for word in sys.argv[1:] if not word.startswith("--")]
    only = next((w.split("=", 1)[1] for w in sys.argv if w.startswith("--files-of=")), None)
    files = "--no-files" not in sys.argv
    lock = Path(arguments[0]) if arguments else None
    print(json.dumps(snapshot(lock, files, None if only is None else set(only.split(",")))))
