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
reads the locks and looks into venvs.

Exit status: 0 done (or in sync), 1 a problem (one line names it and the fix), 2 nothing to
check (no venv) or a usage error, 130 interrupted (one line says what is left).
"""

from __future__ import annotations

import argparse
import configparser
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
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # also under PYTHONSAFEPATH=1
import envlock  # noqa: E402

VENV_DIR = {{ cookiecutter.venv_dir | tojson }}
ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / VENV_DIR
WINDOWS = os.name == "nt"
OLDEST_PYTHON = (3, 10)  # older versions no longer get security fixes
# Each lock, and the hand-kept file it is written from (with the files that one includes:
# requirements-dev.txt starts with `-r requirements.txt`, so the dev lock holds both).
LOCKS = {"requirements.lock": "requirements.txt", "requirements-dev.lock": "requirements-dev.txt"}
RUNTIME_LOCK, DEV_LOCK = LOCKS
# Where every pin must have a file: the systems of the project's CI, as uv names them.
PLATFORMS = {"Linux x86_64": "x86_64-unknown-linux-gnu", "macOS arm64": "aarch64-apple-darwin",
             "Windows x86_64": "x86_64-pc-windows-msvc"}
SETUP = r"py scripts\env.py setup" if WINDOWS else "python3 scripts/env.py setup"


class EnvError(Exception):
    """A problem the user can act on: printed as one line, exit status 1."""


class Interrupted(Exception):
    """Ctrl-C during a step; the message says what state the step left."""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="env.py", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    setup_parser = commands.add_parser("setup", help="make the venv whole and equal to the locks")
    setup_parser.add_argument("--backend", choices=["auto", "pip", "uv"],
                              default=os.environ.get("ENV_PY_BACKEND", "auto"),
                              help="uv when it is installed (auto), or force one; also ENV_PY_BACKEND")
    setup_parser.add_argument("--python", metavar="X.Y", help="switch the project to Python X.Y:"
                              " .python-version, the Dockerfile, the locks and the venv")
    lock_parser = commands.add_parser("lock", help="rewrite the locks from requirements*.txt")
    lock_mode = lock_parser.add_mutually_exclusive_group()
    lock_mode.add_argument("--upgrade", action="store_true", help="move pins to the newest versions allowed")
    lock_mode.add_argument("--check", action="store_true",
                           help="write nothing: exit 1 if a lock is older than its inputs")
    check_parser = commands.add_parser("check", help="is the venv whole and equal to the locks?")
    check_parser.add_argument("--runtime", action="store_true", help="for the image and CI: compare"
                              f" the Python running this script with {RUNTIME_LOCK} alone")
    args = parser.parse_args(argv)
    try:
        if args.command == "check":
            return check_runtime() if args.runtime else check()
        if args.command == "lock" and args.check:
            return check_locks(wanted_python())
        with one_at_a_time(args.command):
            if args.command == "setup":
                if args.backend not in ("auto", "pip", "uv"):
                    raise EnvError(f"ENV_PY_BACKEND: {args.backend!r} is not one of auto, pip, uv")
                setup(args.backend, args.python)
            else:
                lock(wanted_python(), args.upgrade)
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
        left = str(stop) if isinstance(stop, Interrupted) else "nothing was left half-done"
        say(f"{args.command} interrupted: {left}", error=True)
        return 130
    return 0


# ---- commands ---------------------------------------------------------------------------


def setup(backend: str, python: str | None = None) -> None:
    """`setup`: lock first if a lock is stale, then make the venv whole and equal to the dev
    lock. A venv that is damaged, moved or of another Python is built anew beside the old one,
    which stays in use until the new one is complete. `--python X.Y` switches the project
    first; if anything fails, the project's files and the old venv are as they were."""
    started = time.perf_counter()
    recover()
    uv = find_uv() if backend != "pip" else None
    if backend == "uv" and not uv:
        raise EnvError("the uv backend was asked for, but uv is not installed: install it"
                       f" (https://docs.astral.sh/uv/), or run `{SETUP} --backend pip`")
    switched = [".python-version", "Dockerfile", *LOCKS] if python else []
    with restored_on_failure(switched), tempfile.TemporaryDirectory(prefix="env-py-") as scratch:
        version = switch_python(python) if python else wanted_python()
        base, full = find_python(version)
        if not uv and backend == "auto":
            uv = bootstrap_uv(Path(scratch))
        stale = stale_locks(version)
        if stale:
            say(stale_reason(stale, version) + ": locking first")
            lock(version, uv=uv)
        align_dockerfile(version)
        state = inspect()
        rebuild = [line for line, whole in venv_problems(state, version) if whole]
        if state is None or rebuild:
            if state is not None:
                say(f"{VENV_DIR}/ is built anew beside the old one, because: {rebuild[0]}")
            build(base, full, uv)
        else:
            sync(state, version, uv)
        state = inspect()
        if uv and state["runs"] and state["broken"]:
            refetch(list(state["broken"]), uv)
    found = [line for line, _ in venv_problems(inspect(), version)]
    if found:
        raise EnvError(f"setup ended, but {VENV_DIR}/ still differs: {'; '.join(found[:3])}")
    say(f"ready in {time.perf_counter() - started:.1f} s. Activate the venv with: {activate_command()}")


