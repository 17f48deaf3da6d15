"""uv and pip: finding them, running them with the team's index settings, and saying in one
line why they failed (scripts/hints.py). uv writes the locks; either one installs them."""

from __future__ import annotations

import configparser
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import NoReturn

from scripts import hints, locks
from scripts.project import WINDOWS, EnvError, Project, say, step
from scripts.venvs import Venv

UV_INDEX_SETTINGS = ("UV_INDEX_URL", "UV_DEFAULT_INDEX", "UV_INDEX", "UV_EXTRA_INDEX_URL")
PYPI = "https://pypi.org/simple"  # the index pip and uv read when none is set


class Installer:
    """Makes venvs and installs locks into them: uv when there is one, else venv and pip."""

    def __init__(self, project: Project, uv: Path | None = None) -> None:
        self.project, self.uv = project, uv
        self.name = "uv" if uv else "pip"

    def run(
        self,
        cmd: Sequence[str | Path],
        what: str,
        check: bool = True,
        env: dict[str, str] | None = None,
    ) -> subprocess.CompletedProcess[str]:
        """Runs an installer command; a failure is one line, after the installer's own words
        unless the hint is proven by them."""
        try:
            done = self.project.run(cmd, env)
        except OSError as error:
            raise EnvError(f"{what}: cannot run {cmd[0]}: {error.strerror}") from None
        if check and done.returncode != 0:
            self.fail(done, what)
        return done

    def fail(self, done: subprocess.CompletedProcess[str], what: str) -> NoReturn:
        hint = hints.explain(done.stdout)
        if not hint or not hint.proven:
            sys.stderr.write(hints.last_lines(done.stdout))
        because = hint.text if hint else "see the messages above"
        kind = hint.kind if hint else ""
        raise EnvError(f"{what} failed (exit status {done.returncode}): {because}", kind)

    def uv_run(
        self,
        command: str,
        *args: str | Path,
        what: str = "",
        check: bool = True,
        env: dict[str, str] | None = None,
        cache_first: bool = False,
    ) -> subprocess.CompletedProcess[str]:
        """`uv COMMAND ARGS` with the team's index settings (pip's, which uv does not read).
        `cache_first`: from uv's cache alone if it holds every file, else from the index."""
        assert self.uv, "uv_run needs uv"
        installs = command.startswith(("pip sync", "venv"))
        index = index_options(self.project.venv) if installs or "compile" in command else []
        cmd = [self.uv, *command.split(), *args, *index]
        if cache_first and not os.environ.get("UV_OFFLINE"):  # uv reads that one itself
            # Every file is hash-checked, so uv's cache serves it as well as the index, asks
            # nothing of the network (a third of a second less) and works offline.
            cached = self.run([*cmd, "--offline"], what or f"uv {command}", check=False, env=env)
            if cached.returncode == 0:
                return cached
        return self.run(cmd, what or f"uv {command}", check=check, env=env)

    def create(self, venv: Venv, base: str, seed: bool = True) -> None:
        """An empty venv of the Python `base`; uv's can move (relocatable). `seed`: uv adds the
        newest pip it knows, asking the index each time unless its cache has one: not needed
        when the lock pins pip. The standard module always adds its own pip."""
        if self.uv:
            options = ["--prompt", self.project.root.name, "--relocatable", "--quiet", "--clear"]
            options += ["--seed"] * seed + ["--python", base]
            self.uv_run("venv", *options, venv.path, what="creating the venv", cache_first=seed)
        else:
            self.run(
                [base, "-m", "venv", "--prompt", self.project.root.name, venv.path],
                "creating the venv",
            )

    def sync(
        self, venv: Venv, lock: str, remove: Sequence[str] = (), refetch: Sequence[str] = ()
    ) -> None:
        """Makes `venv` hold `lock`, hashes checked, and nothing else. `refetch`: packages to take
        afresh from the index (uv links installed files to its cache, which may hold the same
        damaged files), without touching the rest of uv's cache."""
        if self.uv:
            again = [f"--{do}-package={pkg}" for pkg in refetch for do in ("refresh", "reinstall")]
            python: list[str | Path] = ["--python", venv.python]
            # From uv's cache first, unless its files are the damaged ones.
            self.uv_run(
                "pip sync --require-hashes", *again, lock, *python,
                what="installing the lock", cache_first=not refetch,
            )  # fmt: skip
            self.uv_run("pip check", *python)
            return
        self.run(
            [venv.python, "-m", "pip", "install", "--require-hashes", "-r", lock], "installing"
        )
        if remove:
            self.run([venv.python, "-m", "pip", "uninstall", "--yes", *remove], "removing packages")
        self.run([venv.python, "-m", "pip", "check"], "pip check")


def find_uv(project: Project) -> Path | None:
    """A uv that runs: the venv's (the project's pinned one), PATH's, the one setup installed
    before for this machine, or this Python's."""
    return next(filter(None, uv_candidates(project)), None)


def uv_candidates(project: Project) -> Iterator[Path | None]:
    in_venv, on_path = project.venv.exe("uv"), shutil.which("uv")
    try:  # the venv's may be damaged (edited, truncated): it must run
        if in_venv.is_file() and project.run([in_venv, "--version"]).returncode == 0:
            # Windows cannot replace a running .exe, and a sync may update uv: run a copy.
            copy = Path(tempfile.gettempdir(), f"uv-for-{project.root.name}.exe")
            yield Path(shutil.copy2(in_venv, copy)) if WINDOWS else in_venv
    except OSError:  # not a program any more
        pass
    yield Path(on_path) if on_path else None
    folder = machine_uv(project)
    yield next(folder.glob(f"*/{in_venv.name}"), None) if folder else None
    if importlib.util.find_spec("uv"):  # the uv package of PyPI, in this Python
        yield Path(importlib.import_module("uv").find_uv_bin())


