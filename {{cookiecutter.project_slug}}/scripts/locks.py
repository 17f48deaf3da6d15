"""The lock files: what they pin, the header that says what they were written from, whether
they are current, and whether every pin has a file for each platform.

Reads text only: it runs nothing and writes nothing, so the venv's own Python can use it too
(scripts/inspector.py, and the package's reproducibility.py).
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import NamedTuple

# Each lock, and the hand-kept file it is written from (with the files that one includes:
# requirements-dev.txt starts with `-r requirements.txt`, so the dev lock holds both).
LOCKS = {"requirements.lock": "requirements.txt", "requirements-dev.lock": "requirements-dev.txt"}
RUNTIME_LOCK, DEV_LOCK = LOCKS
# Where every pin must have a file: the systems of the project's CI, as uv names them.
PLATFORMS = {
    "Linux x86_64": "x86_64-unknown-linux-gnu",
    "macOS arm64": "aarch64-apple-darwin",
    "Windows x86_64": "x86_64-pc-windows-msvc",
}
WRITER = "python3 scripts/env.py lock"
# The header's third line: what the lock was written from, and a digest of what follows.
HEADER = re.compile(
    r"(?m)^# Python (\S+?)[,;].*; inputs ([0-9a-f]{16})(?:; content ([0-9a-f]{16}))?$"
)
PIN = re.compile(r"([A-Za-z0-9][\w.-]*)(\[[\w,. -]*\])?==([\w.+!-]+)")
INCLUDE = re.compile(r"^(?:-r|-c|--requirement|--constraint)(?:\s+|=)(\S+)")


class LockError(Exception):
    """A lock or requirements file that cannot be read, said in one line."""


class Entry(NamedTuple):
    """One pin of a lock: `name==version ; marker` and the sha256 hashes of its files."""

    name: str  # normalized, as indexes compare names: Scikit_Learn is scikit-learn
    version: str
    marker: str
    hashes: frozenset[str]

    def __str__(self) -> str:
        return f"{self.name}=={self.version}" + (f" ; {self.marker}" if self.marker else "")


def normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def older(version: str, than: str) -> bool:
    """Whether `version` (empty: gone) comes before `than`, numbers compared."""
    numbers = [tuple(int(n) for n in re.findall(r"\d+", v)) for v in (version, than)]
    return numbers[0] < numbers[1]


def read_text(path: Path) -> str:
    """A text file's content, or one line saying why it cannot be read."""
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise LockError(f"{path.name} is missing") from None
    except OSError as error:
        raise LockError(f"{path.name} cannot be read ({error.strerror})") from None
    except UnicodeDecodeError as error:
        line = path.read_bytes()[: error.start].count(b"\n") + 1
        raise LockError(
            f"{path.name}, line {line}, is not UTF-8 text: save the file as UTF-8"
        ) from None


def entries(text: str, where: str = "", strict: bool = True) -> list[Entry]:
    """The pins of a lock's text. Not `strict`: lines that are not pins are left out (what
    `lock` keeps of a damaged lock); strict: they are a LockError naming `where`."""
    found = []
    for line in text.replace("\\\n", " ").splitlines():
        requirement, *hashed = line.split("--hash=sha256:")
        requirement = requirement.split(" #")[0].strip()
        if not requirement or requirement.startswith(("#", "-")):
            continue
        spec, _, marker = requirement.partition(";")
        pin = PIN.fullmatch(spec.strip())
        if not pin:
            if strict:
                raise LockError(f"{where}: not a `name==version` pin: {requirement}")
            continue
        hashes = frozenset(h.split()[0] for h in hashed if h.split())
        found.append(Entry(normalize(pin.group(1)), pin.group(3), marker.strip(), hashes))
    return found


def read(path: Path) -> list[Entry]:
    return entries(read_text(path), path.name)


def requirement_lines(source: Path, seen: set[Path] | None = None) -> list[tuple[Path, int, str]]:
    """(file, line number, requirement) for `source` and every file it includes with -r or -c,
    included files first; comments and blank lines left out (pip's comment rule)."""
    seen = set() if seen is None else seen
    seen.add(source.resolve())
    own, included = [], []
    for number, line in enumerate(read_text(source).splitlines(), 1):
        requirement = re.sub(r"(^|\s)#.*", "", line).strip()
        if not requirement:
            continue
        own.append((source, number, requirement))
        include = INCLUDE.match(requirement)
        if include:
            path = source.parent / include.group(1)
            if not path.exists():
                raise LockError(
                    f"{source.name}, line {number}, includes {include.group(1)}, which is missing"
                )
            if path.resolve() not in seen:
                included += requirement_lines(path, seen)
    return included + own