def lock(version: str, upgrade: bool = False, uv: list[str] | None = None) -> None:
    """`lock`: both locks written anew from requirements*.txt for `version`, every hash taken
    from the index (existing pins are kept unless `upgrade`), then every pin confirmed to have
    a file for each of PLATFORMS. Both locks change, or neither does."""
    refuse_direct_references()
    with tempfile.TemporaryDirectory(prefix="env-py-") as scratch:
        uv = uv or find_uv() or bootstrap_uv(Path(scratch))
        if not uv:
            raise EnvError("uv, which writes the locks, is not installed and could not be: install it"
                           " (https://docs.astral.sh/uv/), then run the command again")
        with restored_on_failure(list(LOCKS)):
            for lock_name, source in LOCKS.items():
                with Step(f"writing {lock_name} from {source}", left="the locks are as they were"):
                    keep_pins_only(ROOT / lock_name, upgrade)
                    cmd = [*uv, "pip", "compile", source, "--output-file", lock_name, "--universal",
                           "--generate-hashes", "--python-version", version, "--no-header", "--quiet",
                           *index_options()]
                    if lock_name == DEV_LOCK:
                        cmd += ["--constraint", RUNTIME_LOCK]  # shared packages keep those pins
                    run(cmd + (["--upgrade"] if upgrade else []), f"writing {lock_name}")
                    write_text(ROOT / lock_name, lock_header(lock_name, version) + envlock.read_text(ROOT / lock_name))
            with Step(f"checking that every pin has a file for {', '.join(PLATFORMS)}",
                      left="the locks are as they were"):
                missing = uncovered(uv, version)
            if missing:
                raise EnvError(f"{DEV_LOCK} would not install everywhere: {'; '.join(missing[:5])}. The"
                               " package index lacks those files: ask for them there, or limit the"
                               " requirement to where it installs (`name ; sys_platform == 'linux'`)")


def check() -> int:
    """`check`: 0 when the venv is whole and equal to the dev lock, the locks are current and
    the Dockerfile agrees with .python-version; 1 with each difference and the command that
    repairs them all; 2 when there is no venv."""
    if not VENV.exists():
        say(f"no venv at {VENV_DIR}/: run `{SETUP}`", error=True)
        return 2
    version = wanted_python()
    state = inspect()
    problems = venv_problems(state, version)
    found = [line for line, _ in problems] + stale_lines(version) + dockerfile_lines(version)
    if not found:
        pins = len(envlock.read_lock(ROOT / DEV_LOCK))
        say(f"in sync: {VENV_DIR}/ is whole and matches {DEV_LOCK} ({pins} pins),"
            f" Python {state['env']['python_full_version']}")
        return 0
    extra = [line.split()[1] for line, _ in problems if line.startswith("extra:")]
    advice = f"run `{SETUP}` to repair them all"
    if any(whole for _, whole in problems):
        advice += f" (it builds a new {VENV_DIR}/ beside this one and swaps it in when complete)"
    if extra:
        advice += f"; it removes {', '.join(extra)}: to keep one, add it to requirements*.txt first"
    say("\n  ".join([f"{VENV_DIR}/, the locks and .python-version do not agree:", *found[:12]]
                    + ([f"... and {len(found) - 12} more"] if len(found) > 12 else [])))
    say(advice)
    return 1


