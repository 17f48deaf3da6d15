"""The half of scripts/env.py that only reads: what the locks pin, what a venv holds, which
Pythons are here, the package index settings, the base image's digest, and what the
installers' messages mean.

Standard library only, no project settings, nothing written: `scripts/env.py` imports it,
and so does the package's `reproducibility.py`, so that `env.py check` and a model's
fingerprint read a lock the same way. Run as a script by a venv's own Python, it prints
that venv's snapshot as JSON (`env.py` does this to look into a venv).
"""

from __future__ import annotations

import configparser
import contextlib
import csv
import hashlib
import json
import math
import operator
import os
import platform
import re
import shutil
import subprocess
import sys
import sysconfig
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from importlib.metadata import PathDistribution
from pathlib import Path
from typing import Any, NamedTuple

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
        raise LockError(
            f"{path.name}, line {line}, is not UTF-8 text: save the file as UTF-8"
        ) from None


# ---- locks ------------------------------------------------------------------------------


def read_lock(path: Path) -> list[tuple[str, str, str, set[str]]]:
    """(name, version, marker, sha256 hashes) for each pin of a lock."""
    pins = []
    for line in read_text(path).replace("\\\n", " ").splitlines():
        requirement, *hashed = line.split("--hash=sha256:")
        requirement = requirement.split(" #")[0].strip()
        if not requirement or requirement.startswith(("#", "-")):
            continue
        spec, _, marker = requirement.partition(";")
        name, pinned, version = spec.partition("==")
        if not pinned or not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._\[\], -]*", name):
            raise LockError(f"{path.name}: not a `name==version` pin: {requirement}")
        hashes = {h.split()[0] for h in hashed}
        pins.append(
            (normalize(name.split("[")[0].strip()), version.strip(), marker.strip(), hashes)
        )
    return pins


def pins_for(lock: Path, env: dict[str, str]) -> dict[str, str]:
    """The lock's `name: version` pins whose markers hold in the marker environment `env`."""
    return {
        name: version for name, version, marker, _ in read_lock(lock) if marker_holds(marker, env)
    }


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


def pins_only(lock_text: str) -> str:
    """The `name==version ; marker` lines of a lock, without hashes, comments or anything
    uv could not read back (a damaged lock): the pins `lock` asks uv to keep."""
    pins = re.findall(
        r"(?m)^[A-Za-z0-9][\w.-]*(?:\[[\w,.-]*\])?==[\w.+!-]+(?: ; [^\\\n]+)?", lock_text
    )
    return "".join(f"{pin.strip()}\n" for pin in pins)


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


def pylock_hashes(text: str) -> dict[tuple[str, str], set[str]]:
    """(name, version): sha256 hashes of every file a pylock.toml (PEP 751) lists."""
    found = {}
    for block in text.split("[[packages]]")[1:]:
        name, version = re.findall(r'(?m)^(?:name|version) = "(.+)"', block)[:2]
        found[normalize(name), version] = set(re.findall(r'sha256 = "([0-9a-f]{64})"', block))
    return found


def without_files(lock: list[tuple[str, str, str, set[str]]], pylock_text: str) -> list[str]:
    """The `name==version` pins of a lock (read_lock) none of whose hashed files is among those
    a pylock.toml lists (uv writes one per platform: the files that platform can use)."""
    hashes = {(name, version): known for name, version, _, known in lock}
    return [
        f"{name}=={version}"
        for (name, version), files in pylock_hashes(pylock_text).items()
        if not files & hashes.get((name, version), set())
    ]


# The third line of a lock's header: what it was written from, and a digest of what follows.
HEADER = re.compile(
    r"(?m)^# Python (\S+?)[,;].*; inputs ([0-9a-f]{16})(?:; content ([0-9a-f]{16}))?$"
)


def content_digest(body: str) -> str:
    """A digest of a lock's pins and hashes (line endings do not count)."""
    return hashlib.sha256(body.replace("\r\n", "\n").encode()).hexdigest()[:16]


def lock_state(lock: Path, inputs: str) -> str:
    """ "missing", "stale" (written from other inputs), "edited" (by hand, since `lock` wrote
    it), or "" when it is the lock of these inputs, as `lock` wrote it."""
    if not lock.exists():
        return "missing"
    text = read_text(lock)
    header = HEADER.search(text[:400])
    if not header or header.group(2) != inputs:
        return "stale"
    if header.group(3) and content_digest(text[header.end() + 1 :]) != header.group(3):
        return "edited"
    return ""


