#!/usr/bin/env python3
"""The project's one setup tool: makes, locks and checks the venv.

    python3 scripts/env.py setup     create or repair the venv, install the locks into it
                                     (--python X.Y: switch the project to another Python)
    python3 scripts/env.py lock      rewrite the locks from requirements*.txt
                                     (--check: are they up to date? --upgrade: newest pins)
    python3 scripts/env.py check     compare the venv with the locks and .python-version

(On Windows: `py scripts\\env.py setup`.) You edit requirements.txt and
requirements-dev.txt; `lock` writes requirements.lock and requirements-dev.lock with
exact pins and hashes for every platform; `setup` installs only from those locks.
Standard library only, so it runs before any venv exists.
"""

from __future__ import annotations

import argparse
import configparser
import hashlib
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

VENV_DIR = {{ cookiecutter.venv_dir | tojson }}
ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / VENV_DIR
WINDOWS = os.name == "nt"
RUNTIME_LOCK, DEV_LOCK = "requirements.lock", "requirements-dev.lock"
# Each lock and the hand-kept files it is written from. The dev list starts with
# `-r requirements.txt`, so the dev lock holds everything the local venv needs.
LOCK_INPUTS = {
    RUNTIME_LOCK: ["requirements.txt"],
    DEV_LOCK: ["requirements.txt", "requirements-dev.txt"],
}
# Every venv brings these; they count only when a lock pins them.
SEED_PACKAGES = {"pip", "setuptools", "wheel"}


class EnvError(Exception):
    """A problem the user can act on: printed as one line, exit status 1."""


def say(message: str) -> None:
    print(f"env.py: {message}", flush=True)


class Step:
    """Prints what is being done, then how long it took."""

    def __init__(self, title: str):
        self.title = title

    def __enter__(self):
        say(f"{self.title} ...")
        self.start = time.perf_counter()

    def __exit__(self, kind, value, tb):
        if kind is None:
            say(f"  done in {time.perf_counter() - self.start:.1f} s")


def run(cmd: list, what: str) -> None:
    """Runs a command in the project folder. Its output is shown only if it fails, with an
    explanation of the failures people meet most."""
    try:
        done = subprocess.run([str(c) for c in cmd], cwd=ROOT, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True, errors="replace")
    except OSError as error:
        raise EnvError(f"{what}: cannot run {cmd[0]}: {error}") from None
    if done.returncode != 0:
        log = done.stdout.lower()
        hint = next((text for pattern, text in HINTS.items() if pattern in log),
                    "see the messages above")
        if hint != OFFLINE:  # an unreachable index needs no log: the hint says it all
            sys.stderr.write(hide_secrets(done.stdout))
        raise EnvError(f"{what} failed (exit status {done.returncode}): "
                       + hint.format(index=hide_secrets(index_url())))


def hide_secrets(text: str) -> str:
    """Credentials in URLs (https://user:token@host) become https://user:****@host."""
    return re.sub(r"(//[^/:@\s]+):[^/@\s]+@", r"\1:****@", text)


# What pip and uv say (lowercased) on the failures people meet most, and what it means;
# the first that applies wins (an offline uv also says "no solution found").
BAD_HASH = ("a downloaded file does not match its hash in the lock (was the lock edited by"
            " hand?): rewrite it with `python3 scripts/env.py lock`")
OFFLINE = ("the package index ({index}) cannot be reached: check the network and the index"
           " settings (PIP_INDEX_URL, pip.conf), then run the command again")
HINTS = {
    "do not match the hashes": BAD_HASH,  # pip
    "hash mismatch": BAD_HASH,  # uv
    "connect": OFFLINE,
    "network": OFFLINE,
    "no solution found": "the requirements cannot be resolved: check the names and bounds"
    " in requirements*.txt",
}


# ---- Python version -------------------------------------------------------------------


def valid_version(version: str, where: str) -> str:
    if not re.fullmatch(r"3\.\d+", version):
        raise EnvError(f"{where}: {version!r} is not a MAJOR.MINOR version like 3.12")
    return version


def wanted_python() -> str:
    path = ROOT / ".python-version"
    try:
        version = path.read_text().strip()
    except OSError:
        raise EnvError(".python-version is missing: write a MAJOR.MINOR version in it") from None
    return valid_version(version, ".python-version")