def check_locks(version: str) -> int:
    """`lock --check`: were both locks written from today's inputs? Reads files only."""
    lines = stale_lines(version)
    if not lines:
        say(f"{RUNTIME_LOCK} and {DEV_LOCK} match requirements*.txt and Python {version}")
        return 0
    say("\n  ".join(lines + ["fix: run `python3 scripts/env.py lock` (then `setup`), and commit the locks"]))
    return 1


def check_runtime() -> int:
    """`check --runtime`: the Python running this script against requirements.lock alone."""
    here = Path(sys.prefix).resolve()
    if here == Path(sys.base_prefix).resolve() or here == VENV.resolve():
        say(f"check --runtime compares the venv running it with {RUNTIME_LOCK} alone: it is for the"
            " image (`docker run --rm IMAGE python scripts/env.py check --runtime`) or a CI venv"
            f" built from {RUNTIME_LOCK}. For {VENV_DIR}/, which also holds the dev tools, run"
            " `python3 scripts/env.py check`.", error=True)
        return 2
    state = envlock.snapshot()
    found = envlock.differences(envlock.pins_for(ROOT / RUNTIME_LOCK, state["env"]), state["dists"], RUNTIME_LOCK)
    found += list(state["broken"].values()) + python_lines(state, wanted_python())
    if found:
        say("\n  ".join([f"{sys.prefix} differs from {RUNTIME_LOCK}:", *found]))
        say(f"rebuild it from {RUNTIME_LOCK} (for the image: build it again)")
        return 1
    say(f"in sync: {sys.prefix} matches {RUNTIME_LOCK}, Python {state['env']['python_full_version']}")
    return 0


# ---- the venv ---------------------------------------------------------------------------


def venv_python(venv: Path = VENV) -> Path:
    return venv / ("Scripts/python.exe" if WINDOWS else "bin/python")


def inspect(venv: Path = VENV) -> dict | None:
    """The venv as its own Python sees it (envlock.snapshot), None when there is no venv, or
    {"runs": False, ...} when its Python does not start."""
    python = venv_python(venv)
    if not venv.exists():
        return None
    with contextlib.suppress(OSError, ValueError):
        done = subprocess.run([python, "-I", Path(envlock.__file__)], capture_output=True, text=True)
        if done.returncode == 0:
            return {"runs": True, **json.loads(done.stdout)}
    config = venv / "pyvenv.cfg"
    home = re.search(r"(?m)^home\s*=\s*(.*)$", config.read_text()) if config.exists() else None
    return {"runs": False, "home": home.group(1).strip() if home else None}


def venv_problems(state: dict | None, version: str) -> list[tuple[str, bool]]:
    """What is wrong with the venv, one line each, and whether it takes a new venv (True) or
    only a sync and the project link (False)."""
    if state is None:
        return [(f"no venv at {VENV_DIR}/", True)]
    if not state["runs"]:
        python = venv_python().relative_to(ROOT)
        if not state["home"]:
            return [(f"python: {python} is missing or does not run: the venv is incomplete", True)]
        return [(f"python: {python} does not run: the Python it was made from ({state['home']}) was"
                 " moved, upgraded or removed", True)]
    found = [(line, True) for line in python_lines(state, version) + list(state["broken"].values())]
    if "pip" not in state["dists"]:
        found.append(("pip: missing, so the venv cannot install anything", True))
    if state["link"] != str(ROOT):
        line = (f"project link: the venv was made for {state['link']}, not {ROOT} (was the project moved?)"
                if state["link"] else f"project link: {envlock.LINK} is missing, so the package may not import")
        found.append((line, not state["relocatable"]))  # absolute paths inside: build anew
    pins = envlock.pins_for(ROOT / DEV_LOCK, state["env"])
    found += [(line, False) for line in envlock.differences(pins, state["dists"], DEV_LOCK)]
    return found


def python_lines(state: dict, version: str) -> list[str]:
    if state["env"]["python_version"] == version:
        return []
    return [f"python: the venv has {state['env']['python_full_version']}, .python-version says {version}"]


