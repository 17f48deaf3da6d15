#!/usr/bin/env python3
"""The project's one setup tool: makes, locks and checks the venv.

    python3 scripts/env.py setup     make the venv whole and equal to the locks: create it,
                                     repair it, or build a new one beside it and swap it in
                                     (--python X.Y: switch the project to another Python)
    python3 scripts/env.py lock      rewrite the locks from requirements*.txt
                                     (--check: are they up to date? --upgrade: newest pins)
    python3 scripts/env.py check     is the venv whole, and equal to the locks and .python-version?
    python3 scripts/env.py add NAME  add a requirement (--dev: a tool), lock and set up; `remove`
    python3 scripts/env.py run TOOL  run a tool of the venv, active or not (ruff, mypy, pytest)
    python3 scripts/env.py update    bring in the template's newer version (cruft), never an older

(On Windows: `py scripts\\env.py setup`.) You edit requirements.txt and requirements-dev.txt;
`lock` writes requirements.lock and requirements-dev.lock, pinned and hashed for Linux, macOS
and Windows; `setup` installs only from those locks. Standard library only, so it runs before
any venv exists. The modules beside it each do one job: build (what setup and lock write),
project (the folder, messages, safe writes), locks, venvs, inspector (run inside a venv),
installers, hints, pythons, update (template updates).

Exit status: 0 done (or in sync); 1 a problem, named on one line with its fix; 2 nothing
to check (no venv) or a usage error; 130 interrupted, with what was left.
"""

from __future__ import annotations

import signal
import sys

STOPS = ["SIGINT", "SIGTERM", "SIGHUP"]  # every way of being stopped ends like Ctrl-C
try:
    for name in STOPS if __name__ == "__main__" else []:  # from the first moment
        signal.signal(getattr(signal, name, signal.SIGINT), signal.default_int_handler)
    import argparse
    import os
    import shutil
    import subprocess
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # also under PYTHONSAFEPATH=1
    # A .pyc cut short by a full disk breaks each later import (Python does not check its
    # length): with under 64 MB free, nothing is cached. (scripts/inspector.py does the same.)
    sys.dont_write_bytecode |= shutil.disk_usage(Path(__file__).parent).free < 2**26
    from scripts import build, locks, pythons, venvs
    from scripts.locks import DEV_LOCK, RUNTIME_LOCK
    from scripts.project import (
        AGAIN,
        ENV_PY,
        SETUP,
        EnvError,
        Interrupted,
        Project,
        one_at_a_time,
        say,
    )
except KeyboardInterrupt:  # Ctrl-C while starting: one line, no traceback
    print("env.py: interrupted before it began: nothing was changed", file=sys.stderr)
    sys.exit(130)


