#!/usr/bin/env python3
"""The project's one setup tool: makes, locks and checks the venv.

    python3 scripts/env.py setup     make the venv whole and equal to the locks: create it,
                                     repair it, or build a new one beside it and swap it in
                                     (--python X.Y: switch the project to another Python)
    python3 scripts/env.py lock      rewrite the locks from requirements*.txt
                                     (--check: are they up to date? --upgrade: newest pins)
    python3 scripts/env.py check     is the venv whole, and equal to the locks and .python-version?

(On Windows: `py scripts\\env.py setup`.) You edit requirements.txt and
requirements-dev.txt; `lock` writes requirements.lock and requirements-dev.lock with
exact pins and hashes for Linux, macOS and Windows; `setup` installs only from those locks.
Standard library only, so it runs before any venv exists; scripts/envlock.py beside it
holds the part that only reads (locks, venvs, index settings, installers' messages).

Exit status: 0 done (or in sync); 1 a problem, named on one line with its fix; 2 nothing
to check (no venv) or a usage error; 130 interrupted, with what was left.
"""

from __future__ import annotations

import argparse
import contextlib
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
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, NoReturn

sys.path.insert(
    0, str(Path(__file__).resolve().parent.parent)
)  # the project, also under PYTHONSAFEPATH=1
from scripts import envlock

VENV_DIR = {{ cookiecutter.venv_dir | tojson }}
ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / VENV_DIR
WINDOWS = sys.platform == "win32"
OLDEST_PYTHON = (3, 10)  # older versions no longer get security fixes
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
SETUP = r"py scripts\env.py setup" if WINDOWS else "python3 scripts/env.py setup"


class EnvError(Exception):
    """A problem the user can act on: printed as one line, exit status 1."""


class Interrupted(Exception):
    """Ctrl-C during a step: the message says what the step left."""