def build(base: str, full: str, uv: list[str] | None) -> None:
    """A new venv from the dev lock, swapped in for the old one only once it is complete.
    uv makes it beside the old one (relocatable, so it can move); the standard venv module
    writes absolute paths, so it builds in place while the old venv waits in VENV.old."""
    new, old = sibling("new"), sibling("old")
    discard(new)
    prompt = ["--prompt", ROOT.name]  # the activated prompt shows the project, not "venv"
    left = f"{VENV_DIR}/ is as it was (run setup again to build it)"
    try:
        if uv:
            with Step(f"creating {new.name}/ with Python {full} (uv)", left=left):
                run([*uv, "venv", "--relocatable", "--seed", "--quiet", *prompt, *index_options(),
                     "--python", base, new], "creating the venv")
            install(new, uv)
            link_project(new)
            if VENV.exists():
                os.replace(VENV, old)
            os.replace(new, VENV)
        else:
            if VENV.exists():
                os.replace(VENV, old)
            with Step(f"creating {VENV_DIR}/ with Python {full}", left=left):
                run([base, "-m", "venv", *prompt, VENV], "creating the venv")
            install(VENV, None)
            link_project(VENV)
    except BaseException:
        discard(new)
        if old.exists():
            discard(VENV)
            os.replace(old, VENV)
        raise
    discard(old)


def sync(state: dict, version: str, uv: list[str] | None) -> None:
    """Makes a whole venv equal to the dev lock in place, naming what goes before it goes."""
    pins = envlock.pins_for(ROOT / DEV_LOCK, state["env"])
    extra = [line.split()[1] for line in envlock.differences(pins, state["dists"], DEV_LOCK)
             if line.startswith("extra:")]
    if extra:
        say(f"removing what the locks do not list: {', '.join(extra)}. To keep a package, add it to"
            " requirements-dev.txt (or requirements.txt if the app needs it), then run"
            " `python3 scripts/env.py lock`")
    if envlock.differences(pins, state["dists"], DEV_LOCK):
        install(VENV, uv, [name.split("==")[0] for name in extra])
    link_project(VENV)


def install(venv: Path, uv: list[str] | None, extra: list[str] = ()) -> None:
    """The dev lock into `venv`, hashes checked, and nothing else (`extra` goes)."""
    python, left = venv_python(venv), f"{venv.name}/ may be half-installed: run setup again to finish"
    if uv:
        with Step(f"installing {DEV_LOCK} into {venv.name}/ (uv, hashes checked)", left=left):
            run([*uv, "pip", "sync", "--require-hashes", *index_options(), "--python", python, DEV_LOCK],
                "installing the lock")
            run([*uv, "pip", "check", "--python", python], "uv pip check")
        return
    with Step(f"installing {DEV_LOCK} into {venv.name}/ (pip, hashes checked)", left=left):
        run([python, "-m", "pip", "install", "--require-hashes", "-r", DEV_LOCK], "installing the lock")
        if extra:
            run([python, "-m", "pip", "uninstall", "--yes", *extra], "removing packages")
        run([python, "-m", "pip", "check"], "pip check")


def refetch(names: list[str], uv: list[str]) -> None:
    """Installs packages afresh from the index: uv links installed files to its cache, so a
    file changed in one venv is changed in the cache, and a new venv gets it again."""
    with Step(f"fetching {', '.join(names)} afresh (uv's cache holds the same damaged files)",
              left=f"{VENV_DIR}/ may be half-installed: run setup again to finish"):
        run([*uv, "cache", "clean", *names], "cleaning uv's cache")
        run([*uv, "pip", "sync", "--require-hashes", *index_options(), "--python", venv_python(),
             *(f"--reinstall-package={name}" for name in names), DEV_LOCK], "installing the lock")