def main(argv: list[str] | None = None, project: Project | None = None) -> int:
    """Runs one command; returns the exit status (see the top of this file)."""
    parser = argparse.ArgumentParser(prog="env.py", description=(__doc__ or "").split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    setup_cmd = commands.add_parser("setup", help="make the venv whole and equal to the locks")
    backend = os.environ.get("ENV_PY_BACKEND", "auto")  # uv when it can, or one of them
    setup_cmd.add_argument("--backend", choices=["auto", "pip", "uv"], default=backend)
    setup_cmd.add_argument(
        "--python", metavar="X.Y", help="switch to Python X.Y (or a path to one)"
    )
    lock_cmd = commands.add_parser("lock", help="rewrite the locks from requirements*.txt")
    lock_mode = lock_cmd.add_mutually_exclusive_group()
    lock_mode.add_argument("--upgrade", action="store_true", help="move pins to the newest")
    lock_mode.add_argument("--check", action="store_true", help="exit 1 if a lock is stale")
    check_cmd = commands.add_parser("check", help="is the venv whole and equal to the locks?")
    check_cmd.add_argument("--runtime", action="store_true", help=f"this Python vs {RUNTIME_LOCK}")
    add_cmd = commands.add_parser("add", help="add requirements, lock and set up")
    add_cmd.add_argument("requirements", nargs="+", metavar="NAME[SPEC]")
    add_cmd.add_argument("--dev", action="store_true", help="to requirements-dev.txt (tools)")
    remove_cmd = commands.add_parser("remove", help="remove requirements, lock and set up")
    remove_cmd.add_argument("names", nargs="+", metavar="NAME")
    remove_cmd.add_argument("--dev", action="store_true", help="from requirements-dev.txt alone")
    run_cmd = commands.add_parser("run", help="run a tool of the venv (active or not)")
    run_cmd.add_argument("tool", nargs=argparse.REMAINDER)
    update_cmd = commands.add_parser("update", help="bring in the template's newer version")
    update_cmd.add_argument(
        "--checkout",
        metavar="REF",
        help="a branch to follow, or the tag or commit to go to (default: what it follows)",
    )
    update_cmd.add_argument("--report", metavar="FILE", type=Path, help="write a summary there")
    args = parser.parse_args(argv)
    project = project or Project(Path(__file__).resolve().parent.parent)
    if args.command == "run":
        return run_tool(project, args.tool)
    try:
        if args.command == "check" and not args.runtime:
            status = check(project)
            active_elsewhere(project)
            return status
        if args.command == "check":
            return check_runtime(project)
        if args.command == "lock" and args.check:
            return check_locks(project)
        if args.command == "update":
            from scripts import update  # only here: most runs never need it

            update.update(project, args.checkout, args.report)
            return 0
        backend = getattr(args, "backend", os.environ.get("ENV_PY_BACKEND", "auto"))
        if backend not in ("auto", "pip", "uv"):
            raise EnvError(f"ENV_PY_BACKEND: {backend!r} is not one of auto, pip, uv")
        with one_at_a_time(project.root, args.command):
            project.sweep()  # files a killed run left half-written
            if args.command == "lock":
                build.lock(project, pythons.wanted(project), args.upgrade)
            elif args.command in ("add", "remove"):
                adds, removes = (
                    (args.requirements, []) if args.command == "add" else ([], args.names)
                )
                from scripts import requirements

                requirements.change(project, backend, adds, removes, getattr(args, "dev", False))
            else:
                build.setup(project, backend, args.python)
    except (EnvError, locks.LockError) as error:
        say(f"{args.command} stopped: {error}", error=True)
        return 1
    except BrokenPipeError:  # `check | head`: the reader has seen enough
        sys.stdout = open(os.devnull, "w")
        return 1
    except OSError as error:  # our own reads and writes: a full disk, a file we may not write
        say(f"{args.command} stopped: {error.strerror}: {error.filename}", error=True)
        return 1
    except (Interrupted, KeyboardInterrupt) as stop:
        left = stop if isinstance(stop, Interrupted) else AGAIN
        say(f"{args.command} interrupted: {left}", error=True)
        return 130
    return 0


def run_tool(project: Project, tool: list[str]) -> int:
    """`run TOOL ARGS`: a tool of the venv, active or not (git hooks, editors, cron)."""
    if not tool:
        say("run names no tool (like `run ruff check`)", error=True)
        return 2
    if not project.venv.exe(tool[0]).exists():
        what, fix = "does not exist", f"run `{SETUP}`"
        if project.venv.exists():
            what = f"has no {tool[0]}"
            try:
                pins = {e.name for e in locks.entries(project.text(DEV_LOCK), strict=False)}
            except ValueError:  # a lock that is not UTF-8: setup repairs it
                pins = set()
            if pins and locks.normalize(tool[0]) not in pins:  # a pinned tool is repaired
                what += ", and no pin brings it"
                fix = f"`{ENV_PY} add --dev PACKAGE` adds the package that has it"
        say(f"{project.venv.name}/ {what}: {fix}", error=True)
        return 2
    if not (project.venv.path / "pyvenv.cfg").exists():  # its Python would run as the base one
        say(f"{project.venv.name}/ has no pyvenv.cfg: run `{SETUP}` to repair it", error=True)
        return 2
    env = {**os.environ, "VIRTUAL_ENV": str(project.venv.path)}
    env["PATH"] = os.pathsep.join([str(project.venv.bin), env.get("PATH", "")])
    return subprocess.call([project.venv.exe(tool[0]), *tool[1:]], env=env)


def check(project: Project) -> int:
    """`check`: 0 when the venv is whole and equal to the dev lock, the locks are current and
    the Dockerfile agrees with .python-version; 1 with each difference and what repairs it (what
    it says setup does is what setup does); 2 when there is no venv."""
    venv = project.venv
    if not venv.exists():
        say(f"no venv at {venv.name}/: run `{SETUP}`", error=True)
        return 2
    version = pythons.wanted(project)
    stale = locks.staleness(project.root, version)
    dev_sound = not any(item.lock == DEV_LOCK for item in stale)
    snap = venvs.inspect(venv, project.run, project.root / DEV_LOCK if dev_sound else None)
    found = venvs.problems(venv, snap, version, project.root, DEV_LOCK)
    files = pythons.disagreements(project, version)
    undigested = [line for line in files if "has no digest" in line]
    traces = project.traces(snap.dists if isinstance(snap, venvs.Snapshot) else {})
    clashes = snap.clashes if isinstance(snap, venvs.Snapshot) else []
    hook = project.git_hook_elsewhere()
    files += [f"git hook: it runs pre-commit from {hook}, not from {venv.name}/"] if hook else []
    lines = [*map(str, found), *map(str, stale), *files, *traces, *clashes]
    if not lines and isinstance(snap, venvs.Snapshot):
        pins, full = len(locks.read(project.root / DEV_LOCK)), snap.env["python_full_version"]
        say(f"in sync: {venv.name}/ is whole and matches {DEV_LOCK} ({pins} pins), Python {full}")
        return 0
    say("\n  ".join(["not in sync:", *lines]))
    if found or stale or len(files) > len(undigested):
        many = "the others" if traces else "them all" if len(lines) > 1 else "it"
        advice = f"run `{SETUP}` to repair {many}"
        if stale:
            advice += " (it writes the locks first, then makes the venv equal to them)"
            if any(item.state == "edited" for item in stale):  # uv keeps a lock's pins
                advice += "; pins edited by hand are kept: `git checkout` a lock to drop them"
        elif venvs.plan(found) == "build":
            advice += f" (it builds a new {venv.name}/ beside this one, swapped in when complete)"
        own = project.own_installs()
        extra = [
            f"{d.name}=={d.have}"
            for d in found
            if isinstance(d, venvs.Difference) and d.kind == "extra" and d.name not in own
        ]
        if extra:
            advice += (
                f"; it removes {', '.join(extra)}: to keep one, `{ENV_PY} add` it (--dev: a tool)"
            )
        say(advice + ("; the traces of other tools are yours to delete" if traces else ""))
    if clashes:  # no setup can settle which copy of a file is right
        say(f"of two packages that install the same file, keep one: `{ENV_PY} remove NAME`")
    if undigested:
        say(f"`{ENV_PY} lock` pins the base once Docker Hub (or ENV_PY_REGISTRY) answers")
    return 1


def active_elsewhere(project: Project) -> None:
    """Says so when the venv active in this shell is not this project's: its python, pip and
    pytest are the ones the shell runs, whatever this project's venv holds."""
    active = os.environ.get("VIRTUAL_ENV")
    if active and Path(active).resolve() != project.venv.path.resolve():
        say(f"but the active venv is {active}, not this project's: `deactivate`, then `p`")


def check_locks(project: Project) -> int:
    """`lock --check`: were both locks written from today's inputs? Reads files only."""
    version = pythons.wanted(project)
    stale = locks.staleness(project.root, version)
    if stale:
        fix = f"fix: run `{ENV_PY} lock` (then `setup`), and commit the locks"
        say("\n  ".join([*map(str, stale), fix]))
        return 1
    say(f"{RUNTIME_LOCK} and {DEV_LOCK} match requirements*.txt and Python {version}")
    return 0


def check_runtime(project: Project) -> int:
    """`check --runtime`: the Python running this script against requirements.lock alone."""
    if Path(sys.prefix).resolve() in (Path(sys.base_prefix).resolve(), project.venv.path.resolve()):
        image = "`docker run --rm IMAGE python scripts/env.py check --runtime`"
        say(
            f"check --runtime is for the image ({image}) or a venv of {RUNTIME_LOCK} alone;"
            f" for {project.venv.name}/, which holds the dev tools too, run `{ENV_PY} check`",
            error=True,
        )
        return 2
    from scripts import inspector

    snap = venvs.Snapshot(**inspector.snapshot(project.root / RUNTIME_LOCK), failing=[])
    found: list[venvs.Problem | venvs.Difference] = []
    found += venvs.differences(snap.pins or {}, snap.dists, RUNTIME_LOCK)
    found += [venvs.Problem(name, text) for name, text in snap.broken.items()]
    version = pythons.wanted(project)
    if snap.env["python_version"] != version:
        has = snap.env["python_full_version"]
        found.append(venvs.Problem("python", f"the venv has {has}, .python-version says {version}"))
    if found:
        say("\n  ".join([f"{sys.prefix} differs from {RUNTIME_LOCK}:", *map(str, found)]))
        say(f"rebuild it from {RUNTIME_LOCK} (for the image: build it again)")
        return 1
    say(f"in sync: {sys.prefix} matches {RUNTIME_LOCK}, Python {snap.env['python_full_version']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
