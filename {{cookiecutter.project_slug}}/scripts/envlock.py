"""What the locks pin and what a venv holds: the pure half of scripts/env.py.

Standard library only, no project settings, no side effects: `scripts/env.py` imports it,
and so does the package's `reproducibility.py`, so that `env.py check` and a model's
fingerprint read a lock the same way. Run as a script by a venv's own Python, it prints
that venv's snapshot as JSON (`env.py` does this to look into a venv).
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import platform
import re
import sys
import sysconfig
from importlib.metadata import PathDistribution
from pathlib import Path

# Every venv brings these; they count only when a lock pins them.
SEED_PACKAGES = {"pip", "setuptools", "wheel"}
# The file that puts the project folder on the venv's import path (written by env.py).
LINK = "project-root.pth"


class LockError(Exception):
    """A lock or requirements file that cannot be read, said in one line."""


def normalize(name: str) -> str:
    """A package name as indexes compare them (PEP 503): `Scikit_Learn` is `scikit-learn`."""
    return re.sub(r"[-_.]+", "-", name).lower()


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
        raise LockError(f"{path.name}, line {line}, is not UTF-8 text: save the file as UTF-8") from None


# ---- locks ------------------------------------------------------------------------------


def read_lock(path: Path) -> list[tuple[str, str, str, set[str]]]:
    """(name, version, marker, sha256 hashes) for each pin of a lock."""
    pins = []
    for line in read_text(path).replace("\\\n", " ").splitlines():
        requirement, *hashes = line.split("--hash=sha256:")
        requirement = requirement.split(" #")[0].strip()
        if not requirement or requirement.startswith(("#", "-")):
            continue
        spec, _, marker = requirement.partition(";")
        name, pinned, version = spec.partition("==")
        if not pinned or not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._\[\], -]*", name):
            raise LockError(f"{path.name}: not a `name==version` pin: {requirement}")
        hashes = {h.split()[0] for h in hashes}
        pins.append((normalize(name.split("[")[0].strip()), version.strip(), marker.strip(), hashes))
    return pins


def pins_for(lock: Path, env: dict) -> dict[str, str]:
    """The lock's `name: version` pins whose markers hold in the marker environment `env`."""
    return {name: version for name, version, marker, _ in read_lock(lock) if marker_holds(marker, env)}


INCLUDE = re.compile(r"^(?:-r|-c|--requirement|--constraint)(?:\s+|=)(\S+)")


def requirement_lines(source: Path, seen: set[Path] | None = None) -> list[tuple[Path, int, str]]:
    """(file, line number, requirement) for `source` and every file it includes with `-r` or
    `-c`, included files first; comments, blank lines and line endings left out."""
    seen = set() if seen is None else seen
    seen.add(source.resolve())
    own, included = [], []
    for number, line in enumerate(read_text(source).splitlines(), 1):
        requirement = re.sub(r"(^|\s)#.*", "", line).strip()  # pip's comment rule
        if not requirement:
            continue
        own.append((source, number, requirement))
        include = INCLUDE.match(requirement)
        if include:
            path = source.parent / include.group(1)
            if not path.exists():
                raise LockError(f"{source.name}, line {number}, includes {include.group(1)}, which is missing")
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


# ---- environment markers (PEP 508), with PEP 440 versions --------------------------------

MARKER_TOKEN = re.compile(
    r"\s*(?:('[^']*'|\"[^\"]*\")|(===|==|!=|<=|>=|~=|<|>|\(|\)|not\s+in\b|in\b|and\b|or\b)"
    r"|([A-Za-z_][A-Za-z0-9_.]*))"
)
VERSION_VARIABLES = {"python_version", "python_full_version", "implementation_version"}
VERSION = re.compile(
    r"v?(?:(\d+)!)?(\d+(?:\.\d+)*)"  # epoch, release
    r"(?:[-_.]?(a|b|c|rc|alpha|beta|pre|preview)[-_.]?(\d*))?"  # pre-release
    r"(?:-(\d+)|[-_.]?(?:post|rev|r)[-_.]?(\d*))?"  # post-release
    r"(?:[-_.]?(dev)[-_.]?(\d*))?"  # development release
    r"(?:\+([a-z0-9]+(?:[-_.][a-z0-9]+)*))?",  # local label
    re.IGNORECASE,
)
PRE = {"a": 0, "alpha": 0, "b": 1, "beta": 1, "c": 2, "rc": 2, "pre": 2, "preview": 2}