def uv_pin(project: Project) -> locks.Entry | None:
    """The dev lock's pin of uv (None: no readable lock, or no uv in it)."""
    try:
        pins = locks.read(project.root / locks.DEV_LOCK)
    except locks.LockError:
        return None
    return next((entry for entry in pins if entry.name == "uv"), None)


def machine_uv(project: Project) -> Path | None:
    """The folder where setup keeps the uv the dev lock pins, once per machine (not per venv)."""
    pin = uv_pin(project)
    return cache_folder() / f"uv-{pin.version}" if pin else None


def cache_folder() -> Path:
    """Where env.py keeps, once per machine, the tools it brings (uv, cruft)."""
    cache = os.environ.get("LOCALAPPDATA" if WINDOWS else "XDG_CACHE_HOME")
    return Path(cache or Path.home() / ".cache", "env-py")


def bootstrap_uv(project: Project) -> Path | None:
    """uv is nowhere: this Python's pip installs the dev lock's uv, hash-checked, into this
    machine's cache folder (machine_uv), for every project. None when it cannot: then the
    standard venv and pip do it all."""
    folder, pin = machine_uv(project), uv_pin(project)
    try:
        if folder is None or pin is None:
            raise EnvError(f"{locks.DEV_LOCK} pins no uv")
        if not importlib.util.find_spec("pip"):
            raise EnvError(f"{sys.executable} has no pip")
        folder.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=folder.parent, prefix=".uv-") as scratch:
            requirement, target = Path(scratch, "uv.txt"), Path(scratch, "uv")
            hashes = " ".join(f"--hash=sha256:{h}" for h in sorted(pin.hashes))
            requirement.write_text(f"{pin} {hashes}")
            pip = [sys.executable, "-m", "pip", "install", "--quiet", "--require-hashes", "-r"]
            with step(f"installing uv {pin.version} with pip, once for this machine ({folder})"):
                Installer(project).run([*pip, requirement, "--target", target], "installing uv")
            shutil.rmtree(folder, ignore_errors=True)
            os.replace(target, folder)
        return next(folder.glob(f"*/{project.venv.exe('uv').name}"))
    except (EnvError, OSError, StopIteration) as error:
        say(f"uv could not be installed ({error}): the standard venv module and pip do the work")
        return None


def pip_settings(venv: Venv) -> dict[str, str]:
    """pip's index settings: PIP_INDEX_URL and PIP_EXTRA_INDEX_URL, else pip's config files,
    read in pip's order ([global], then [install]); PIP_CONFIG_FILE=os.devnull: none."""
    chosen, home = os.environ.get("PIP_CONFIG_FILE"), Path.home()
    if chosen == os.devnull:
        files = []
    elif WINDOWS:
        appdata = os.environ.get("APPDATA", home)
        files = [Path(os.environ.get("ProgramData", "C:/ProgramData"), "pip/pip.ini")]
        files += [home / "pip/pip.ini", Path(appdata, "pip/pip.ini"), venv.path / "pip.ini"]
    else:
        dirs = os.environ.get("XDG_CONFIG_DIRS", "/etc/xdg").split(":")
        files = [Path(folder, "pip/pip.conf") for folder in dirs] + [Path("/etc/pip.conf")]
        files += [Path("/Library/Application Support/pip/pip.conf"), home / ".pip/pip.conf"]
        files += [Path(os.environ.get("XDG_CONFIG_HOME", home / ".config"), "pip/pip.conf")]
        files += [home / "Library/Application Support/pip/pip.conf", venv.path / "pip.conf"]
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


def pip_indexes(venv: Venv) -> tuple[str | None, list[str]] | None:
    """pip's main index (None: PyPI's) and its extra ones, which uv is given; None when uv has
    index settings of its own."""
    if any(os.environ.get(name) for name in UV_INDEX_SETTINGS):
        return None
    settings = pip_settings(venv)
    return settings.get("index-url"), settings.get("extra-index-url", "").split()


def index_names(venv: Venv) -> str:
    """The package indexes uv reads, as a message names them."""
    indexes = pip_indexes(venv)
    if indexes is None:
        return "the package indexes of uv's settings"
    urls = [indexes[0] or PYPI, *indexes[1]]
    return f"the package ind{'exes' if len(urls) > 1 else 'ex'} ({', '.join(urls)})"


def index_options(venv: Venv) -> list[str]:
    """pip's index settings, as options for uv; none when uv has settings of its own."""
    main, extras = pip_indexes(venv) or (None, [])
    if not extras:
        return ["--index-url", main] if main else []
    # pip takes the best version from all its indexes, and any of that version's files from
    # any of them; uv (unsafe-best-match) takes the best version too, but only the files of
    # the first index that has it: the main index comes first, so a mirror holding a few of a
    # version's files does not hide the others from the lock.
    options = [f"--index={url}" for url in (main or PYPI, *extras)]
    options += [f"--default-index={main}"] if main else []
    return [*options, "--index-strategy", "unsafe-best-match"]