def probe(python: str) -> str | None:
    """Full version of an interpreter, or None if it does not run (pyenv shims may not)."""
    try:
        out = subprocess.run(
            [python, "-I", "-c", "import platform; print(platform.python_version())"],
            cwd=ROOT, capture_output=True, text=True, timeout=60,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return out.stdout.strip() if out.returncode == 0 else None


def find_python(version: str) -> tuple[str, str]:
    """An interpreter for `version`: this one, the Windows `py` launcher, or pythonX.Y on PATH."""
    if "{}.{}".format(*sys.version_info) == version:
        return sys.executable, "{}.{}.{}".format(*sys.version_info)
    if WINDOWS and shutil.which("py"):
        found = subprocess.run(
            ["py", f"-{version}", "-c", "import sys; print(sys.executable)"],
            capture_output=True, text=True,
        )
        if found.returncode == 0 and probe(found.stdout.strip()):
            return found.stdout.strip(), probe(found.stdout.strip())
    for name in (f"python{version}", "python3", "python"):
        path = shutil.which(name)
        full = probe(path) if path else None
        if full and full.startswith(version + "."):
            return path, full
    raise EnvError(
        f"no Python {version} found (looked for python{version} on PATH"
        + (" and `py -{version}`" if WINDOWS else "")
        + f"): install Python {version}, or switch the project to one you have with"
        " `python3 scripts/env.py setup --python X.Y`"
    )


# ---- the venv ---------------------------------------------------------------------


def venv_python(venv: Path = VENV) -> Path:
    return venv / ("Scripts/python.exe" if WINDOWS else "bin/python")


def find_uv() -> list[str] | None:
    """uv from the venv (the project's pinned one), from PATH, or from this Python."""
    in_venv = VENV / ("Scripts/uv.exe" if WINDOWS else "bin/uv")
    if in_venv.is_file() and WINDOWS:
        # Windows cannot replace a running .exe, and a sync may update uv itself: run a copy.
        copy = Path(tempfile.gettempdir(), f"uv-for-{ROOT.name}.exe")
        shutil.copy2(in_venv, copy)
        return [str(copy)]
    if in_venv.is_file():
        return [str(in_venv)]
    if shutil.which("uv"):
        return [shutil.which("uv")]
    if importlib.util.find_spec("uv"):  # the uv package of PyPI, in this Python
        from uv import find_uv_bin

        return [find_uv_bin()]
    return None


def has_pip(venv: Path) -> bool:
    found = list(venv.glob("lib/python*/site-packages/pip"))
    return bool(found) or (venv / "Lib/site-packages/pip").is_dir()  # Linux/macOS, Windows


def ensure_venv(version: str, uv: list[str] | None) -> bool:
    """Makes the venv, or repairs it in place; True when it is new."""
    python = venv_python()
    if python.exists():
        full = probe(str(python))
        if full and not full.startswith(version + "."):
            raise EnvError(
                f"{VENV_DIR}/ has Python {full} but .python-version says {version}:"
                f" `python3 scripts/env.py setup --python {version}` makes it anew"
            )
        if full and has_pip(VENV):
            say(f"{VENV_DIR}/ is there, with Python {full}")
            return False
    base, full = find_python(version)
    new = not VENV.exists()
    prompt = ["--prompt", ROOT.name]  # the activated prompt shows the project, not "venv"
    if uv and new:
        try:
            with Step(f"creating {VENV_DIR}/ with Python {full} (uv)"):
                run([*uv, "venv", "--seed", "--quiet", *prompt, *index_options(), "--python", base,
                     VENV], "creating the venv")
            return True
        except EnvError as error:
            say(f"{error}; the standard venv module takes over")
    # The standard venv module also repairs: it fills in what is missing (pip included,
    # from the copy bundled with Python, so offline too) and leaves everything else.
    verb = "creating" if new else "repairing"
    with Step(f"{verb} {VENV_DIR}/ with Python {full}"):
        run([base, "-m", "venv", *prompt, VENV], f"{verb} the venv")
    return new


def link_project(version: str) -> None:
    """Puts the project folder on the venv's import path, so that its package imports from
    notebooks, scripts and tests in any subfolder (pip's editable installs do the same)."""
    site = VENV / ("Lib" if WINDOWS else f"lib/python{version}") / "site-packages"
    if not site.is_dir():  # another layout (PyPy, a free-threaded build): ask the venv
        site = Path(subprocess.run([venv_python(), "-c", "import sysconfig;"
                                    " print(sysconfig.get_path('purelib'))"],
                                   capture_output=True, text=True).stdout.strip())
    (site / "project-root.pth").write_text(f"{ROOT}\n")


SNAPSHOT = """
import json, os, platform, sys
from importlib.metadata import distributions
env = {
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
dists = {d.metadata["Name"]: d.version for d in distributions() if d.metadata["Name"]}
print(json.dumps({"env": env, "dists": dists}))
"""


def snapshot(python: str) -> dict:
    """The marker environment and the installed `name: version` of a venv's interpreter."""
    out = subprocess.run([python, "-I", "-c", SNAPSHOT], capture_output=True, text=True)
    if out.returncode != 0:
        raise EnvError(f"cannot run {python}: {out.stderr.strip()}")
    data = json.loads(out.stdout)
    data["dists"] = {normalize(n): v for n, v in data["dists"].items()}
    return data


# ---- locks ------------------------------------------------------------------------


def normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def inputs_digest(lock: str, version: str) -> str:
    """What a lock is written from: the Python version and the requirement lines (comments,
    blank lines and line endings do not count)."""
    digest = hashlib.sha256(f"python {version}\n".encode())
    for name in LOCK_INPUTS[lock]:
        try:
            text = (ROOT / name).read_text()
        except OSError:
            raise EnvError(f"{name} is missing: {lock} is written from it") from None
        for line in text.splitlines():
            requirement = re.sub(r"(^|\s)#.*", "", line).strip()  # pip's comment rule
            if requirement:
                digest.update(f"{requirement}\n".encode())
    return digest.hexdigest()[:16]


def lock_header(lock: str, version: str) -> str:
    source = LOCK_INPUTS[lock][-1]
    return (
        f"# Written by `python3 scripts/env.py lock` from {source}: do not edit.\n"
        f"# Edit {source} instead, then run `python3 scripts/env.py lock`.\n"
        f"# Python {version}, every platform; inputs {inputs_digest(lock, version)}\n"
    )


def stale_locks(version: str) -> list[str]:
    """Locks that are missing or were written from other inputs than today's."""
    stale = []
    for lock in LOCK_INPUTS:
        path = ROOT / lock
        header = path.read_text().split("\n", 3)[:3] if path.exists() else []
        if f"inputs {inputs_digest(lock, version)}" not in "".join(header):
            stale.append(lock)
    return stale


LOCK_FIX = "fix: run `python3 scripts/env.py lock` (then `setup`), and commit the locks"


def stale_lines(version: str) -> list[str]:
    """One line per lock that was not written from today's inputs; reads files only."""
    lines = []
    for lock_name in stale_locks(version):
        inputs = ", ".join(LOCK_INPUTS[lock_name])
        lines.append(f"{lock_name} is stale: {inputs} or the Python version ({version}) changed"
                     " since it was written" if (ROOT / lock_name).exists()
                     else f"{lock_name} is missing")
    return lines


def check_locks(version: str) -> int:
    """`lock --check`: were both locks written from today's inputs?"""
    lines = stale_lines(version)
    if not lines:
        say(f"{RUNTIME_LOCK} and {DEV_LOCK} match requirements*.txt and Python {version}")
        return 0
    for line in lines + [LOCK_FIX]:
        say(line)
    return 1


def install_uv() -> list[str]:
    """Installs uv into the venv with pip: the dev lock's pin, hash-checked, when it has one."""
    entry = None
    if (ROOT / DEV_LOCK).exists():
        entry = re.search(r"^uv==.*?(?=^\S|\Z)", (ROOT / DEV_LOCK).read_text(), re.M | re.S)
    requirement = VENV / "uv-requirement.txt"
    requirement.write_text(entry.group() if entry else "uv\n")
    pinned, how = (["--require-hashes"], f"as {DEV_LOCK} pins it") if entry else ([], "unpinned")
    try:
        with Step(f"installing uv into {VENV_DIR}/ with pip ({how})"):
            run([venv_python(), "-m", "pip", "install", "--quiet", *pinned, "-r", requirement],
                "installing uv")
    finally:
        requirement.unlink(missing_ok=True)
    return find_uv()


def resolver() -> list[str]:
    """uv, which writes the locks; installed into the venv when nowhere else."""
    uv = find_uv()
    if uv:
        return uv
    if not venv_python().exists():
        raise EnvError("uv, which writes the locks, is missing: `pip install uv`, or run setup")
    return install_uv()


def lock(version: str, upgrade: bool = False) -> None:
    uv = resolver()
    before = {name: (ROOT / name).read_bytes() for name in LOCK_INPUTS if (ROOT / name).exists()}
    try:
        for lock_name, inputs in LOCK_INPUTS.items():
            with Step(f"writing {lock_name} from {inputs[-1]}"):
                cmd = [*uv, "pip", "compile", inputs[-1], "--output-file", lock_name,
                       "--universal", "--generate-hashes", "--python-version", version,
                       "--no-header", "--quiet", *index_options()]
                if lock_name == DEV_LOCK:
                    cmd += ["--constraint", RUNTIME_LOCK]  # shared packages keep those pins
                if upgrade:
                    cmd.append("--upgrade")
                run(cmd, f"writing {lock_name}")
                text = lock_header(lock_name, version) + (ROOT / lock_name).read_text()
                with open(ROOT / lock_name, "w", newline="\n") as file:  # same bytes on Windows
                    file.write(text)
    except BaseException:  # both locks change, or neither does
        for name in LOCK_INPUTS:
            if name in before:
                (ROOT / name).write_bytes(before[name])
            else:
                (ROOT / name).unlink(missing_ok=True)
        raise


# ---- the team's package index ------------------------------------------------------


def pip_settings() -> dict[str, str]:
    """pip's index settings: PIP_INDEX_URL and PIP_EXTRA_INDEX_URL, else pip's config
    files, read in pip's order ([global], then [install]); PIP_CONFIG_FILE=os.devnull: none."""
    chosen = os.environ.get("PIP_CONFIG_FILE")
    home, files = Path.home(), []
    if chosen != os.devnull:
        if WINDOWS:
            files = [Path(os.environ.get("ProgramData", "C:/ProgramData"), "pip/pip.ini"),
                     home / "pip/pip.ini", Path(os.environ.get("APPDATA", home), "pip/pip.ini")]
        else:
            files = [*(Path(d, "pip/pip.conf") for d in
                       os.environ.get("XDG_CONFIG_DIRS", "/etc/xdg").split(":")),
                     Path("/etc/pip.conf"), Path("/Library/Application Support/pip/pip.conf"),
                     home / ".pip/pip.conf",
                     Path(os.environ.get("XDG_CONFIG_HOME", home / ".config"), "pip/pip.conf"),
                     home / "Library/Application Support/pip/pip.conf"]
        files.append(VENV / ("pip.ini" if WINDOWS else "pip.conf"))  # the venv's own
        files += [Path(chosen)] if chosen else []
    config = configparser.ConfigParser(interpolation=None)
    config.read(files)  # later files win, as in pip
    settings = {}
    for section in ("global", "install"):
        if config.has_section(section):
            settings.update({k: v for k, v in config[section].items() if "index-url" in k})
    for key in ("index-url", "extra-index-url"):
        value = os.environ.get("PIP_" + key.upper().replace("-", "_"))
        if value is not None:
            settings[key] = value
    return settings


def index_options() -> list[str]:
    """pip's index settings, as options for uv, which reads none of them; none when uv has
    settings of its own (UV_INDEX_URL, UV_DEFAULT_INDEX, UV_INDEX, UV_EXTRA_INDEX_URL)."""
    if any(os.environ.get(name) for name in
           ("UV_INDEX_URL", "UV_DEFAULT_INDEX", "UV_INDEX", "UV_EXTRA_INDEX_URL")):
        return []
    settings = pip_settings()
    options = ["--index-url", settings["index-url"]] if settings.get("index-url") else []
    for url in settings.get("extra-index-url", "").split():
        options += ["--extra-index-url", url]
    if "--extra-index-url" in options:
        # pip takes the best version from all its indexes; uv, by default, the first index
        # that has the package at all. The team chose pip's way.
        options += ["--index-strategy", "unsafe-best-match"]
    return options


def index_url() -> str:
    """The main package index in use, for messages."""
    return (os.environ.get("UV_DEFAULT_INDEX") or os.environ.get("UV_INDEX_URL")
            or pip_settings().get("index-url") or "https://pypi.org/simple")


def read_lock(path: Path) -> list[tuple[str, str, str]]:
    """(name, version, marker) for each pin of a lock; the hashes are pip's and uv's job."""
    try:
        text = path.read_text()
    except OSError:
        raise EnvError(f"{path.name} is missing: run `python3 scripts/env.py lock`") from None
    pins = []
    for line in text.replace("\\\n", " ").splitlines():
        line = line.split(" --hash")[0].strip()
        if not line or line.startswith(("#", "-")):
            continue
        requirement, _, marker = line.partition(";")
        name, pinned, version = requirement.partition("==")
        if not pinned:
            raise EnvError(f"{path.name}: not an exact pin: {line}")
        pins.append((normalize(name.split("[")[0].strip()), version.strip(), marker.strip()))
    return pins


# ---- environment markers (PEP 508), enough for what uv writes -------------------------

MARKER_TOKEN = re.compile(
    r"\s*(?:('[^']*'|\"[^\"]*\")|(===|==|!=|<=|>=|~=|<|>|\(|\)|not\s+in\b|in\b|and\b|or\b)"
    r"|([A-Za-z_][A-Za-z0-9_.]*))"
)
VERSION_VARIABLES = {"python_version", "python_full_version", "implementation_version"}


def release(version: str) -> list[int]:
    return [int(part) for part in re.match(r"\d+(?:\.\d+)*", version).group().split(".")]


def compare(left: str, op: str, right: str, as_version: bool) -> bool:
    if op in ("in", "not in") or not as_version:
        result = {"==": left == right, "!=": left != right, "in": left in right,
                  "not in": left not in right, "<": left < right, "<=": left <= right,
                  ">": left > right, ">=": left >= right, "===": left == right}
        return result[re.sub(r"\s+", " ", op)]
    a, b = release(left), release(right)
    width = max(len(a), len(b))
    a, b = a + [0] * (width - len(a)), b + [0] * (width - len(b))
    if op == "~=":
        return a >= b and a[: len(release(right)) - 1] == b[: len(release(right)) - 1]
    return {"==": a == b, "===": a == b, "!=": a != b, "<": a < b,
            "<=": a <= b, ">": a > b, ">=": a >= b}[op]


def marker_holds(marker: str, env: dict) -> bool:
    if not marker:
        return True
    tokens, pos = [], 0
    while pos < len(marker.rstrip()):
        match = MARKER_TOKEN.match(marker, pos)
        if not match or match.end() == pos:
            raise EnvError(f"cannot read the marker {marker!r}")
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
        raise EnvError(f"unknown marker variable {name or op!r} in {marker!r}")

    def atom():
        if tokens[position][1] == "(":
            take()
            result = either()
            take()
            return result
        (left, lname), (_, op, _), (right, rname) = value(), take(), value()
        return compare(left, op, right, bool({lname, rname} & VERSION_VARIABLES))

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

    return either()


def pins_for(lock_path: Path, env: dict) -> dict[str, str]:
    """The lock's `name: version` pins whose markers hold in the marker environment `env`."""
    return {name: pin for name, pin, marker in read_lock(lock_path) if marker_holds(marker, env)}


def differences(lock_path: Path, version: str, state: dict) -> list[str]:
    env, have = state["env"], state["dists"]
    want = pins_for(lock_path, env)
    found = []
    if env["python_version"] != version:
        found.append(f"python: the venv has {env['python_full_version']},"
                     f" .python-version says {version}")
    for name in sorted(want.keys() | have.keys()):
        if name not in have:
            found.append(f"missing: {name}=={want[name]}")
        elif name not in want:
            if name not in SEED_PACKAGES:
                found.append(f"extra: {name}=={have[name]} (not in {lock_path.name})")
        elif want[name] != have[name]:
            found.append(f"changed: {name} is {have[name]}, {lock_path.name} says {want[name]}")
    return found


# ---- commands ---------------------------------------------------------------------


def switch_python(version: str) -> None:
    """`setup --python X.Y`: the new version goes into .python-version and the Dockerfile,
    and a venv of another Python goes (setup then builds it anew and re-locks)."""
    if int(valid_version(version, "--python").split(".")[1]) < 10:
        raise EnvError(f"--python: {version} is past its end of life: use 3.10 or newer")
    _, full = find_python(version)  # before anything changes: is that Python here?
    (ROOT / ".python-version").write_text(f"{version}\n")
    dockerfile = ROOT / "Dockerfile"
    if dockerfile.exists():
        text = DOCKERFILE_ARG.sub(f"ARG PYTHON_VERSION={version}", dockerfile.read_text())
        with open(dockerfile, "w", newline="\n") as file:
            file.write(text)
    say(f"the project now uses Python {version} (.python-version"
        + (", the Dockerfile's default)" if dockerfile.exists() else ")"))
    old = probe(str(venv_python())) if venv_python().exists() else None
    if old and not old.startswith(version + "."):
        with Step(f"removing {VENV_DIR}/, made with Python {old}, to make it anew with {full}"):
            shutil.rmtree(VENV)


def setup(backend: str, python: str | None = None) -> None:
    started = time.perf_counter()
    if python:
        switch_python(python)
    version = wanted_python()
    uv = find_uv() if backend != "pip" else None
    if backend == "uv" and not uv:
        raise EnvError("the uv backend was asked for, but uv is not installed (`pip install uv`)")
    new = ensure_venv(version, uv)
    if not uv and backend == "auto":
        try:  # uv installs the rest many times faster than pip
            uv = install_uv()
        except EnvError as error:
            say(f"{error}: pip installs the lock instead")
    stale = stale_locks(version)
    if stale:
        first = not any((ROOT / name).exists() for name in LOCK_INPUTS)
        say("no locks yet: writing them first" if first else
            f"{' and '.join(stale)} missing or older than the requirements: locking first")
        lock(version)
    venv = venv_python()
    # The venv ends up equal to the dev lock: say what goes before it goes.
    extra = [] if new else [line.split()[1] for line in
                            differences(ROOT / DEV_LOCK, version, snapshot(str(venv)))
                            if line.startswith("extra:")]
    if extra:
        say(f"removing what the locks do not list: {', '.join(extra)}. To keep a package, add"
            " it to requirements-dev.txt (or requirements.txt if the app needs it), then run"
            " `python3 scripts/env.py lock`")
    if uv:
        with Step(f"installing {DEV_LOCK} into {VENV_DIR}/ (uv, hashes checked)"):
            run([*uv, "pip", "sync", "--require-hashes", *index_options(), "--python", venv,
                 DEV_LOCK], "installing the lock")
        with Step("checking dependencies (uv pip check)"):
            run([*uv, "pip", "check", "--python", venv], "uv pip check")
    else:
        with Step(f"installing {DEV_LOCK} into {VENV_DIR}/ (pip, hashes checked)"):
            run([venv, "-m", "pip", "install", "--require-hashes", "-r", DEV_LOCK],
                "installing the lock")
        if extra:
            run([venv, "-m", "pip", "uninstall", "--yes", *(e.split("==")[0] for e in extra)],
                "removing packages")
        with Step("checking dependencies (pip check)"):
            run([venv, "-m", "pip", "check"], "pip check")
    link_project(version)
    fish = os.environ.get("SHELL", "").endswith("fish")
    activate = (rf"{VENV_DIR}\Scripts\activate" if WINDOWS else
                f"source {VENV_DIR}/bin/activate" + (".fish" if fish else ""))
    say(f"ready in {time.perf_counter() - started:.1f} s. Activate the venv with: {activate}")
    mismatch = dockerfile_python(version)
    if mismatch:
        say(f"but {mismatch}: `python3 scripts/env.py setup --python {version}` rewrites it")


def check(runtime: bool) -> int:
    if runtime:
        return check_runtime()
    if not venv_python().exists():
        print(f"env.py: no venv at {VENV_DIR}/: run `python3 scripts/env.py setup`",
              file=sys.stderr)
        return 2
    version = wanted_python()
    state = snapshot(str(venv_python()))
    found = differences(ROOT / DEV_LOCK, version, state) if (ROOT / DEV_LOCK).exists() else []
    found += stale_lines(version)
    mismatch = dockerfile_python(version)
    found += [mismatch] if mismatch else []
    switch = f" --python {version}" if mismatch else ""
    return report(found, f"{VENV_DIR}/", DEV_LOCK, state,
                  f"{VENV_DIR}/, the locks and .python-version do not agree:",
                  f"run `python3 scripts/env.py setup{switch}` to bring them back in line (it"
                  " re-locks first when a lock is stale)")


def report(found: list[str], where: str, lock_name: str, state: dict, header: str,
           advice: str) -> int:
    """`check`'s verdict: in sync (0), or the differences and what to do (1)."""
    if not found:
        say(f"in sync: {where} matches {lock_name} ({len(read_lock(ROOT / lock_name))} pins),"
            f" Python {state['env']['python_full_version']}")
        return 0
    say(header)
    for line in found[:12]:
        print(f"  {line}")
    if len(found) > 12:
        print(f"  ... and {len(found) - 12} more")
    say(advice)
    return 1


DOCKERFILE_ARG = re.compile(r"(?m)^ARG PYTHON_VERSION=(\S*)$")  # the image's default Python


def dockerfile_python(version: str) -> str | None:
    """How the Dockerfile's default Python disagrees with .python-version, if it does."""
    dockerfile = ROOT / "Dockerfile"
    default = DOCKERFILE_ARG.search(dockerfile.read_text()) if dockerfile.exists() else None
    if default and default.group(1) != version:
        return (f"Dockerfile: its default ARG PYTHON_VERSION is {default.group(1)},"
                f" .python-version says {version}")
    return None


def check_runtime() -> int:
    """`check --runtime`: the Python running this script against requirements.lock alone."""
    here = Path(sys.prefix).resolve()
    if here == Path(sys.base_prefix).resolve() or here == VENV.resolve():
        print(f"env.py: check --runtime compares the venv running it with {RUNTIME_LOCK} alone:"
              " it is for the image (`docker run --rm IMAGE python scripts/env.py check"
              f" --runtime`) or a CI venv built from {RUNTIME_LOCK}. For {VENV_DIR}/, which also"
              " holds the dev tools, run `python3 scripts/env.py check`.", file=sys.stderr)
        return 2
    state = snapshot(sys.executable)
    found = differences(ROOT / RUNTIME_LOCK, wanted_python(), state)
    return report(found, sys.prefix, RUNTIME_LOCK, state,
                  f"{sys.prefix} differs from {RUNTIME_LOCK}:",
                  f"rebuild it from {RUNTIME_LOCK} (for the image: build it again)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="env.py", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    setup_parser = commands.add_parser("setup", help="create or repair the venv from the locks")
    setup_parser.add_argument(
        "--backend", choices=["auto", "pip", "uv"],
        default=os.environ.get("ENV_PY_BACKEND", "auto"),
        help="uv when it is installed (auto), or force one; also the ENV_PY_BACKEND variable",
    )
    setup_parser.add_argument("--python", metavar="X.Y",
                              help="switch the project to Python X.Y: .python-version, the"
                              " Dockerfile, the locks and the venv")
    lock_parser = commands.add_parser("lock", help="rewrite the locks from requirements*.txt")
    lock_mode = lock_parser.add_mutually_exclusive_group()
    lock_mode.add_argument("--upgrade", action="store_true",
                           help="move pins to the newest versions allowed")
    lock_mode.add_argument("--check", action="store_true",
                           help="write nothing: exit 1 if a lock is older than its inputs")
    check_parser = commands.add_parser("check", help="compare the venv with the locks")
    check_parser.add_argument("--runtime", action="store_true",
                              help=f"for the image and CI: compare the venv running this script"
                              f" with {RUNTIME_LOCK} alone")
    args = parser.parse_args(argv)
    try:
        if args.command == "setup":
            if args.backend not in ("auto", "pip", "uv"):
                raise EnvError(f"ENV_PY_BACKEND: {args.backend!r} is not one of auto, pip, uv")
            setup(args.backend, args.python)
        elif args.command == "lock" and args.check:
            return check_locks(wanted_python())
        elif args.command == "lock":
            lock(wanted_python(), args.upgrade)
        else:
            return check(args.runtime)
    except EnvError as error:
        print(f"env.py: {args.command} stopped: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