def parse_version(text: str) -> tuple | None:
    """A version as (epoch, release, pre, post, dev, local), ordered as PEP 440 orders them,
    or None for text that is not a version."""
    match = VERSION.fullmatch(text.strip())
    if not match:
        return None
    epoch, release, pre, pre_n, post_dash, post_n, dev, dev_n, local = match.groups()
    numbers = [int(part) for part in release.split(".")]
    while len(numbers) > 1 and numbers[-1] == 0:
        numbers.pop()
    post = int(post_dash or post_n or 0) if (post_dash or post_n is not None) else None
    pre_key = (PRE[pre.lower()], int(pre_n or 0)) if pre else None
    return (int(epoch or 0), tuple(numbers), pre_key, post, int(dev_n or 0) if dev else None, local)


def order(version: tuple) -> tuple:
    """The sort key of a parsed version: a dev release sorts before its pre-releases, a
    pre-release before the release, the release before its post-releases."""
    epoch, release, pre, post, dev, _ = version
    inf, ninf = (float("inf"),), (float("-inf"),)
    pre_key = pre if pre else (ninf if dev is not None and post is None else inf)
    return (epoch, release, pre_key, ninf if post is None else (post,), inf if dev is None else (dev,))


def version_matches(candidate: str, op: str, spec: str) -> bool:
    """`candidate op spec` as a PEP 440 version specifier (what `packaging` answers)."""
    if op == "===":
        return candidate.strip().lower() == spec.strip().lower()
    have = parse_version(candidate)
    if have is None:
        return False  # never a match, as in packaging
    public = have[:5] + (None,)
    if op in ("==", "!=") and spec.endswith(".*"):
        want = parse_version(spec[:-2])
        if want is None:
            return False
        width = len(spec[:-2].split("!")[-1].split("."))
        release = (list(have[1]) + [0] * width)[:width]
        prefix = have[0] == want[0] and release == (list(want[1]) + [0] * width)[:width]
        return prefix if op == "==" else not prefix
    want = parse_version(spec)
    if want is None:
        return False
    if op == "~=":
        release = VERSION.fullmatch(spec.strip()).group(2).split(".")
        prefix = ".".join(release[:-1]) + ".*"  # ~=3.12.1 is >=3.12.1 and ==3.12.*
        return version_matches(candidate, ">=", spec) and version_matches(candidate, "==", prefix)
    if want[5] is None:
        have = public  # a local label counts only against a spec that has one
    a, b = order(have), order(want)
    same_base = have[:2] == want[:2]
    if op == "<":  # the pre-releases of the very version are not below it
        pre = have[2] is not None or have[4] is not None, want[2] is not None or want[4] is not None
        return a < b and not (same_base and pre[0] and not pre[1])
    if op == ">":  # nor are its post-releases above it
        return a > b and not (same_base and have[3] is not None and want[3] is None)
    return {"==": a == b, "!=": a != b, "<=": a <= b, ">=": a >= b}[op]


def marker_holds(marker: str, env: dict) -> bool:
    """Whether a PEP 508 environment marker holds in `env` (a snapshot's "env")."""
    tokens, pos = [], 0
    while pos < len(marker.rstrip()):
        match = MARKER_TOKEN.match(marker, pos)
        if not match or match.end() == pos:
            raise LockError(f"cannot read the marker {marker!r}")
        tokens.append(match.groups())
        pos = match.end()
    tokens.append((None, None, None))
    position = 0

    def take():
        nonlocal position
        position += 1
        return tokens[position - 1]

    def value():
        string, op, name = take()
        if string:
            return string[1:-1], None
        if name in env:
            return env[name], name
        raise LockError(f"unknown marker variable {name or op!r} in {marker!r}")

    def atom():
        if tokens[position][1] == "(":
            take()
            result = either()
            take()
            return result
        (left, lname), (_, op, _), (right, rname) = value(), take(), value()
        op = re.sub(r"\s+", " ", op)
        if {lname, rname} & VERSION_VARIABLES and op not in ("in", "not in"):
            if lname == "python_full_version" and left.endswith("+"):
                left += "local"  # a build from a source checkout, as packaging reads it
            return version_matches(left, op, right)
        return {"==": left == right, "!=": left != right, "in": left in right, "not in": left not in right,
                "<": left < right, "<=": left <= right, ">": left > right, ">=": left >= right,
                "===": left == right, "~=": False}[op]

    def both():
        result = atom()
        while tokens[position][1] == "and":
            take()
            result = atom() and result
        return result

    def either():
        result = both()
        while tokens[position][1] == "or":
            take()
            result = both() or result
        return result

    return either() if marker.strip() else True