def link_project(venv: Path) -> None:
    """Puts the project folder on the venv's import path, so that its package imports from
    notebooks, scripts and tests in any subfolder (pip's editable installs do the same)."""
    site = subprocess.run([venv_python(venv), "-I", "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                          capture_output=True, text=True).stdout.strip()
    write_text(Path(site) / envlock.LINK, f"{ROOT}\n")


def sibling(name: str) -> Path:
    return ROOT / f"{VENV_DIR}.{name}"


def discard(path: Path) -> None:
    """Removes a folder of ours: first renamed to VENV.trash, so that half a removal is never
    taken for a venv (see recover)."""
    if path.exists():
        trash = sibling("trash")
        shutil.rmtree(trash, ignore_errors=True)
        os.replace(path, trash)
        shutil.rmtree(trash, ignore_errors=True)


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


# ---- locks ------------------------------------------------------------------------------


def lock_header(lock_name: str, version: str) -> str:
    source = LOCKS[lock_name]
    return (f"# Written by `python3 scripts/env.py lock` from {source}: do not edit.\n"
            f"# Edit {source} instead, then run `python3 scripts/env.py lock`.\n"
            f"# Python {version}, for {', '.join(PLATFORMS)}; inputs {inputs_digest(lock_name, version)}\n")


def inputs_digest(lock_name: str, version: str) -> str:
    return envlock.inputs_digest(ROOT / LOCKS[lock_name], version)


def stale_locks(version: str) -> list[str]:
    """Locks that are missing or were written from other inputs than today's."""
    stale = []
    for lock_name in LOCKS:
        path = ROOT / lock_name
        header = envlock.read_text(path).split("\n", 3)[:3] if path.exists() else []
        if f"inputs {inputs_digest(lock_name, version)}" not in "".join(header):
            stale.append(lock_name)
    return stale


def stale_reason(stale: list[str], version: str) -> str:
    """Why the locks must be written: none yet, another Python, or edited requirements."""
    if not any((ROOT / name).exists() for name in stale):
        return "no locks yet"
    written = re.search(r"(?m)^# Python (\S+?)[,;]", envlock.read_text(ROOT / stale[0]))
    if written and written.group(1) != version:
        return f"the locks were written for Python {written.group(1)}, the project now uses {version}"
    return f"{' and '.join(stale)} missing or older than requirements*.txt"


def stale_lines(version: str) -> list[str]:
    lines = []
    for lock_name in stale_locks(version):
        lines.append(f"{lock_name} is stale: {LOCKS[lock_name]} (or a file it includes) or the Python"
                     f" version ({version}) changed since it was written" if (ROOT / lock_name).exists()
                     else f"{lock_name} is missing")
    return lines


def refuse_direct_references() -> None:
    """The locks pin versions from an index, which every install checks: no URLs or folders."""
    for lock_name in LOCKS:
        for path, number, line in envlock.requirement_lines(ROOT / LOCKS[lock_name]):
            if re.fullmatch(r"(-e|--editable)?\s*\.", line):
                raise EnvError(f"{path.name}, line {number}: `{line}` is not needed: setup puts the"
                               " project folder on the venv's import path already; remove the line")
            if re.search(r"@\s*[a-z][a-z+]*:|^(-e\b|--editable\b|\.|/|[a-z][a-z+]*://|[a-z]:\\)", line, re.I):
                raise EnvError(f"{path.name}, line {number}: `{line}` installs from a URL or a folder,"
                               " which the locks cannot pin: publish it to a package index (a team"
                               " index works, see README.md) and require it by name")


def keep_pins_only(path: Path, upgrade: bool) -> None:
    """Leaves in the lock about to be rewritten only the `name==version` lines uv should keep
    (none for --upgrade): uv would also keep its hashes, edited or not, and stops at a line
    it cannot read."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        text = ""
    pins = re.findall(r"(?m)^[A-Za-z0-9][\w.-]*(?:\[[\w,.-]*\])?==[\w.+!-]+(?: ; [^\\\n]+)?", text)
    write_text(path, "" if upgrade else "".join(f"{pin.strip()}\n" for pin in pins))


def uncovered(uv: list[str], version: str) -> list[str]:
    """Pins of the dev lock without a hashed file for one of PLATFORMS, as uv chooses files:
    uv lists a platform's usable files (pylock.toml) and their hashes must meet the lock's."""
    hashes = {(name, pin): known for name, pin, _, known in envlock.read_lock(ROOT / DEV_LOCK)}
    missing = []
    with tempfile.TemporaryDirectory(prefix="env-py-") as scratch:
        for number, (label, triple) in enumerate(PLATFORMS.items()):
            out = Path(scratch, f"pylock.p{number}.toml")
            done = run([*uv, "pip", "compile", DEV_LOCK, "--no-deps", "--python-platform", triple,
                        "--python-version", version, "--format", "pylock.toml", "--quiet", "--no-header",
                        "--output-file", out, *index_options()], f"checking {DEV_LOCK} for {label}", check=False)
            if done.returncode != 0:  # uv names the first pin without a file for the platform
                named = re.findall(r"because (\S+) has no (?:wheels with a matching platform|usable)",
                                   done.stdout, re.I)
                if not named:
                    failed(done, f"checking {DEV_LOCK} for {label}")
                missing += [f"{pin} has no file for {label}" for pin in named]
                continue
            for block in envlock.read_text(out).split("[[packages]]")[1:]:
                name = envlock.normalize(re.search(r'(?m)^name = "(.+)"', block).group(1))
                pin = re.search(r'(?m)^version = "(.+)"', block).group(1)
                if not set(re.findall(r'sha256 = "([0-9a-f]{64})"', block)) & hashes.get((name, pin), set()):
                    missing.append(f"{name}=={pin} has no file for {label}")
    return missing


# ---- Python versions --------------------------------------------------------------------


def valid_version(version: str, where: str) -> str:
    """`version` if it is a MAJOR.MINOR this project supports, else one line saying what to do."""
    here = "{}.{}".format(*sys.version_info)
    switch = here if sys.version_info >= OLDEST_PYTHON else "%d.%d" % OLDEST_PYTHON
    if not re.fullmatch(r"3\.\d+", version):
        raise EnvError(f"{where}: {version!r} is not a MAJOR.MINOR version like {switch}")
    if tuple(map(int, version.split("."))) < OLDEST_PYTHON:
        raise EnvError(f"{where}: Python {version} is past its end of life: use %d.%d or newer" % OLDEST_PYTHON
                       + (f" (`{SETUP} --python {switch}` switches the project)" if where != "--python" else ""))
    return version


def wanted_python() -> str:
    try:
        version = (ROOT / ".python-version").read_text().strip()
    except OSError:
        raise EnvError(".python-version is missing: write a MAJOR.MINOR version in it, like 3.12") from None
    return valid_version(version, ".python-version")


def probe(python: str) -> str | None:
    """Full version of an interpreter, or None if it does not run (pyenv shims may not)."""
    try:
        out = subprocess.run([python, "-I", "-c", "import platform; print(platform.python_version())"],
                             cwd=ROOT, capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return out.stdout.strip() if out.returncode == 0 else None


def find_python(version: str) -> tuple[str, str]:
    """An interpreter for `version`: this one, the Windows `py` launcher, or pythonX.Y on PATH."""
    if "{}.{}".format(*sys.version_info) == version:
        return sys.executable, "{}.{}.{}".format(*sys.version_info)
    candidates = []
    if WINDOWS and shutil.which("py"):
        found = subprocess.run(["py", f"-{version}", "-c", "import sys; print(sys.executable)"],
                               capture_output=True, text=True)
        candidates.append(found.stdout.strip() if found.returncode == 0 else "")
    candidates += [shutil.which(name) or "" for name in (f"python{version}", "python3", "python")]
    for path in filter(None, candidates):
        full = probe(path)
        if full and full.startswith(version + "."):
            return path, full
    here = "{}.{}".format(*sys.version_info)
    raise EnvError(f"no Python {version} found (looked for python{version} on PATH"
                   + (f" and `py -{version}`" if WINDOWS else "") + f"): install Python {version}"
                   + (f", or switch the project to this Python with `{SETUP} --python {here}`"
                      if sys.version_info >= OLDEST_PYTHON else ""))


def switch_python(version: str) -> str:
    """`setup --python X.Y`: the new version goes into .python-version and the Dockerfile
    (setup then re-locks and builds the venv; restored_on_failure undoes all of it)."""
    valid_version(version, "--python")
    find_python(version)  # before anything changes: is that Python here?
    write_text(ROOT / ".python-version", f"{version}\n")
    say(f"the project now uses Python {version} (.python-version)")
    return version


DOCKERFILE_ARG = re.compile(r"(?m)^ARG PYTHON_VERSION=(\S*)$")  # the image's default Python


def dockerfile_lines(version: str) -> list[str]:
    """How the Dockerfile's Python disagrees with .python-version, if it does."""
    dockerfile = ROOT / "Dockerfile"
    default = DOCKERFILE_ARG.search(envlock.read_text(dockerfile)) if dockerfile.exists() else None
    if default and default.group(1) != version:
        return [f"Dockerfile: its default ARG PYTHON_VERSION is {default.group(1)}, .python-version says {version}"]
    return []


def align_dockerfile(version: str) -> None:
    """Makes the Dockerfile's Python that of .python-version."""
    if dockerfile_lines(version):
        path = ROOT / "Dockerfile"
        write_text(path, DOCKERFILE_ARG.sub(f"ARG PYTHON_VERSION={version}", envlock.read_text(path)))
        say(f"the Dockerfile now builds on Python {version}, as .python-version says")


# ---- uv ---------------------------------------------------------------------------------


def find_uv() -> list[str] | None:
    """A uv that runs: the venv's (the project's pinned one), PATH's, or this Python's."""
    in_venv = VENV / ("Scripts/uv.exe" if WINDOWS else "bin/uv")
    candidates = [in_venv, shutil.which("uv")]
    if importlib.util.find_spec("uv"):  # the uv package of PyPI, in this Python
        with contextlib.suppress(Exception):
            from uv import find_uv_bin

            candidates.append(find_uv_bin())
    for uv in filter(None, candidates):
        if Path(uv) == in_venv and WINDOWS and in_venv.is_file():
            # Windows cannot replace a running .exe, and a sync may update uv itself: run a copy.
            copy = Path(tempfile.gettempdir(), f"uv-for-{ROOT.name}.exe")
            shutil.copy2(in_venv, copy)
            uv = copy
        if Path(uv).is_file() and subprocess.run([uv, "--version"], capture_output=True).returncode == 0:
            return [str(uv)]
    return None


def bootstrap_uv(scratch: Path) -> list[str] | None:
    """uv is nowhere: this Python's pip installs the dev lock's uv (hash-checked) into a
    scratch folder. None when that cannot be done: then the standard venv and pip do it all."""
    entry = re.search(r"(?ms)^uv==.*?(?=^\S|\Z)", envlock.read_text(ROOT / DEV_LOCK)) \
        if (ROOT / DEV_LOCK).exists() else None
    (scratch / "uv.txt").write_text(entry.group() if entry else "uv\n")
    how = f"as {DEV_LOCK} pins it" if entry else "unpinned"
    try:
        if not importlib.util.find_spec("pip"):
            raise EnvError(f"{sys.executable} has no pip to install it with")
        with Step(f"installing uv with pip ({how})"):
            run([sys.executable, "-m", "pip", "install", "--quiet", "--target", scratch / "uv",
                 *(["--require-hashes"] if entry else []), "-r", scratch / "uv.txt"], "installing uv")
        found = [path for path in (scratch / "uv/bin/uv", scratch / "uv/Scripts/uv.exe") if path.is_file()]
        if not found:
            raise EnvError("the uv package brought no uv command")
        return [str(found[0])]
    except EnvError as error:
        say(f"uv is not installed and could not be ({error}): the standard venv module and pip do"
            " the work instead")
        return None


# ---- running commands, and messages -----------------------------------------------------


def say(message: str, *, error: bool = False) -> None:
    """Every message of env.py: one line (or a header and indented lines), to stdout or stderr."""
    print(f"env.py: {message}", file=sys.stderr if error else sys.stdout, flush=True)


class Step:
    """Prints what is being done, then how long it took; Ctrl-C inside says what it left."""

    def __init__(self, title: str, left: str = "nothing was left half-done"):
        self.title, self.left = title, left

    def __enter__(self):
        say(f"{self.title} ...")
        self.start = time.perf_counter()

    def __exit__(self, kind, value, traceback):
        if kind is None:
            say(f"  done in {time.perf_counter() - self.start:.1f} s")
        elif issubclass(kind, KeyboardInterrupt):
            raise Interrupted(f"{self.left}") from None


# What pip and uv print (lowercased) for the failures people meet most, and what it means.
# The first that applies wins. Only a certain hint may hide the installer's own output.
HINTS = [  # (pattern, hint, certain)
    (r"no space left on device", "the disk is full: free some space, then run the command again", True),
    (r"failed to initialize cache at `(.+?)`", "uv cannot write its cache ({0}): set UV_CACHE_DIR to a"
     f" folder you can write, or run `{SETUP} --backend pip`", True),
    (r"hash mismatch for `|these packages do not match the hashes",
     "a downloaded file does not match its hash in the lock (was the lock edited by hand?):"
     " rewrite it with `python3 scripts/env.py lock`", False),
    (r"because the network was disabled", "uv is offline (UV_OFFLINE) and its cache lacks a file"
     " the lock needs: go online, then run the command again", True),
    (r"cause: (?:tcp connect error|dns error|operation timed out|connection refused)"
     r"|newconnectionerror|connecttimeouterror|readtimeouterror",
     "the package index ({index}) cannot be reached: check the network and the index settings"
     " (PIP_INDEX_URL, pip.conf), then run the command again", True),
    (r"because (?:there is no version of )?([^\s,]+) (?:was not found|and you require)"
     r"|no matching distribution found for (\S+)",
     "no version of {0} is on the package index ({index}): check its line in requirements*.txt", False),
    (r"no solution found when resolving", "requirements*.txt ask for versions that cannot go together"
     " (uv says why above): loosen a bound there", False),
]


def hint(log: str) -> tuple[str, bool] | None:
    """The first hint whose pattern is in an installer's output, and whether it is certain."""
    for pattern, text, certain in HINTS:
        found = re.search(pattern, log.lower())
        if found:
            named = next((group for group in found.groups() if group), "")
            return text.format(named, index=hide_secrets(index_url())), certain
    return None


def run(cmd: list, what: str, check: bool = True) -> subprocess.CompletedProcess:
    """Runs a command in the project folder. Its output is shown only if it fails, with a
    hint for the failures people meet most."""
    try:
        done = subprocess.run([str(c) for c in cmd], cwd=ROOT, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True, errors="replace")
    except OSError as error:
        raise EnvError(f"{what}: cannot run {cmd[0]}: {error.strerror}") from None
    if check and done.returncode != 0:
        failed(done, what)
    return done


def failed(done: subprocess.CompletedProcess, what: str) -> None:
    """Raises the one line for a failed command, after its output unless a hint is certain."""
    found = hint(done.stdout)
    if not found or not found[1]:
        sys.stderr.write(hide_secrets(done.stdout))
    raise EnvError(f"{what} failed (exit status {done.returncode}): "
                   + (found[0] if found else "see the messages above"))


def hide_secrets(text: str) -> str:
    """Credentials in URLs (https://user:token@host) become https://user:****@host."""
    return re.sub(r"(//[^/:@\s]+):[^/@\s]+@", r"\1:****@", text)


def write_text(path: Path, text: str) -> None:
    """Writes a file with LF line endings on every system, so it has the same bytes everywhere."""
    with open(path, "w", encoding="utf-8", newline="\n") as file:
        file.write(text)


@contextlib.contextmanager
def restored_on_failure(names: list[str]):
    """The project files `names` as they were, should anything below fail or be interrupted."""
    before = {name: (ROOT / name).read_bytes() if (ROOT / name).exists() else None for name in names}
    try:
        yield
    except BaseException:
        for name, content in before.items():
            if content is None:
                (ROOT / name).unlink(missing_ok=True)
            else:
                (ROOT / name).write_bytes(content)
        raise


@contextlib.contextmanager
def one_at_a_time(command: str):
    """Lets one `setup` or `lock` run in this project at a time; a second one waits."""
    key = hashlib.sha256(f"{ROOT}|{os.environ.get('USER', os.environ.get('USERNAME', ''))}".encode())
    with open(Path(tempfile.gettempdir(), f"env-py-{key.hexdigest()[:16]}.lock"), "a+b") as handle:
        waited = False
        while not try_lock(handle):
            if not waited:
                say(f"another setup or lock is running in this project: this {command} waits for it")
                waited = True
            time.sleep(0.2)
        yield


def try_lock(handle) -> bool:
    try:
        if WINDOWS:
            import msvcrt

            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
        else:
            import fcntl

            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except OSError:
        return False


# ---- the team's package index -----------------------------------------------------------


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
            files = [*(Path(d, "pip/pip.conf") for d in os.environ.get("XDG_CONFIG_DIRS", "/etc/xdg").split(":")),
                     Path("/etc/pip.conf"), Path("/Library/Application Support/pip/pip.conf"),
                     home / ".pip/pip.conf", Path(os.environ.get("XDG_CONFIG_HOME", home / ".config"), "pip/pip.conf"),
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
    if any(os.environ.get(name) for name in ("UV_INDEX_URL", "UV_DEFAULT_INDEX", "UV_INDEX", "UV_EXTRA_INDEX_URL")):
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


if __name__ == "__main__":
    sys.exit(main())