def main(argv: list[str] | None = None) -> int:
    """Runs one command; returns the exit status (see the top of this file)."""
    parser = argparse.ArgumentParser(prog="env.py", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    setup_cmd = commands.add_parser("setup", help="make the venv whole and equal to the locks")
    backend = os.environ.get("ENV_PY_BACKEND", "auto")  # uv when it can, or one of them
    setup_cmd.add_argument("--backend", choices=["auto", "pip", "uv"], default=backend)
    setup_cmd.add_argument("--python", metavar="X.Y", help="switch the project to Python X.Y")
    lock_cmd = commands.add_parser("lock", help="rewrite the locks from requirements*.txt")
    lock_mode = lock_cmd.add_mutually_exclusive_group()
    lock_mode.add_argument("--upgrade", action="store_true", help="move pins to the newest")
    lock_mode.add_argument("--check", action="store_true", help="exit 1 if a lock is stale")
    check_cmd = commands.add_parser("check", help="is the venv whole and equal to the locks?")
    check_cmd.add_argument("--runtime", action="store_true", help=f"this Python vs {RUNTIME_LOCK}")
    args = parser.parse_args(argv)
    try:
        if args.command == "check":
            return check_runtime() if args.runtime else check()
        if args.command == "lock" and args.check:
            return check_locks(wanted_python())
        with one_at_a_time(args.command):
            if args.command == "lock":
                lock(wanted_python(), args.upgrade)
            elif args.backend not in ("auto", "pip", "uv"):
                raise EnvError(f"ENV_PY_BACKEND: {args.backend!r} is not one of auto, pip, uv")
            else:
                setup(args.backend, args.python)
    except (EnvError, envlock.LockError) as error:
        say(f"{args.command} stopped: {error}", error=True)
        return 1
    except BrokenPipeError:  # `check | head`: the reader has seen enough
        sys.stdout = open(os.devnull, "w")
        return 1
    except OSError as error:  # our own reads and writes: a full disk, a file we may not write
        say(f"{args.command} stopped: {error.strerror}: {error.filename}", error=True)
        return 1
    except (Interrupted, KeyboardInterrupt) as stop:
        left = stop if isinstance(stop, Interrupted) else "run it again: it finishes what is left"
        say(f"{args.command} interrupted: {left}", error=True)
        return 130
    return 0


# ---- commands -----------------------------------------------------------------------------


def setup(backend: str, python: str | None = None) -> None:
    """`setup`: lock first if a lock is stale, then make the venv whole and equal to the dev
    lock. A damaged, moved or wrong-Python venv is built anew beside the old one, which
    stays until the new one is complete. With `--python X.Y` the project switches first;
    if anything fails, its files and the old venv are as they were."""
    started = time.perf_counter()
    recover()
    uv = find_uv() if backend != "pip" else None
    if backend == "uv" and not uv:
        raise EnvError(f"uv is not installed (https://docs.astral.sh/uv/): or use `{SETUP}`")
    switched = [".python-version", "Dockerfile", "pyproject.toml", *LOCKS] if python else []
    with restored_on_failure(switched), tempfile.TemporaryDirectory(prefix="env-py-") as scratch:
        version = switch_python(python) if python else wanted_python()
        base, full = find_python(version)
        if not uv and backend == "auto":
            uv = bootstrap_uv(Path(scratch))
        stale = {ROOT / name: state for name, state in stale_locks(version).items()}
        if stale:
            say(f"{envlock.stale_reason(stale, version)}: locking first")
            lock(version, uv=uv)  # which makes the other files follow .python-version too
        else:
            follow_python(version)
        state = inspect()
        rebuild = [line for line, whole in venv_problems(state, version) if whole]
        if state is None or rebuild:
            if state:
                say(f"{VENV_DIR}/ is built anew beside the old one, because: {rebuild[0]}")
            build(base, full, uv)
        else:
            sync(state, uv)
        broken = list((inspect() or {}).get("broken", {}))
        if broken and uv:  # the same files in uv's cache, which the new venv linked to
            install(VENV, uv, refetch=broken)
    found = [line for line, _ in venv_problems(inspect(), version)]
    if found:
        raise EnvError(f"setup ended, but {VENV_DIR}/ still differs: {'; '.join(found[:3])}")
    ready = f"ready in {time.perf_counter() - started:.1f} s"
    active = os.environ.get("VIRTUAL_ENV") == str(VENV)
    if not os.environ.get("ENV_PY_BAKE") and not active:  # a bake prints it in its next steps
        ready += f". Activate the venv with: {activate_command()}"
    say(ready)
    for line in version_lines(version):  # only a digest Docker Hub could not give can remain
        say(f"but {line}")


def lock(version: str, upgrade: bool = False, uv: list[str] | None = None) -> None:
    """`lock`: both locks written anew from requirements*.txt for `version`, every hash
    taken from the index (the pins are kept unless `upgrade`), then every pin confirmed to
    have a file for each of PLATFORMS; the files that name the Python follow it (follow_python).
    The locks and those files change together, or not at all."""
    refused = {
        f"{path.name}, line {number}: `{line}` {why}"
        for source in LOCKS.values()
        for path, number, line in envlock.requirement_lines(ROOT / source)
        if (why := envlock.direct_reference(line))
    }
    if refused:
        raise EnvError("; ".join(sorted(refused)))
    changed = [*LOCKS, "Dockerfile", "pyproject.toml"]
    with tempfile.TemporaryDirectory(prefix="env-py-") as scratch, restored_on_failure(changed):
        uv = uv or find_uv() or bootstrap_uv(Path(scratch))
        if not uv:
            raise EnvError("uv, which writes the locks, is not installed and could not be")
        left = "the locks are as they were"
        for lock_name, source in LOCKS.items():
            with step(f"writing {lock_name} from {source}", left):
                path = ROOT / lock_name
                # uv keeps the pins it finds in the file it rewrites, but also their hashes
                # (edited or not), and stops at a line it cannot read: leave it the pins only.
                old = path.read_text(errors="replace") if path.exists() and not upgrade else ""
                write_text(path, envlock.pins_only(old))
                constraint = ["--constraint", RUNTIME_LOCK] if lock_name == DEV_LOCK else []
                more = [*constraint, *(["--upgrade"] if upgrade else [])]
                compile_ = ["--universal", "--generate-hashes", "--no-header", "--quiet"]
                command = ["pip compile", source, "-o", lock_name, *compile_, *more]
                uv_run(uv, *command, python=version, what=f"writing {lock_name}")
                body = envlock.read_text(path)
                write_text(path, lock_header(lock_name, version, body) + body)
        with step(f"checking that every pin has a file for {', '.join(PLATFORMS)}", left):
            missing = uncovered(uv, version, Path(scratch))
        if missing:
            raise EnvError(
                f"{DEV_LOCK} would not install everywhere: {'; '.join(missing[:5])}. The package"
                " index lacks those files: ask for them there, or limit the requirement to"
                " where it installs (`name ; sys_platform == 'linux'`)"
            )
        follow_python(version, upgrade)


def check() -> int:
    """`check`: 0 when the venv is whole and equal to the dev lock, the locks are current
    and the Dockerfile agrees with .python-version; 1 with each difference and the command
    that repairs them all; 2 when there is no venv."""
    if not VENV.exists():
        say(f"no venv at {VENV_DIR}/: run `{SETUP}`", error=True)
        return 2
    version = wanted_python()
    state = inspect()
    problems = venv_problems(state, version)
    found = [line for line, _ in problems] + stale_lines(version) + version_lines(version)
    if not found and state:
        pins, full = len(envlock.read_lock(ROOT / DEV_LOCK)), state["env"]["python_full_version"]
        say(f"in sync: {VENV_DIR}/ is whole and matches {DEV_LOCK} ({pins} pins), Python {full}")
        return 0
    say("\n  ".join([f"{VENV_DIR}/, the locks and .python-version do not agree:", *found]))
    advice = f"run `{SETUP}` to repair them all"
    if any(whole for _, whole in problems):
        advice += f" (it builds a new {VENV_DIR}/ beside this one and swaps it in when complete)"
    extra = [line.split()[1] for line, _ in problems if line.startswith("extra:")]
    if extra:
        advice += f"; it removes {', '.join(extra)}: to keep one, add it to requirements*.txt"
    say(advice)
    return 1


def check_locks(version: str) -> int:
    """`lock --check`: were both locks written from today's inputs? Reads files only."""
    lines = stale_lines(version)
    if lines:
        fix = "fix: run `python3 scripts/env.py lock` (then `setup`), and commit the locks"
        say("\n  ".join([*lines, fix]))
        return 1
    say(f"{RUNTIME_LOCK} and {DEV_LOCK} match requirements*.txt and Python {version}")
    return 0


def check_runtime() -> int:
    """`check --runtime`: the Python running this script against requirements.lock alone."""
    if Path(sys.prefix).resolve() in (Path(sys.base_prefix).resolve(), VENV.resolve()):
        image = "`docker run --rm IMAGE python scripts/env.py check --runtime`"
        say(
            f"check --runtime is for the image ({image}) or a venv of {RUNTIME_LOCK} alone;"
            f" for {VENV_DIR}/, which holds the dev tools too, run `python3 scripts/env.py check`",
            error=True,
        )
        return 2
    state = envlock.snapshot()
    pins = envlock.pins_for(ROOT / RUNTIME_LOCK, state["env"])
    found = envlock.differences(pins, state["dists"], RUNTIME_LOCK) + list(state["broken"].values())
    found += python_lines(state, wanted_python())
    if found:
        say("\n  ".join([f"{sys.prefix} differs from {RUNTIME_LOCK}:", *found]))
        say(f"rebuild it from {RUNTIME_LOCK} (for the image: build it again)")
        return 1
    full = state["env"]["python_full_version"]
    say(f"in sync: {sys.prefix} matches {RUNTIME_LOCK}, Python {full}")
    return 0


# ---- the venv -----------------------------------------------------------------------------


def venv_python(venv: Path = VENV) -> Path:
    return venv / ("Scripts/python.exe" if WINDOWS else "bin/python")


def inspect(venv: Path = VENV) -> dict[str, Any] | None:
    """The venv as its own Python sees it (envlock.snapshot), None when there is no venv, or
    {"runs": False, "home": its base Python's folder} when its Python does not start."""
    if not venv.exists():
        return None
    with contextlib.suppress(OSError, ValueError):
        command: list[str | Path] = [venv_python(venv), "-I", envlock.__file__]
        done = subprocess.run(command, capture_output=True, text=True)
        if done.returncode == 0:
            return {"runs": True, **json.loads(done.stdout)}
    config = venv / "pyvenv.cfg"
    home = re.search(r"(?m)^home\s*=\s*(.*)$", config.read_text()) if config.exists() else None
    return {"runs": False, "home": home and home.group(1).strip()}


def venv_problems(state: dict[str, Any] | None, version: str) -> list[tuple[str, bool]]:
    """What is wrong with the venv, one line each, and whether that takes a new venv (True)
    or only a sync and the project link (False)."""
    python = venv_python().relative_to(ROOT)
    if state is None:
        return [(f"no venv at {VENV_DIR}/", True)]
    if not state["runs"] and not state["home"]:
        return [(f"python: {python} is missing or does not run: the venv is incomplete", True)]
    if not state["runs"]:
        home = state["home"]
        return [
            (f"python: {python} does not start: the Python it was made from ({home}) changed", True)
        ]
    found = [(line, True) for line in python_lines(state, version)]
    found += [(line, True) for line in state["broken"].values()]
    if "pip" not in state["dists"]:
        found.append(("pip: missing, so the venv cannot install anything", True))
    if state["link"] != str(ROOT):
        moved = f"the venv was made for {state['link']}, not {ROOT} (was the project moved?)"
        missing = f"{envlock.LINK} is missing, so the package may not import"
        # A venv of the standard venv module holds absolute paths: it is built anew.
        found.append(
            (f"project link: {moved if state['link'] else missing}", not state["relocatable"])
        )
    pins = envlock.pins_for(ROOT / DEV_LOCK, state["env"])
    return found + [(line, False) for line in envlock.differences(pins, state["dists"], DEV_LOCK)]


def python_lines(state: dict[str, Any], version: str) -> list[str]:
    full = state["env"]["python_full_version"]
    same = state["env"]["python_version"] == version
    return [] if same else [f"python: the venv has {full}, .python-version says {version}"]


def build(base: str, full: str, uv: list[str] | None) -> None:
    """A new venv from the dev lock, swapped in only once it is complete. uv makes it beside
    the old one (relocatable: it can move); the standard venv module writes absolute paths,
    so it builds in place while the old venv waits in VENV.old (recover() puts it back)."""
    new, old = sibling("new"), sibling("old")
    discard(new)
    target = new if uv and VENV.exists() else VENV
    left = f"{VENV_DIR}/ is as it was (run setup again to build it)"
    try:
        if target == VENV and VENV.exists():
            os.replace(VENV, old)
        with step(f"creating {target.name}/ with Python {full}" + (" (uv)" if uv else ""), left):
            if uv:
                more = ["--relocatable", "--seed", "--quiet", "--python", base]
                uv_run(uv, "venv", "--prompt", ROOT.name, *more, target, what="creating the venv")
            else:
                run([base, "-m", "venv", "--prompt", ROOT.name, target], "creating the venv")
        install(target, uv)
        link_project(target)
        if target == new:
            os.replace(VENV, old)
            os.replace(new, VENV)
    except BaseException as error:
        discard(new)
        if old.exists():
            discard(VENV)
            os.replace(old, VENV)
        if isinstance(error, KeyboardInterrupt):
            raise Interrupted(left) from None
        raise
    discard(old)


def sync(state: dict[str, Any], uv: list[str] | None) -> None:
    """Makes a whole venv equal to the dev lock in place, naming what goes before it goes."""
    pins = envlock.pins_for(ROOT / DEV_LOCK, state["env"])
    differences = envlock.differences(pins, state["dists"], DEV_LOCK)
    extra = [line.split()[1] for line in differences if line.startswith("extra:")]
    if extra:
        say(
            f"removing what the locks do not list: {', '.join(extra)}. To keep a package, add"
            " it to requirements-dev.txt (or requirements.txt if the app needs it), then run"
            " `python3 scripts/env.py lock`"
        )
    if differences:
        install(VENV, uv, remove=[name.split("==")[0] for name in extra])
    link_project(VENV)


def install(
    venv: Path, uv: list[str] | None, remove: Sequence[str] = (), refetch: Sequence[str] = ()
) -> None:
    """Makes `venv` hold the dev lock, hashes checked, and nothing else (`remove` goes).
    `refetch`: packages to take afresh from the index, since uv links installed files to
    its cache: a file changed in one venv is changed there, and a new venv gets it again."""
    python = venv_python(venv)
    half = "may be half-installed: run setup again to finish"
    left = f"{VENV_DIR}/ {half if venv == VENV else 'is as it was (run setup again to build it)'}"
    if refetch and uv:
        say(f"fetching {', '.join(refetch)} afresh (uv's cache holds the same damaged files)")
        uv_run(uv, "cache clean", *refetch)
    with step(f"installing {DEV_LOCK} into {venv.name}/ ({'uv' if uv else 'pip'})", left):
        if uv:
            again = [f"--reinstall-package={name}" for name in refetch]
            what = "installing the lock"
            uv_run(uv, "pip sync --require-hashes", *again, DEV_LOCK, python=python, what=what)
            uv_run(uv, "pip check", python=python)
            return
        run([python, "-m", "pip", "install", "--require-hashes", "-r", DEV_LOCK], "installing")
        if remove:
            run([python, "-m", "pip", "uninstall", "--yes", *remove], "removing packages")
        run([python, "-m", "pip", "check"], "pip check")


def link_project(venv: Path) -> None:
    """Puts the project folder on the venv's import path, so that its package imports from
    notebooks, scripts and tests in any subfolder (pip's editable installs do the same)."""
    where = "import sysconfig; print(sysconfig.get_path('purelib'))"
    site = subprocess.run([venv_python(venv), "-I", "-c", where], capture_output=True, text=True)
    link = Path(site.stdout.strip(), envlock.LINK)
    if venv == VENV and link.exists() and envlock.read_text(link).strip() != str(ROOT):
        say(f"the project link now points to {ROOT} (the project moved)")
    write_text(link, f"{ROOT}\n")


def sibling(name: str) -> Path:
    return ROOT / f"{VENV_DIR}.{name}"


def discard(path: Path) -> None:
    """Removes a folder of ours: first renamed to VENV.trash, so that half a removal is
    never taken for a venv."""
    if path.exists():
        shutil.rmtree(sibling("trash"), ignore_errors=True)
        os.replace(path, sibling("trash"))
        shutil.rmtree(sibling("trash"), ignore_errors=True)


def recover() -> None:
    """Undoes what an interrupted setup left: an unfinished new venv goes, and a previous
    venv set aside for a build that never finished comes back."""
    for name in ("new", "trash"):
        shutil.rmtree(sibling(name), ignore_errors=True)
    if sibling("old").exists():
        say(f"a previous setup did not finish: putting back the {VENV_DIR}/ it had set aside")
        discard(VENV)
        os.replace(sibling("old"), VENV)


def activate_command() -> str:
    """How to activate the venv in the shell this runs in."""
    if WINDOWS:
        return rf"{VENV_DIR}\Scripts\activate"
    fish = os.environ.get("SHELL", "").endswith("fish")
    return f"source {VENV_DIR}/bin/activate" + (".fish" if fish else "")


# ---- locks ----------------------------------------------------------------------------------


def lock_header(lock_name: str, version: str, body: str) -> str:
    source, digest = LOCKS[lock_name], inputs_digest(lock_name, version)
    return (
        f"# Written by `python3 scripts/env.py lock` from {source}: do not edit.\n"
        f"# Edit {source} instead, then run `python3 scripts/env.py lock`.\n"
        f"# Python {version}, for {', '.join(PLATFORMS)}; inputs {digest};"
        f" content {envlock.content_digest(body)}\n"
    )


def inputs_digest(lock_name: str, version: str) -> str:
    return envlock.inputs_digest(ROOT / LOCKS[lock_name], version)


def stale_locks(version: str) -> dict[str, str]:
    """Locks that are missing, stale or edited by hand (envlock.lock_state), and which."""
    states = {name: envlock.lock_state(ROOT / name, inputs_digest(name, version)) for name in LOCKS}
    return {name: state for name, state in states.items() if state}


def stale_lines(version: str) -> list[str]:
    changed = (
        f"(or a file it includes) or the Python version ({version}) changed since it was written"
    )
    lines = []
    for name, state in stale_locks(version).items():
        if state == "stale":
            lines.append(f"{name} is stale: {LOCKS[name]} {changed}")
        elif state == "missing":
            lines.append(f"{name} is missing")
        else:
            lines.append(f"{name} was edited by hand since `lock` wrote it")
    return lines


def uncovered(uv: list[str], version: str, scratch: Path) -> list[str]:
    """Pins of the dev lock without a hashed file for one of PLATFORMS. uv lists the files a
    platform can use (pylock.toml): some must have a hash that the lock holds."""
    lock, missing = envlock.read_lock(ROOT / DEV_LOCK), []
    for number, (label, platform) in enumerate(PLATFORMS.items()):
        out, what = scratch / f"pylock.p{number}.toml", f"checking {DEV_LOCK} for {label}"
        options: list[str | Path] = ["--no-deps", "--python-platform", platform, "--format"]
        options += ["pylock.toml", "-o", out]
        done = uv_run(
            uv, "pip compile --quiet", DEV_LOCK, *options, python=version, what=what, check=False
        )
        if done.returncode != 0:  # uv names the first pin without a file for the platform
            named = re.findall(
                r"(?i)because (\S+) has no (?:wheels with a match|usable)", done.stdout
            )
            if not named:
                failed(done, what)
            missing += [f"{pin} has no file for {label}" for pin in named]
        else:
            no_file = envlock.without_files(lock, envlock.read_text(out))
            missing += [f"{pin} has no file for {label}" for pin in no_file]
    return missing


# ---- Python versions --------------------------------------------------------------------------


def valid_version(version: str, where: str) -> str:
    """`version` if it is a MAJOR.MINOR this project supports, else one line saying what to do."""
    here = "{}.{}".format(*sys.version_info)
    oldest = "{}.{}".format(*OLDEST_PYTHON)
    if not re.fullmatch(r"3\.\d+", version):
        raise EnvError(f"{where}: {version!r} is not a MAJOR.MINOR version like {oldest}")
    if tuple(map(int, version.split("."))) < OLDEST_PYTHON:
        switch = f" (`{SETUP} --python {here}` switches the project)"
        usable = where != "--python" and sys.version_info >= OLDEST_PYTHON
        raise EnvError(
            f"{where}: Python {version} is past its end of life: use {oldest} or newer"
            + (switch if usable else "")
        )
    return version


def wanted_python() -> str:
    try:
        version = (ROOT / ".python-version").read_text().strip()
    except OSError:
        raise EnvError(".python-version is missing: write a version in it, like 3.12") from None
    return valid_version(version, ".python-version")


def find_python(version: str) -> tuple[str, str]:
    """An interpreter for `version` (see envlock.find_python), or one line saying what to do."""
    found = envlock.find_python(version)
    if found:
        return found
    here = "{}.{}".format(*sys.version_info)
    switch = f", or switch the project to this Python with `{SETUP} --python {here}`"
    looked = f"python{version} on PATH" + (f" and `py -{version}`" if WINDOWS else "")
    usable = sys.version_info >= OLDEST_PYTHON
    raise EnvError(
        f"no Python {version} found (looked for {looked}): install Python {version}"
        + (switch if usable else "")
    )


def switch_python(version: str) -> str:
    """`setup --python X.Y`: writes .python-version (setup then re-locks, moves the Dockerfile's
    base and builds the venv; restored_on_failure undoes all of it on failure)."""
    valid_version(version, "--python")
    find_python(version)  # before anything changes: is that Python here?
    write_text(ROOT / ".python-version", f"{version}\n")
    say(f"the project now uses Python {version} (.python-version)")
    return version


BASE, TARGET = envlock.BASE, envlock.TARGET
REGISTRY = os.environ.get("ENV_PY_REGISTRY", "https://registry-1.docker.io")  # or a mirror


def version_lines(version: str) -> list[str]:
    """How the Dockerfile and pyproject.toml disagree with .python-version (or the base floats)."""
    return envlock.version_lines(text_of("Dockerfile"), text_of("pyproject.toml"), version)


def text_of(name: str) -> str:
    return envlock.read_text(ROOT / name) if (ROOT / name).exists() else ""


def follow_python(version: str, upgrade: bool = False) -> None:
    """Makes the files that name the Python name that of .python-version: ruff's target, and
    the Dockerfile's base, pinned by digest (the one there, or for another tag, none, or
    `upgrade`, the newest, asked of Docker Hub or ENV_PY_REGISTRY)."""
    py = f"py{version.replace('.', '')}"
    target = TARGET.sub(
        lambda match: f"{match.group(1)}{py[2:]}{match.group(4)}", text_of("pyproject.toml")
    )
    if target != text_of("pyproject.toml"):
        write_text(ROOT / "pyproject.toml", target)
        say(f"ruff's target-version in pyproject.toml is now {py}")
    found = BASE.search(text_of("Dockerfile"))
    if not found:
        return
    tag = f"{version}{found.group(3)}"
    digest = found.group(4) if found.group(2) == version else None
    if not digest or upgrade:
        try:
            digest = "@" + envlock.image_digest(tag, REGISTRY)
        except envlock.LockError as error:
            kept = "kept its digest: `lock --upgrade`" if digest else "has no digest: `lock`"
            say(f"the Dockerfile's base python:{tag} {kept} pins it once it is answered ({error})")
    pinned = BASE.sub(lambda match: f"{match.group(1)}{tag}{digest or ''}", text_of("Dockerfile"))
    if pinned != text_of("Dockerfile"):
        write_text(ROOT / "Dockerfile", pinned)
        say(f"the Dockerfile builds on python:{tag}" + (", pinned by digest" if digest else ""))


# ---- uv ---------------------------------------------------------------------------------------


def find_uv() -> list[str] | None:
    """A uv that runs: the venv's (the project's pinned one), PATH's, or this Python's."""
    in_venv = VENV / ("Scripts/uv.exe" if WINDOWS else "bin/uv")
    found: list[Any] = [in_venv, shutil.which("uv")]
    with contextlib.suppress(Exception):  # the uv package of PyPI, in this Python
        found.append(importlib.import_module("uv").find_uv_bin())
    for uv in map(Path, filter(None, found)):
        if WINDOWS and uv == in_venv and in_venv.is_file():
            # Windows cannot replace a running .exe, and a sync may update uv itself: run a copy.
            uv = Path(tempfile.gettempdir(), f"uv-for-{ROOT.name}.exe")
            shutil.copy2(in_venv, uv)
        runs = (
            uv.is_file() and subprocess.run([uv, "--version"], capture_output=True).returncode == 0
        )
        if runs:
            return [str(uv)]
    return None


def bootstrap_uv(scratch: Path) -> list[str] | None:
    """uv is nowhere: this Python's pip installs the dev lock's uv (hash-checked) into a
    scratch folder. None when it cannot: then the standard venv and pip do it all."""
    lock = envlock.read_text(ROOT / DEV_LOCK) if (ROOT / DEV_LOCK).exists() else ""
    entry = re.search(r"(?ms)^uv==.*?(?=^\S|\Z)", lock)
    write_text(scratch / "uv.txt", entry.group() if entry else "uv\n")
    pinned = ["--require-hashes"] if entry else []
    pip: list[str | Path] = [sys.executable, "-m", "pip", "install", "--quiet", "--target"]
    how = f"as {DEV_LOCK} pins it" if entry else "unpinned"
    try:
        if not importlib.util.find_spec("pip"):
            raise EnvError(f"{sys.executable} has no pip")
        with step(f"installing uv with pip ({how})"):
            run([*pip, scratch / "uv", *pinned, "-r", scratch / "uv.txt"], "installing uv")
        return [str(next(path for path in scratch.glob("uv/*/uv*") if path.stem == "uv"))]
    except (EnvError, StopIteration) as error:
        say(f"uv could not be installed ({error}): the standard venv module and pip do the work")
        return None


def uv_run(
    uv: list[str],
    command: str,
    *args: str | Path,
    python: str | Path | None = None,
    what: str = "",
    check: bool = True,
) -> subprocess.CompletedProcess[str]:
    """Runs `uv COMMAND ARGS` with the team's index settings, and `--python`: a venv's
    interpreter, or for `pip compile` the X.Y to resolve for."""
    where = []
    if python:
        where = ["--python-version" if command.startswith("pip compile") else "--python", python]
    index = envlock.index_options(VENV) if not command.startswith(("cache", "pip check")) else []
    return run([*uv, *command.split(), *args, *where, *index], what or f"uv {command}", check)


# ---- running commands, and messages -------------------------------------------------------


def say(message: str, *, error: bool = False) -> None:
    """Every message of env.py: one line (or a header and indented lines), to stdout or stderr."""
    print(f"env.py: {message}", file=sys.stderr if error else sys.stdout, flush=True)


@contextlib.contextmanager
def step(title: str, left: str = "nothing was left half-done") -> Iterator[None]:
    """Says what is being done, then how long it took; Ctrl-C inside says what it left."""
    say(f"{title} ...")
    started = time.perf_counter()
    try:
        yield
    except KeyboardInterrupt:
        raise Interrupted(left) from None
    say(f"  done in {time.perf_counter() - started:.1f} s")


def run(
    cmd: Sequence[str | Path], what: str, check: bool = True
) -> subprocess.CompletedProcess[str]:
    """Runs a command in the project folder; its output is shown only if it fails."""
    out, err = subprocess.PIPE, subprocess.STDOUT
    try:
        done = subprocess.run(
            [str(c) for c in cmd], cwd=ROOT, stdout=out, stderr=err, text=True, errors="replace"
        )
    except OSError as error:
        raise EnvError(f"{what}: cannot run {cmd[0]}: {error.strerror}") from None
    if check and done.returncode != 0:
        failed(done, what)
    return done


def failed(done: subprocess.CompletedProcess[str], what: str) -> NoReturn:
    """Raises the one line for a failed command, after its output unless the hint is certain."""
    found = envlock.hint(done.stdout, index=envlock.index_url(VENV), setup=SETUP)
    if not found or not found[1]:
        sys.stderr.write(envlock.hide_secrets(done.stdout))
    because = found[0] if found else "see the messages above"
    raise EnvError(f"{what} failed (exit status {done.returncode}): {because}")


def write_text(path: Path, text: str) -> None:
    """Writes a file with LF line endings on every system, so it has the same bytes everywhere."""
    with open(path, "w", encoding="utf-8", newline="\n") as file:
        file.write(text)


@contextlib.contextmanager
def restored_on_failure(names: Iterable[str]) -> Iterator[None]:
    """The project files `names` as they were, should anything below fail or be interrupted."""
    before = {
        name: (ROOT / name).read_bytes() if (ROOT / name).exists() else None for name in names
    }
    try:
        yield
    except BaseException:
        for name, content in before.items():
            (ROOT / name).unlink(missing_ok=True)
            if content is not None:
                (ROOT / name).write_bytes(content)
        raise


@contextlib.contextmanager
def one_at_a_time(command: str) -> Iterator[None]:
    """Lets one `setup` or `lock` run in this project at a time: a second one waits. The lock
    is on the project folder (on Windows, on a file of the temp folder named after it), and
    it ends with the process, however that ends."""
    if sys.platform == "win32":
        key = hashlib.sha256(str(ROOT).encode()).hexdigest()[:16]
        handle = os.open(Path(tempfile.gettempdir(), f"env-py-{key}.lock"), os.O_RDWR | os.O_CREAT)
    else:
        handle = os.open(ROOT, os.O_RDONLY)
    try:
        for attempt in range(10**9):
            try:
                if sys.platform == "win32":
                    import msvcrt

                    msvcrt.locking(handle, msvcrt.LK_NBLCK, 1)
                else:
                    import fcntl

                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError:
                if not attempt:
                    say(f"another setup or lock is running in this project: this {command} waits")
                time.sleep(0.2)
        yield
    finally:
        os.close(handle)


if __name__ == "__main__":
    sys.exit(main())