def inputs_digest(source: Path, python: str) -> str:
    """What a lock is written from: the Python version and the requirement lines of `source`
    and the files it includes, so an edit to any of them makes the lock stale."""
    digest = hashlib.sha256(f"python {python}\n".encode())
    for _, _, requirement in requirement_lines(source):
        digest.update(f"{requirement}\n".encode())
    return digest.hexdigest()[:16]


def content_digest(body: str) -> str:
    """A digest of a lock's pins and hashes (line endings do not count)."""
    return hashlib.sha256(body.replace("\r\n", "\n").encode()).hexdigest()[:16]


def header(source: str, python: str, inputs: str, body: str, writer: str = WRITER) -> str:
    """The three lines above a lock's pins; HEADER reads the third back."""
    return (
        f"# Written by `{writer}` from {source}: do not edit.\n"
        f"# Edit {source} instead, then run `{writer}`.\n"
        f"# Python {python}, for {', '.join(PLATFORMS)}; inputs {inputs};"
        f" content {content_digest(body)}\n"
    )


def direct_reference(line: str) -> str | None:
    """Why a requirement line cannot be locked (a URL, a folder, an editable install), or None."""
    if re.fullmatch(r"(-e|--editable)?\s*\.", line):
        return "is not needed: setup puts the project folder on the venv's import path; remove it"
    if re.search(
        r"@\s*[a-z][a-z+]*:|^(-e\b|--editable\b|\.|/|[a-z][a-z+]*://|[a-z]:\\)", line, re.I
    ):
        return (
            "installs from a URL or a folder, which the locks cannot pin: publish it to a package"
            " index (a team index works, see README.md) and require it by name"
        )
    return None


class Staleness(NamedTuple):
    """Why a lock is not the lock of its inputs: "missing", "incomplete" (no header), "stale"
    (other inputs) or "edited" (by hand, or cut short: its content digest differs)."""

    lock: str
    state: str
    python: str  # the Python the project uses now
    written_for: str | None  # the Python the lock was written for, when its header says

    def __str__(self) -> str:
        if self.state == "missing":
            return f"{self.lock} is missing"
        back = f"`git checkout {self.lock}` brings back the one last committed"  # pins and all
        if self.state == "edited":
            return f"{self.lock} was edited by hand since `lock` wrote it ({back})"
        if self.state == "incomplete":
            return f"{self.lock} is incomplete (it has no header: was `lock` stopped? {back})"
        return (
            f"{self.lock} is stale: {LOCKS[self.lock]} (or a file it includes) or the Python"
            f" version ({self.python}) changed since it was written"
        )


def staleness(root: Path, python: str) -> list[Staleness]:
    """The locks that are missing, stale or edited by hand, for the project's `python`."""
    found = []
    for lock, source in LOCKS.items():
        path = root / lock
        if not path.exists():
            found.append(Staleness(lock, "missing", python, None))
            continue
        text = read_text(path)
        head = HEADER.search(text[:400])
        written_for = head.group(1) if head else None
        if not head:
            found.append(Staleness(lock, "incomplete", python, None))
        elif head.group(2) != inputs_digest(root / source, python):
            found.append(Staleness(lock, "stale", python, written_for))
        elif head.group(3) and content_digest(text[head.end() + 1 :]) != head.group(3):
            found.append(Staleness(lock, "edited", python, written_for))
    return found


def why_lock_first(stale: list[Staleness]) -> str:
    """Why setup writes the locks first: none yet, another Python, a hand edit, new requirements."""
    if all(item.state == "missing" for item in stale):
        return "no locks yet"
    other = next((item.written_for for item in stale if item.written_for), None)
    if other and other != stale[0].python:
        return f"the locks were written for Python {other}, the project now uses {stale[0].python}"
    kept = "was edited by hand (its pins are kept where they fit requirements*.txt)"
    for state, why in (("incomplete", "is incomplete"), ("edited", kept)):
        named = [item.lock for item in stale if item.state == state]
        if named:
            return f"{' and '.join(named)} {why}"
    return f"{' and '.join(item.lock for item in stale)} missing or older than requirements*.txt"


def without_files(lock: list[Entry], pylock_text: str) -> list[str]:
    """The pins of a lock none of whose hashed files is among those a pylock.toml (PEP 751)
    lists: uv writes one per platform, with the files that platform can use."""
    hashes = {(entry.name, entry.version): entry.hashes for entry in lock}
    missing = []
    for block in pylock_text.split("[[packages]]")[1:]:
        name, version = re.findall(r'(?m)^(?:name|version) = "(.+)"', block)[:2]
        files = set(re.findall(r'sha256 = "([0-9a-f]{64})"', block))
        if not files & hashes.get((normalize(name), version), frozenset()):
            missing.append(f"{normalize(name)}=={version}")
    return missing