# ---- venvs ------------------------------------------------------------------------------


def marker_environment() -> dict:
    """The running interpreter's PEP 508 marker environment."""
    return {
        "python_version": "%d.%d" % sys.version_info[:2],
        "python_full_version": platform.python_version(),
        "implementation_name": sys.implementation.name,
        "implementation_version": platform.python_version(),
        "os_name": os.name,
        "sys_platform": sys.platform,
        "platform_system": platform.system(),
        "platform_machine": platform.machine(),
        "platform_release": platform.release(),
        "platform_version": platform.version(),
        "platform_python_implementation": platform.python_implementation(),
    }


def damage(info: Path, site: Path, name: str) -> str | None:
    """How an installed package's files differ from its RECORD (missing, or another size)."""
    try:
        with open(info / "RECORD", newline="", encoding="utf-8") as record:
            rows = list(csv.reader(record))
    except OSError:
        return f"{name}: its list of files (RECORD) is missing"
    bad = []
    for row in rows:
        if len(row) < 3 or row[0].endswith(".pyc"):  # caches come and go
            continue
        try:
            size = os.stat(site / row[0]).st_size
        except OSError:
            bad.append(row[0])
            continue
        if row[2].isdigit() and size != int(row[2]):
            bad.append(row[0])
    if bad:
        return f"{name}: {len(bad)} of its files are missing or changed ({bad[0]})"
    return None


def snapshot() -> dict:
    """What this interpreter's venv holds: its marker environment, its own packages
    (`name: version`, site-packages only), the damaged ones (`name: what is wrong`), and
    the project link."""
    sites = sorted({Path(sysconfig.get_path(key)) for key in ("purelib", "platlib")})
    dists, broken = {}, {}
    for site in sites:
        for info in sorted([*site.glob("*.dist-info"), *site.glob("*.egg-info")]):
            try:
                metadata = PathDistribution(info).metadata
                name, version = metadata["Name"], metadata["Version"]
            except Exception:  # no metadata file: None, or an error, by Python version
                name = version = None
            if not name or not version:
                broken[normalize(info.name.split("-")[0])] = f"{info.name}: its metadata is missing"
                continue
            dists[normalize(name)] = version
            problem = damage(info, site, name) if info.suffix == ".dist-info" else None
            if problem:
                broken[normalize(name)] = problem
    try:
        link = (sites[0] / LINK).read_text(encoding="utf-8").strip()
    except OSError:
        link = None
    config = Path(sys.prefix, "pyvenv.cfg")
    relocatable = config.exists() and bool(re.search(r"(?m)^relocatable\s*=\s*true", config.read_text()))
    return {"env": marker_environment(), "dists": dists, "broken": broken, "link": link,
            "site": str(sites[0]), "relocatable": relocatable}


def differences(pins: dict[str, str], dists: dict[str, str], lock_name: str) -> list[str]:
    """How installed packages differ from a lock's pins: `missing:`, `changed:`, `extra:`."""
    found = []
    for name in sorted(pins.keys() | dists.keys()):
        if name not in dists:
            found.append(f"missing: {name}=={pins[name]}")
        elif name not in pins:
            if name not in SEED_PACKAGES:
                found.append(f"extra: {name}=={dists[name]} (not in {lock_name})")
        elif pins[name] != dists[name]:
            found.append(f"changed: {name} is {dists[name]}, {lock_name} says {pins[name]}")
    return found


if __name__ == "__main__":
    print(json.dumps(snapshot()))
