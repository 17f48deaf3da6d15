"""A venv: where its files are (only the Venv type knows the layout), what it holds (its own
Python tells, running scripts/inspector.py), what is wrong with it, and how a new one is
built beside it and swapped in only when complete."""

from __future__ import annotations

import ast
import json
import os
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable, Collection
from pathlib import Path
from typing import NamedTuple

WINDOWS = sys.platform == "win32"
INSPECTOR = Path(__file__).with_name("inspector.py")
LINK = "project-root.pth"  # puts the project folder on the venv's import path
IGNORED = "Remainder of file ignored"  # where Python's report of a failing .pth line ends
SEED = {"pip", "setuptools", "wheel"}  # every venv may bring these: they count only when pinned


class Venv:
    """A venv's folder and the paths inside it, on every system."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.name = path.name
        self.bin = path / ("Scripts" if WINDOWS else "bin")
        self.python = self.exe("python")
        self.config = path / "pyvenv.cfg"

    def activation_scripts(self) -> list[Path]:
        """The scripts README.md's `p` runs: bash and zsh, fish; PowerShell on Windows."""
        names = ["activate.bat", "Activate.ps1"] if WINDOWS else ["activate", "activate.fish"]
        return [self.bin / name for name in names]

    def site(self, version: str) -> Path:
        """Where its packages go (purelib), for CPython X.Y."""
        return self.path / ("Lib" if WINDOWS else f"lib/python{version}") / "site-packages"

    def exe(self, name: str) -> Path:
        return self.bin / (f"{name}.exe" if WINDOWS else name)

    def sibling(self, kind: str) -> Venv:
        """venv.new (being built), venv.old (set aside until the new one is in), venv.trash."""
        return Venv(self.path.with_name(f"{self.name}.{kind}"))

    def exists(self) -> bool:
        return self.path.exists()

    def home(self) -> str | None:
        """The folder of the Python it was made from, as pyvenv.cfg says."""
        text = self.config.read_text(errors="replace") if self.config.is_file() else ""
        found = re.search(r"(?m)^home\s*=\s*(.*)$", text)
        return found.group(1).strip() if found else None


def link_line(root: Path) -> str:
    """project-root.pth: the project folder, named from the site folder (the venv is always at
    the project root), so that imports keep working after the project moves; and, in a comment,
    where it was made, which tells `check` a move happened (the notebook kernel and the git hook
    name paths). ASCII only: Python 3.11 and 3.12 read .pth files in the locale's encoding."""
    up = "../../.." if WINDOWS else "../../../.."  # Lib/site-packages, lib/pythonX.Y/site-packages
    return f"# made for {str(root)!a}\n{up}\n"


def linked_folder(text: str) -> str:
    """The folder a project-root.pth was made for (link_line, read back; and the forms of
    earlier versions: the path, or Python code appending it)."""
    first = text.strip().splitlines()[0] if text.strip() else ""
    if first.startswith("# made for "):
        return str(ast.literal_eval(first.removeprefix("# made for ")))
    if first.startswith("import"):
        return str(ast.literal_eval(first[first.index("(") + 1 : first.rindex(")")]))
    return first


class Snapshot(NamedTuple):
    """What a venv holds, as its own Python sees it (scripts/inspector.py)."""

    env: dict[str, str]  # python_version, python_full_version, platform_system, ...
    dists: dict[str, str]  # installed packages: name: version
    broken: dict[str, str]  # packages whose files differ from their RECORD: name: how
    link: str | None  # the folder project-root.pth names
    relocatable: bool  # made by uv --relocatable: it can move with the project
    pins: dict[str, str] | None  # the lock's pins whose markers hold here (None: not asked)
    isolated: bool  # True: pyvenv.cfg is gone, so "the venv's" Python runs as its base
    clashes: list[str]  # packages that install the same file, each its own: one of them must go
    failing: list[str]  # what Python said of .pth files that fail at every start


