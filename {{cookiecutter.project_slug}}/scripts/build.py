"""What setup and lock write: the locks from requirements*.txt, then the venv from the dev
lock, repaired in place or built anew beside the old one and swapped in when complete."""

from __future__ import annotations

import os
import re
import tempfile
import threading
import time
from pathlib import Path

from scripts import installers, locks, pythons, venvs
from scripts.locks import DEV_LOCK, LOCKS, PLATFORMS, RUNTIME_LOCK
from scripts.project import (
    AGAIN,
    ENV_PY,
    SETUP,
    EnvError,
    Interrupted,
    Project,
    follow_kernels,
    restored_on_failure,
    say,
    step,
    write_text,
)


def setup(
    project: Project, backend: str, python: str | None = None, started: float | None = None
) -> None:
    """`setup`: lock first if a lock is stale, then make the venv whole and equal to the dev
    lock (make_whole). With `--python X.Y` the project switches first: if anything fails or
    is interrupted, its files and the old venv are as they were. (`started`: when `add` began.)"""
    started, venv = started or time.perf_counter(), project.venv
    if venvs.recover(venv):
        say(f"a previous setup did not finish: putting back the {venv.name}/ it had set aside")
    uv = installers.find_uv(project) if backend != "pip" else None
    if backend == "uv" and not uv:
        raise EnvError(
            f"uv is not installed (https://docs.astral.sh/uv/): or use `{SETUP}`, which brings it"
        )
    switched = [".python-version", "Dockerfile", "pyproject.toml", *LOCKS] if python else []
    try:
        with restored_on_failure(project.root / name for name in switched):
            if python:
                version, base, full = pythons.switch(project, python, uv)
            else:
                version = pythons.wanted(project)
                base, full = pythons.find(project, version, uv)
            if not uv and backend == "auto":
                uv = installers.bootstrap_uv(project)
            left, clashes = make_whole(
                project, installers.Installer(project, uv), version, base, full
            )
    except (Interrupted, KeyboardInterrupt) as stop:  # a switch changes everything or nothing
        said = str(stop) if isinstance(stop, Interrupted) else AGAIN
        files = ".python-version, the locks, the Dockerfile and pyproject.toml are as they were"
        again = f"{files}: `{SETUP} --python {python}` switches again"
        raise Interrupted(again if python else said) from None
    if left:
        raise EnvError(
            f"setup ended, but {venv.name}/ still differs: {'; '.join(map(str, left[:3]))}"
        )
    ready = f"ready in {time.perf_counter() - started:.1f} s"
    if not os.environ.get("ENV_PY_BAKE") and os.environ.get("VIRTUAL_ENV") != str(venv.path):
        ready += f". Activate the venv with: {project.activate_command()}"  # a bake says it itself
    say(ready)
    for line in pythons.disagreements(project, version):  # only a digest the registry did not give
        say(f"but {line}")
    for clash in clashes:
        say(f"but {clash}: keep one of them (`{ENV_PY} remove NAME`)")
    for trace in project.traces({}):  # other tools' files: theirs to delete, not setup's
        say(f"but {trace}")


def make_whole(
    project: Project, installer: installers.Installer, version: str, base: str, full: str
) -> tuple[list[venvs.Problem | venvs.Difference], list[str]]:
    """Locks if a lock is stale, then builds the venv, repairs it in place or builds a new one
    beside it (a damaged, moved or wrong-Python venv); returns what is still wrong, and the
    packages that install one file each their own way."""
    venv, dev_lock, first = project.venv, project.root / DEV_LOCK, not project.venv.exists()
    removal = None
    stale = locks.staleness(project.root, version)
    if stale:
        say(f"{locks.why_lock_first(stale)}: locking first")
        lock(project, version, installer=installer)  # which makes the other files follow too
    else:
        pythons.follow(project, version)
    snap = venvs.inspect(venv, project.run, dev_lock) if venv.exists() else None
    found = venvs.problems(venv, snap, version, project.root, DEV_LOCK)
    repair = venvs.plan(found) == "build" and venv.exists()
    if venvs.plan(found) == "build":
        if venv.exists():
            say(f"{venv.name}/ is built anew beside the old one, because: {found[0]}")
        removal = build(project, installer, base, full)
    elif found:
        sync(project, installer, found, version)
    if isinstance(snap, venvs.Snapshot) and snap.link and snap.link != str(project.root):
        follow_kernels(Path(snap.link), project.root)  # the project moved from there
    project.keep_git_hook()
    if first:  # installed from the lock hash by hash, as uv or pip says: nothing to read again
        return [], []
    if found:  # what was done is verified, once; after a rebuild, the files of the packages
        # that were damaged, which uv may have linked from the same damaged files in its cache
        suspect = set(snap.broken) if repair and isinstance(snap, venvs.Snapshot) else False
        snap = venvs.inspect(venv, project.run, dev_lock, files=suspect)
    damaged = snap.broken if isinstance(snap, venvs.Snapshot) else {}
    if damaged and installer.uv:  # files uv linked from its cache, damaged there too
        say(f"fetching {', '.join(damaged)} afresh (uv's cache holds the same damaged files)")
        say("  (other venvs made from that cache may hold them too: `check` there finds them)")
        installer.sync(venv, DEV_LOCK, refetch=list(damaged))
        snap = venvs.inspect(venv, project.run, dev_lock, files=set(damaged))
    if removal:
        removal.join()  # the old venv, removed meanwhile
    left = venvs.problems(venv, snap, version, project.root, DEV_LOCK)
    return left, snap.clashes if isinstance(snap, venvs.Snapshot) else []