def stale_reason(states: dict[Path, str], version: str) -> str:
    """Why locks must be written: none yet, another Python, a hand edit, or new requirements."""
    if all(state == "missing" for state in states.values()):
        return "no locks yet"
    first = next(lock for lock, state in states.items() if state != "missing")
    written = HEADER.search(read_text(first)[:400])
    if written and written.group(1) != version:
        return (
            f"the locks were written for Python {written.group(1)}, the project now uses {version}"
        )
    edited = [lock.name for lock, state in states.items() if state == "edited"]
    if edited:
        return f"{' and '.join(edited)} was edited by hand"
    return f"{' and '.join(lock.name for lock in states)} missing or older than requirements*.txt"


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
STRING_OPS: dict[str, Callable[[Any, Any], Any]] = {"==": operator.eq, "!=": operator.ne}
STRING_OPS |= {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}


class Version(NamedTuple):
    epoch: int
    release: tuple[int, ...]  # trailing zeros left out: 3.12.0 is 3.12
    pre: tuple[int, int] | None  # (0 for a, 1 for b, 2 for rc; its number)
    post: int | None
    dev: int | None
    local: str | None


def parse_version(text: str) -> Version | None:
    """A PEP 440 version, or None for text that is not one."""
    match = VERSION.fullmatch(text.strip())
    if not match:
        return None
    epoch, release, pre, pre_n, post_dash, post_n, dev, dev_n, local = match.groups()
    numbers = [int(part) for part in release.split(".")]
    while len(numbers) > 1 and numbers[-1] == 0:
        numbers.pop()
    post = post_dash or post_n
    return Version(
        int(epoch or 0),
        tuple(numbers),
        (PRE[pre.lower()], int(pre_n or 0)) if pre else None,
        int(post or 0) if post is not None else None,
        int(dev_n or 0) if dev else None,
        local,
    )


def order(version: Version) -> tuple[Any, ...]:
    """The sort key of a version: a dev release sorts before its pre-releases, a pre-release
    before the release, the release before its post-releases; local labels do not count."""
    inf, ninf = (math.inf,), (-math.inf,)
    first = version.dev is not None and version.pre is None and version.post is None
    pre = version.pre or (ninf if first else inf)
    post = ninf if version.post is None else (version.post,)
    return (
        version.epoch,
        version.release,
        pre,
        post,
        inf if version.dev is None else (version.dev,),
    )


def version_matches(candidate: str, op: str, spec: str) -> bool:
    """`candidate op spec` as a PEP 440 version specifier: what `packaging` answers."""
    if op == "===":
        return candidate.strip().lower() == spec.strip().lower()
    have, want = parse_version(candidate), parse_version(spec.removesuffix(".*"))
    if have is None or want is None:
        return False  # never a match, as in packaging
    if op in ("==", "!=") and spec.endswith(".*"):  # the leading parts of the release
        width = len(spec[:-2].split("!")[-1].split("."))
        release = (list(have.release) + [0] * width)[:width]
        same = have.epoch == want.epoch and release == (list(want.release) + [0] * width)[:width]
        return same if op == "==" else not same
    if op == "~=":  # ~=3.12.1 is >=3.12.1 and ==3.12.*
        match = VERSION.fullmatch(spec.strip())
        prefix = ".".join(match.group(2).split(".")[:-1]) + ".*" if match else spec
        return version_matches(candidate, ">=", spec) and version_matches(candidate, "==", prefix)
    if want.local is None:
        have = have._replace(local=None)  # a local label counts only against one in the spec
    a, b = order(have), order(want)
    same = (have.epoch, have.release) == (want.epoch, want.release)
    if op == "<":  # the pre-releases of the very version are not below it
        pre_have, pre_want = have.pre or have.dev is not None, want.pre or want.dev is not None
        return a < b and not (same and pre_have and not pre_want)
    if op == ">":  # nor are its post-releases above it
        return a > b and not (same and have.post is not None and want.post is None)
    return {"==": a == b, "!=": a != b, "<=": a <= b, ">=": a >= b}[op]