class Problem(NamedTuple):
    """One thing wrong with a venv, and whether it takes a new venv (`rebuild`)."""

    subject: str
    text: str
    rebuild: bool = True

    def __str__(self) -> str:
        return f"{self.subject}: {self.text}" if self.subject else self.text


class Difference(NamedTuple):
    """An installed package that differs from the lock: missing, changed or extra."""

    kind: str
    name: str
    have: str | None
    want: str | None
    lock: str
    rebuild: bool = False  # a sync repairs it

    def __str__(self) -> str:
        if self.kind == "missing":
            return f"missing: {self.name}=={self.want}"
        if self.kind == "extra":
            return f"extra: {self.name}=={self.have} (not in {self.lock})"
        return f"changed: {self.name} is {self.have}, {self.lock} says {self.want}"


Runs = Callable[..., "subprocess.CompletedProcess[str]"]


def inspect(
    venv: Venv, run: Runs, lock: Path | None, files: bool | Collection[str] = True
) -> Snapshot | str | None:
    """The venv as its own Python sees it, with `lock`'s pins for it (none when `lock` is None:
    a stale lock is no measure), the installed files checked against their RECORD: all, none,
    or those of the packages named in `files`. None when it has no Python; the last line that
    Python printed when it does not start."""
    which = [] if files is True else ["--no-files"]  # every file, or none (False, or no name)
    if files and files is not True:
        which = [f"--files-of={','.join(sorted(files))}"]
    if not os.path.lexists(venv.python):  # (a link to a Python that is gone still counts)
        return None
    try:
        done = run([venv.python, "-I", INSPECTOR, *([lock] if lock else []), *which])
    except OSError as error:  # not a program any more (truncated, emptied)
        return error.strerror or str(error)
    lines = done.stdout.strip().splitlines() or ["no output"]
    try:
        state = json.loads(lines[-1]) if done.returncode == 0 else None
    except ValueError:
        state = None
    if state is None:
        return f"exit status {done.returncode}: {lines[-1]}"
    return Snapshot(**state, failing=start_up_failures(lines))


def start_up_failures(lines: list[str]) -> list[str]:
    """The .pth files Python says fail at every start, each once (a venv's lib64 is its lib
    again), with the error they raise: `site-packages/bad.pth, line 1: ModuleNotFoundError..."""
    found = {}
    for number, line in enumerate(lines):
        failed = re.match(r"Error processing line (\d+) of (.+?):?$", line)
        if failed:
            rest = [text.strip() for text in lines[number + 1 :]]
            end = rest.index(IGNORED) if IGNORED in rest else 0  # (a report cut short)
            cause = next((text for text in rest[:end][::-1] if text), "")  # the error's last line
            found[f"{failed.group(2)}, line {failed.group(1)}"] = cause
    return [f"{where}: {cause}" if cause else where for where, cause in found.items()]


def differences(pins: dict[str, str], dists: dict[str, str], lock: str) -> list[Difference]:
    """How installed packages differ from a lock's pins (SEED counts only when pinned)."""
    found = []
    for name in sorted(pins.keys() | dists.keys()):
        have, want = dists.get(name), pins.get(name)
        if have is None:
            found.append(Difference("missing", name, None, want, lock))
        elif want is None:
            if name not in SEED:
                found.append(Difference("extra", name, have, None, lock))
        elif have != want:
            found.append(Difference("changed", name, have, want, lock))
    return found