def build(
    project: Project, installer: installers.Installer, base: str, full: str
) -> threading.Thread | None:
    """A new venv from the dev lock, swapped in once complete (venvs.swap_in); returns the
    thread that removes the old one."""
    venv = project.venv
    was = "is as it was" if venv.exists() else "was not made"
    left = f"{venv.name}/ {was} (run setup again to build it)"

    def make(target: venvs.Venv) -> None:
        with step(f"creating {target.name}/ with Python {full} ({installer.name})", left):
            pins = {entry.name for entry in locks.read(project.root / DEV_LOCK)}
            installer.create(target, base, seed="pip" not in pins)  # else the lock brings pip
        with step(f"installing {DEV_LOCK} into {target.name}/ ({installer.name})", left):
            installer.sync(target, DEV_LOCK)
        link_project(project, target, ".".join(full.split(".")[:2]))

    try:  # uv's venv is relocatable: built beside; the standard module's is built in place
        return venvs.swap_in(venv, make, beside=installer.uv is not None and venv.exists())
    except KeyboardInterrupt:
        raise Interrupted(left) from None
    except EnvError as error:  # the old venv is kept until the new one is complete
        if error.kind != "disk" or not venv.exists():
            raise
        size = sum(f.lstat().st_size for f in venv.path.rglob("*") if f.is_file()) >> 20
        raise EnvError(
            f"{error}; {venv.name}/ ({size} MB) is kept until its new copy is complete: free"
            f" that much, or delete {venv.name}/ (it holds only what the locks bring), then setup"
        ) from None


def sync(
    project: Project,
    installer: installers.Installer,
    found: list[venvs.Problem | venvs.Difference],
    version: str,
) -> None:
    """Makes a whole venv equal to the dev lock in place, naming what goes before it goes."""
    extra = [d for d in found if isinstance(d, venvs.Difference) and d.kind == "extra"]
    own = project.own_installs()  # `pip install -e .`: the project needs no install
    others = ", ".join(f"{d.name}=={d.have}" for d in extra if d.name not in own)
    if others:
        say(f"removing what the locks do not list: {others} (to keep one: `{ENV_PY} add NAME`)")
    if any(d.name in own for d in extra):
        say("removing the project's own install (`pip install -e .`): it imports without one")
    if any(isinstance(item, venvs.Difference) for item in found):
        left = f"{project.venv.name}/ may be half-installed: run setup again to finish"
        with step(f"installing {DEV_LOCK} into {project.venv.name}/ ({installer.name})", left):
            installer.sync(project.venv, DEV_LOCK, remove=[d.name for d in extra])
    link_project(project, project.venv, version)


def link_project(project: Project, venv: venvs.Venv, version: str) -> None:
    """Puts the project folder on the venv's import path, so that its package imports from
    notebooks, scripts and tests in any subfolder (as pip's editable installs do)."""
    link = venv.site(version) / venvs.LINK
    before = venvs.linked_folder(link.read_text(encoding="utf-8")) if link.exists() else None
    if venv is project.venv and before and before != str(project.root):
        say(f"the project link now points to {project.root} (the project moved)")
    write_text(link, venvs.link_line(project.root))


def lock(
    project: Project,
    version: str,
    upgrade: bool = False,
    installer: installers.Installer | None = None,
) -> None:
    """`lock`: both locks written anew from requirements*.txt for `version`, every hash taken
    from the index (the pins are kept unless `upgrade`), then every pin confirmed to have a
    file for each of PLATFORMS; the files that name the Python follow it. The locks and those
    files change together, or not at all."""
    refused = {
        f"{path.name}, line {number}: `{line}` {why}"
        for source in LOCKS.values()
        for path, number, line in locks.requirement_lines(project.root / source)
        if (why := locks.direct_reference(line))
    }
    if refused:
        raise EnvError("; ".join(sorted(refused)))
    changed = [project.root / name for name in (*LOCKS, "Dockerfile", "pyproject.toml")]
    with tempfile.TemporaryDirectory(prefix="env-py-") as scratch, restored_on_failure(changed):
        uv = (
            installer.uv
            if installer
            else installers.find_uv(project) or installers.bootstrap_uv(project)
        )
        if not uv:
            raise EnvError("uv, which writes the locks, is not installed and could not be")
        installer, left = installers.Installer(project, uv), "the locks are as they were"
        for name, source in LOCKS.items():
            with step(f"writing {name} from {source}", left):
                path = project.root / name
                before = path.read_text(errors="replace") if path.exists() else ""
                compile_lock(installer, name, version, before, upgrade)
                body = locks.read_text(path)
                inputs = locks.inputs_digest(project.root / source, version)
                write_text(path, locks.header(source, version, inputs, body) + body)
        with step(f"checking that every pin has a file for {', '.join(PLATFORMS)}", left):
            missing = uncovered(installer, version, Path(scratch))
        if missing:
            raise EnvError(
                f"{DEV_LOCK} would not install everywhere: {'; '.join(missing[:5])}."
                f" Those files are not on {installers.index_names(project.venv)}: ask for them"
                " there, or limit the requirement to where it installs"
                " (`name ; sys_platform == 'linux'`)"
            )
        pythons.follow(project, version)