def marker_holds(marker: str, env: dict[str, str]) -> bool:
    """Whether a PEP 508 environment marker holds in `env` (a snapshot's "env")."""
    tokens: list[tuple[str | None, str | None, str | None]] = []  # a string, an operator, a name
    pos = 0
    while pos < len(marker.rstrip()):
        match = MARKER_TOKEN.match(marker, pos)
        if not match or match.end() == pos:
            raise LockError(f"cannot read the marker {marker!r}")
        tokens.append((match.group(1), match.group(2), match.group(3)))
        pos = match.end()
    tokens.append((None, None, None))
    position = 0

    def take() -> tuple[str | None, str | None, str | None]:
        nonlocal position
        position += 1
        return tokens[position - 1]

    def value() -> tuple[str, str | None]:
        string, op, name = take()
        if string:
            return string[1:-1], None
        if name in env:
            return env[name], name
        raise LockError(f"unknown marker variable {name or op!r} in {marker!r}")

    def atom() -> bool:
        if tokens[position][1] == "(":
            take()
            result = either()
            take()
            return result
        (left, name), (_, op, _), (right, other) = value(), take(), value()
        op = re.sub(r"\s+", " ", op or "")
        if {name, other} & VERSION_VARIABLES and op not in ("in", "not in"):
            if name == "python_full_version" and left.endswith("+"):
                left += "local"  # a build from a source checkout, as packaging reads it
            return version_matches(left, op, right)
        if op in ("in", "not in"):
            return (left in right) == (op == "in")
        return op in STRING_OPS and bool(STRING_OPS[op](left, right))

    def both() -> bool:
        result = atom()
        while tokens[position][1] == "and":
            take()
            result = atom() and result
        return result

    def either() -> bool:
        result = both()
        while tokens[position][1] == "or":
            take()
            result = both() or result
        return result

    return either() if marker.strip() else True


# ---- venvs ------------------------------------------------------------------------------