def problems(
    venv: Venv, snap: Snapshot | str | None, python: str, root: Path, lock: str
) -> list[Problem | Difference]:
    """Everything wrong with the venv for a project at `root` using Python `python`."""
    if not venv.exists():
        return [Problem("", f"no venv at {venv.name}/")]
    where = venv.python.relative_to(venv.path.parent)
    if not isinstance(snap, Snapshot):
        home = venv.home()
        if snap is None:
            return [Problem("python", f"{where} is missing: the venv is incomplete")]
        if (home and not Path(home).exists()) or (
            venv.python.is_symlink() and not venv.python.exists()
        ):
            return [
                Problem(
                    "python",
                    f"{where} does not start: the Python it was made from ({home}) is gone",
                )
            ]
        return [Problem("python", f"{where} does not start ({snap})")]
    found: list[Problem | Difference] = []
    if snap.isolated:
        found.append(Problem("pyvenv.cfg", "missing, so the venv's python runs as its base Python"))
        return found
    if snap.env["python_version"] != python:
        has = snap.env["python_full_version"]
        found.append(Problem("python", f"the venv has {has}, .python-version says {python}"))
    found += [Problem(name, text) for name, text in snap.broken.items()]
    found += [Problem("start-up", line.strip()) for line in snap.failing]
    if "pip" not in snap.dists:
        found.append(Problem("pip", "missing, so the venv cannot install anything"))
    for script in venv.activation_scripts():
        if not script.exists():
            found.append(Problem("activation", f"{script.name} is missing, so `p` cannot activate"))
    if snap.link != str(root):
        moved = f"the venv was made for {snap.link}, not {root} (was the project moved?)"
        missing = f"{LINK} is missing, so the package may not import"
        # A venv of the standard venv module holds absolute paths: it is built anew.
        found.append(Problem("project link", moved if snap.link else missing, not snap.relocatable))
    return found + (differences(snap.pins, snap.dists, lock) if snap.pins is not None else [])


def plan(found: list[Problem | Difference]) -> str:
    """What setup does about `found`: "build" a new venv, "sync" this one, or "keep" it."""
    return "build" if any(item.rebuild for item in found) else "sync" if found else "keep"


def discard(folder: Venv, trash: Venv, wait: bool = True) -> threading.Thread | None:
    """Removes a folder of ours: renamed to `trash` first, so that half a removal is never
    taken for a venv. Unless `wait`, the removal goes on in the thread returned."""
    if folder.exists():
        remove(trash.path)
        os.replace(folder.path, trash.path)
    if wait or not trash.exists():
        remove(trash.path)
        return None
    removal = threading.Thread(target=remove, args=(trash.path,))
    removal.start()
    return removal


def remove(path: Path) -> None:
    """Removes a folder and all in it: with `rm -rf` where there is one (twice as fast as
    Python on a venv's 18,000 files), then with Python whatever is left."""
    if os.name == "posix" and path.exists() and shutil.which("rm"):
        subprocess.run(["rm", "-rf", "--", path], check=False, stderr=subprocess.DEVNULL)
    shutil.rmtree(path, ignore_errors=True)


def recover(venv: Venv) -> bool:
    """Undoes what an interrupted build left: an unfinished new venv goes, and the venv set
    aside for it comes back. True when one came back."""
    trash, old = venv.sibling("trash"), venv.sibling("old")
    discard(venv.sibling("new"), trash)
    if not old.exists():
        return False
    discard(venv, trash)
    os.replace(old.path, venv.path)
    return True


def swap_in(venv: Venv, build: Callable[[Venv], None], beside: bool) -> threading.Thread | None:
    """Builds a new venv with `build` and puts it in place of `venv` only once it is complete.
    `beside`: built in venv.new (a relocatable venv can move); else built in place while
    the old venv waits in venv.old. Whatever fails or is interrupted, the old venv stays.
    The old venv is then removed in the thread returned, while the new one is checked."""
    new, old, trash = venv.sibling("new"), venv.sibling("old"), venv.sibling("trash")
    first = not venv.exists()
    discard(new, trash)
    try:
        if not beside and venv.exists():
            os.replace(venv.path, old.path)
        build(new if beside else venv)
        if beside:
            if venv.exists():
                os.replace(venv.path, old.path)
            os.replace(new.path, venv.path)
    except BaseException:
        discard(new, trash)
        if first:  # half a first venv is no venv
            discard(venv, trash)
        if old.exists():
            discard(venv, trash)
            os.replace(old.path, venv.path)
        raise
    return discard(old, trash, wait=False)