def compile_lock(
    installer: installers.Installer, name: str, version: str, before: str, upgrade: bool
) -> None:
    """uv writes the lock `name` from its requirements file, keeping the pins of `before`
    unless `upgrade`. uv keeps the pins it finds in the file it rewrites, but also their hashes
    (edited or not), and stops at a line it cannot read: it is given the pins alone. With a
    cooldown (UV_EXCLUDE_NEWER) an upgrade never moves a pin back: a pin newer than the cooldown
    allows stays; where the cooldown leaves nothing to choose, the pins stay as they are."""
    path, pins = installer.project.root / name, locks.entries(before, strict=False)
    if not upgrade:  # the pins a damaged lock lost are kept as they were last committed
        have = {pin.name for pin in pins}
        committed = locks.entries(installer.project.committed(name), strict=False)
        pins += [pin for pin in committed if pin.name not in have]
    cooldown = upgrade and bool(os.environ.get("UV_EXCLUDE_NEWER"))
    # The runtime lock, written first, already waited: the dev lock takes its pins as they are.
    runtime = path.with_name(RUNTIME_LOCK)
    kept = {e.name for e in locks.read(runtime)} if cooldown and name == DEV_LOCK else set()
    for again in (False, True, True, None):  # again: the pins that would move back are kept
        if again is None:  # None: the cooldown cannot be met (an index without upload times?)
            say(f"{name}: no versions old enough for the cooldown (UV_EXCLUDE_NEWER): pins kept")
            cooldown, upgrade = False, False
        write_text(path, "".join(f"{entry}\n" for entry in pins if again or not upgrade))
        more = ["--constraint", RUNTIME_LOCK] if name == DEV_LOCK else []
        if upgrade and again:
            more += [f"--upgrade-package={pin.name}" for pin in pins if pin.name not in kept]
        elif upgrade:
            more += ["--upgrade"]
        more += [
            f"--exclude-newer-package={k}=2999-01-01T00:00:00Z" for k in sorted(kept) if cooldown
        ]
        options = ["--universal", "--generate-hashes", "--no-header", "--quiet", *more]
        env = None if again is not None else any_age()
        done = installer.uv_run(
            "pip compile", LOCKS[name], "-o", name, *options, "--python-version", version,
            what=f"writing {name}", check=not cooldown, env=env,
        )  # fmt: skip
        if done.returncode == 0:
            new = {(e.name, e.marker): e.version for e in locks.read(path)}
            back = {p.name for p in pins if locks.older(new.get((p.name, p.marker), ""), p.version)}
            if not cooldown or not back - kept:
                return
            kept |= back
        elif again:  # the kept pins themselves cannot be had under the cooldown
            continue


def any_age() -> dict[str, str]:
    """uv's settings without the cooldown (UV_EXCLUDE_NEWER), to read pins of any age."""
    return {k: v for k, v in os.environ.items() if k != "UV_EXCLUDE_NEWER"}


def uncovered(installer: installers.Installer, version: str, scratch: Path) -> list[str]:
    """Pins of the dev lock without a hashed file for one of PLATFORMS: uv lists the files each
    platform can use (pylock.toml), and one of them must have a hash the lock holds."""
    lock, missing = locks.read(installer.project.root / DEV_LOCK), []
    for number, (label, platform) in enumerate(PLATFORMS.items()):
        out, what = scratch / f"pylock.p{number}.toml", f"checking {DEV_LOCK} for {label}"
        options = ["--no-deps", "--python-platform", platform, "--format", "pylock.toml", "-o"]
        done = installer.uv_run(
            "pip compile --quiet", DEV_LOCK, *options, out, "--python-version", version,
            what=what, check=False, env=any_age(),
        )  # fmt: skip
        # uv names the first pin without a file for the platform
        named = re.findall(r"(?i)because (\S+) has no (?:wheels with a match|usable)", done.stdout)
        if done.returncode != 0 and not named:
            installer.fail(done, what)
        no_file = named or locks.without_files(lock, locks.read_text(out))
        missing += [f"{pin} has no file for {label}" for pin in no_file]
    return missing