def marker_environment() -> dict[str, str]:
    """The running interpreter's PEP 508 marker environment."""
    return {
        "python_version": "{}.{}".format(*sys.version_info[:2]),
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
        files = "1 of its files is" if len(bad) == 1 else f"{len(bad)} of its files are"
        return f"{name}: {files} missing or changed ({bad[0]})"
    return None


def snapshot() -> dict[str, Any]:
    """What this interpreter's venv holds: its marker environment, its own packages
    (`name: version`, site-packages only), the damaged ones (`name: what is wrong`), and
    the project link."""
    sites = sorted({Path(sysconfig.get_path(key)) for key in ("purelib", "platlib")})
    dists: dict[str, str] = {}
    broken: dict[str, str] = {}
    for site in sites:
        for info in sorted([*site.glob("*.dist-info"), *site.glob("*.egg-info")]):
            name: str | None = None
            version: str | None = None
            with contextlib.suppress(Exception):  # no metadata file: None or an error, by Python
                metadata = PathDistribution(info).metadata
                name, version = metadata["Name"], metadata["Version"]
            if not name or not version:
                broken[normalize(info.name.split("-")[0])] = f"{info.name}: its metadata is missing"
                continue
            dists[normalize(name)] = version
            problem = damage(info, site, normalize(name)) if info.suffix == ".dist-info" else None
            if problem:
                broken[normalize(name)] = problem
    try:
        link = (sites[0] / LINK).read_text(encoding="utf-8").strip()
    except OSError:
        link = None
    config = Path(sys.prefix, "pyvenv.cfg")
    relocatable = config.exists() and bool(
        re.search(r"(?m)^relocatable\s*=\s*true", config.read_text())
    )
    return {
        "env": marker_environment(),
        "dists": dists,
        "broken": broken,
        "link": link,
        "site": str(sites[0]),
        "relocatable": relocatable,
    }


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


# ---- the package index ------------------------------------------------------------------


def pip_settings(venv: Path) -> dict[str, str]:
    """pip's index settings: PIP_INDEX_URL and PIP_EXTRA_INDEX_URL, else pip's config files,
    read in pip's order ([global], then [install]); PIP_CONFIG_FILE=os.devnull: none."""
    chosen, home = os.environ.get("PIP_CONFIG_FILE"), Path.home()
    if chosen == os.devnull:
        files = []
    elif os.name == "nt":
        appdata = os.environ.get("APPDATA", home)
        files = [Path(os.environ.get("ProgramData", "C:/ProgramData"), "pip/pip.ini")]
        files += [home / "pip/pip.ini", Path(appdata, "pip/pip.ini"), venv / "pip.ini"]
    else:
        dirs = os.environ.get("XDG_CONFIG_DIRS", "/etc/xdg").split(":")
        files = [Path(folder, "pip/pip.conf") for folder in dirs] + [Path("/etc/pip.conf")]
        files += [Path("/Library/Application Support/pip/pip.conf"), home / ".pip/pip.conf"]
        files += [Path(os.environ.get("XDG_CONFIG_HOME", home / ".config"), "pip/pip.conf")]
        files += [home / "Library/Application Support/pip/pip.conf", venv / "pip.conf"]
    config = configparser.ConfigParser(interpolation=None)
    config.read(files + ([Path(chosen)] if chosen and files else []))  # later files win
    settings = {}
    for section in ("global", "install"):
        if config.has_section(section):
            settings.update({k: v for k, v in config[section].items() if "index-url" in k})
    for key in ("index-url", "extra-index-url"):
        value = os.environ.get("PIP_" + key.upper().replace("-", "_"))
        if value is not None:
            settings[key] = value
    return settings


UV_INDEX_SETTINGS = ("UV_INDEX_URL", "UV_DEFAULT_INDEX", "UV_INDEX", "UV_EXTRA_INDEX_URL")


def index_options(venv: Path) -> list[str]:
    """pip's index settings, as options for uv, which reads none of them; none when uv has
    settings of its own (UV_INDEX_URL, UV_DEFAULT_INDEX, UV_INDEX, UV_EXTRA_INDEX_URL)."""
    if any(os.environ.get(name) for name in UV_INDEX_SETTINGS):
        return []
    settings = pip_settings(venv)
    options = ["--index-url", settings["index-url"]] if settings.get("index-url") else []
    for url in settings.get("extra-index-url", "").split():
        options += ["--extra-index-url", url]
    if "--extra-index-url" in options:
        # pip takes the best version from all its indexes; uv, by default, the first index
        # that has the package at all. The team chose pip's way.
        options += ["--index-strategy", "unsafe-best-match"]
    return options


def index_url(venv: Path) -> str:
    """The main package index in use, for messages, its password masked."""
    url = os.environ.get("UV_DEFAULT_INDEX") or os.environ.get("UV_INDEX_URL")
    return hide_secrets(url or pip_settings(venv).get("index-url") or "https://pypi.org/simple")


def hide_secrets(text: str) -> str:
    """Credentials in URLs (https://user:token@host) become https://user:****@host."""
    return re.sub(r"(//[^/:@\s]+):[^/@\s]+@", r"\1:****@", text)


# ---- Pythons ---------------------------------------------------------------------------------


def probe(python: str) -> str | None:
    """Full version of an interpreter, or None if it does not run (pyenv shims may not)."""
    command = [python, "-I", "-c", "import platform; print(platform.python_version())"]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def find_python(version: str) -> tuple[str, str] | None:
    """An interpreter for MAJOR.MINOR `version`, and its full version: this one, the Windows
    `py` launcher's, or pythonX.Y, python3 or python on PATH."""
    if "{}.{}".format(*sys.version_info) == version:
        return sys.executable, platform.python_version()
    found = []
    if sys.platform == "win32" and shutil.which("py"):
        where = "import sys; print(sys.executable)"
        launcher = subprocess.run(
            ["py", f"-{version}", "-c", where], capture_output=True, text=True
        )
        found.append(launcher.stdout.strip() if launcher.returncode == 0 else None)
    found += [shutil.which(name) for name in (f"python{version}", "python3", "python")]
    for path in filter(None, found):
        full = probe(path)
        if full and full.startswith(f"{version}."):
            return path, full
    return None


# ---- the image's base ----------------------------------------------------------------------

# The media types of a multi-platform image: its digest names the same files on every system.
INDEX_TYPES = ", ".join(
    [
        "application/vnd.oci.image.index.v1+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
    ]
)


# The files that name the project's Python besides .python-version: the image's base in both
# FROM lines (python:X.Y-slim-<debian>, pinned by digest), and ruff's target.
BASE = re.compile(r"(?m)^(FROM python:)(3\.\d+)(-slim-[a-z]+)(@sha256:[0-9a-f]{64})?")
TARGET = re.compile(r'(?m)^(target-version = "py)(3)(\d+)(")')


def version_lines(dockerfile: str, pyproject: str, version: str) -> list[str]:
    """How a Dockerfile and a pyproject.toml disagree with `version` (or the base floats)."""
    says, lines = f", .python-version says {version}", set()
    for _, tag_version, debian, digest in BASE.findall(dockerfile):
        if tag_version != version:
            lines.add(f"Dockerfile: FROM python:{tag_version}{debian}{says}")
        elif not digest:
            lines.add(f"Dockerfile: python:{version}{debian} has no digest: `lock` pins it")
    for _, major, minor, _ in TARGET.findall(pyproject):
        if f"{major}.{minor}" != version:
            lines.add(f"pyproject.toml: ruff's target-version is py{major}{minor}{says}")
    return sorted(lines)


def image_digest(tag: str, registry: str = "https://registry-1.docker.io") -> str:
    """The digest of the official image `python:<tag>` (its multi-platform index), asked of the
    registry with HEAD, which Docker Hub does not count as a pull; a token is fetched when the
    registry asks for one (Docker Hub gives anonymous ones)."""
    url, headers = f"{registry}/v2/library/python/manifests/{tag}", {"Accept": INDEX_TYPES}
    try:
        for attempt in range(2):
            request = urllib.request.Request(url, headers=headers, method="HEAD")
            try:
                with urllib.request.urlopen(request, timeout=30) as response:
                    digest = str(response.headers.get("Docker-Content-Digest", ""))
                if not re.fullmatch(r"sha256:[0-9a-f]{64}", digest):
                    raise LockError(f"{registry} gave no digest for python:{tag}")
                return digest
            except urllib.error.HTTPError as error:
                challenge = dict(
                    re.findall(r'(\w+)="([^"]*)"', error.headers.get("WWW-Authenticate", ""))
                )
                if error.code != 401 or attempt or "realm" not in challenge:
                    raise LockError(f"{registry} answered {error.code} for python:{tag}") from None
                query = urllib.parse.urlencode(
                    {k: challenge[k] for k in ("service", "scope") if k in challenge}
                )
                with urllib.request.urlopen(f"{challenge['realm']}?{query}", timeout=30) as answer:
                    headers["Authorization"] = f"Bearer {json.load(answer)['token']}"
    except (OSError, ValueError, KeyError) as error:
        raise LockError(f"cannot ask {registry} for python:{tag} ({error})") from None
    raise LockError(f"{registry} refused the token it gave for python:{tag}")


# ---- what the installers' messages mean ---------------------------------------------------

# What pip and uv print (lowercased) for the failures people meet most, and what it means:
# (pattern, hint, certain). The first that applies wins; {0} is what the pattern found,
# {index} the package index, {setup} the setup command. Only a certain hint may stand
# without the installer's own output.
HINTS = [
    (
        r"no space left on device",
        "the disk is full: free some space, then run the command again",
        True,
    ),
    (
        r"failed to initialize cache at `(.+?)`",
        "uv cannot write its cache ({0}): set UV_CACHE_DIR to a folder you can write,"
        " or run `{setup} --backend pip`",
        True,
    ),
    (
        r"hash mismatch for `|these packages do not match the hashes",
        "a downloaded file does not match its hash in the lock (was the lock edited by hand?):"
        " rewrite it with `python3 scripts/env.py lock`",
        False,
    ),
    (
        r"because the network was disabled",
        "uv is offline (UV_OFFLINE) and its cache lacks a file the lock needs: go online,"
        " then run the command again",
        True,
    ),
    (
        r"cause: (?:tcp connect error|dns error|operation timed out|connection refused)"
        r"|newconnectionerror|connecttimeouterror|readtimeouterror",
        "the package index ({index}) cannot be reached: check the network and the index"
        " settings (PIP_INDEX_URL, pip.conf), then run the command again",
        True,
    ),
    (
        r"because (?:there is no version of )?([^\s,]+) (?:was not found|and you require)"
        r"|no matching distribution found for (\S+)",
        "no version of {0} is on the package index ({index}): check its line in requirements*.txt",
        False,
    ),
    (
        r"no solution found when resolving",
        "requirements*.txt ask for versions that cannot go together (uv says why above):"
        " loosen a bound there",
        False,
    ),
]


def hint(log: str, **names: str) -> tuple[str, bool] | None:
    """The first hint whose pattern is in an installer's output, and whether it is certain."""
    for pattern, text, certain in HINTS:
        found = re.search(pattern, log.lower())
        if found:
            return text.format(next(filter(None, found.groups()), ""), **names), certain
    return None


if __name__ == "__main__":
    print(json.dumps(snapshot()))
