"""The project as env.py sees it: its folder and venv, how commands are run, how messages are
said, and how files are written (whole or not at all)."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shlex
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from scripts import locks
from scripts.venvs import Venv

WINDOWS = sys.platform == "win32"
ENV_PY = r"py scripts\env.py" if WINDOWS else "python3 scripts/env.py"
SETUP = f"{ENV_PY} setup"  # the command every "how to finish" message names
AGAIN = "run it again: it finishes what is left"  # after a stop between steps
# The files setup and lock write whole or not at all (write_text).
KEPT_WHOLE = ["requirements.lock", "requirements-dev.lock", "requirements.txt"]
KEPT_WHOLE += ["requirements-dev.txt", ".python-version", "Dockerfile", "pyproject.toml"]
# pyproject.toml names the venv's folder: [tool.env-py] venv = "venv"
VENV_SETTING = re.compile(r'(?ms)^\[tool\.env-py\][^\[]*?^venv\s*=\s*"([^"]+)"')


class EnvError(Exception):
    """A problem the user can act on: printed as one line, exit status 1. `kind`: the hint's
    (scripts/hints.py), when an installer failed."""

    def __init__(self, message: str, kind: str = "") -> None:
        super().__init__(message)
        self.kind = kind


class Interrupted(Exception):
    """A signal during a step: the message says what the step left."""


class Runner:
    """Runs a command in the project folder and returns its exit status and output (stdout
    and stderr together). The one seam to the outside: unit tests hand env.py a fake."""

    def __init__(self, cwd: Path) -> None:
        self.cwd = cwd

    def __call__(
        self, cmd: Sequence[str | Path], env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(part) for part in cmd],
            cwd=self.cwd,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors="replace",
        )


class Project:
    """A project folder, its venv (named in pyproject.toml) and the runner of its commands."""

    def __init__(self, root: Path, runner: Runner | None = None) -> None:
        self.root = root
        found = VENV_SETTING.search(self.text("pyproject.toml"))
        self.venv = Venv(root / (found.group(1) if found else "venv"))
        self.run = runner or Runner(root)

    def activate_command(self, shell: str = os.environ.get("SHELL", "")) -> str:
        """How to activate the venv in the user's shell, from where they are."""
        name = "activate" + (".fish" if shell.endswith("fish") else "")
        script = self.venv.bin / ("activate" if WINDOWS else name)
        here = Path.cwd() == self.root
        path = script.relative_to(self.root) if here else script
        return str(path) if WINDOWS else f"source {shell_word(str(path))}"

    def sweep(self) -> None:
        """Removes what a killed `setup` or `lock` left half-written (write_text's files)."""
        for leftover in self.root.glob(".*.tmp"):
            if any(leftover.name.startswith(f".{name}.") for name in KEPT_WHOLE):
                leftover.unlink()
                say(f"removed {leftover.name}, left by an interrupted run")

    def git_hook_elsewhere(self) -> str | None:
        """The Python pre-commit's git hook names, when it is not this venv's (the project
        moved, or the venv was made elsewhere): commits then find no pre-commit."""
        hook = self.root / ".git" / "hooks" / "pre-commit"
        text = hook.read_text(errors="replace") if hook.is_file() else ""
        named = re.search(r"(?m)^INSTALL_PYTHON=(.*)$", text)
        python = named.group(1).strip("'\"") if named else None
        return python if python and python != str(self.venv.python) else None

    def keep_git_hook(self) -> None:
        """pre-commit's git hook names the venv's Python it was installed with: after a move or
        a rebuild elsewhere it is installed again, so commits keep running the checks."""
        tool = self.venv.exe("pre-commit")
        if self.git_hook_elsewhere() and tool.exists():
            self.run([tool, "install"])
            say("the git hook of pre-commit now runs this venv's checks (the project moved)")

    def own_installs(self) -> dict[str, str]:
        """The names under which `pip install -e .` installed the project: its egg-info folders."""
        found = self.root.glob("*.egg-info")
        return {locks.normalize(info.name.removesuffix(".egg-info")): info.name for info in found}

    def traces(self, installed: dict[str, str]) -> list[str]:
        """Traces of other tools' ways, which this project answers otherwise (README.md):
        `check` and `setup` name them; deleting them is left to the user."""
        found = [
            f"{folder}/: `pip install -e .` installed the project into the venv, which needs"
            f" no build (setup puts the project on its import path): delete {folder}/; setup"
            " removes the install"
            for name, folder in self.own_installs().items()
            if name in installed
        ]
        if self.venv.name != ".venv" and (self.root / ".venv").is_dir():
            found.append(
                f".venv/: made by `uv sync` or `uv venv`, a second venv that nothing here uses"
                f" ({self.venv.name}/ is this project's): delete it"
            )
        if (self.root / "uv.lock").exists():
            found.append(
                f"uv.lock: made by `uv add` or `uv sync`, a second list of dependencies beside the"
                f" locks: delete it, and add with `{ENV_PY} add NAME` (--dev for a tool)"
            )
        if re.search(r"(?m)^\[(project|dependency-groups)\]", self.text("pyproject.toml")):
            found.append(
                "pyproject.toml: a [project] or [dependency-groups] table (from `uv add`, `uv"
                " init`) that nothing here reads: move its packages to requirements*.txt with"
                f" `{ENV_PY} add` and delete the table"
            )
        return found

    def committed(self, name: str) -> str:
        """The file `name` as last committed ("" without git, or if it never was)."""
        show = ["git", "show", f"HEAD:./{name}"]
        try:
            done = subprocess.run(show, cwd=self.root, capture_output=True)
        except OSError:
            return ""
        return done.stdout.decode("utf-8", "replace") if done.returncode == 0 else ""

    def text(self, name: str) -> str:
        """A file of the project as text ("" when it does not exist)."""
        path = self.root / name
        return path.read_text(encoding="utf-8") if path.exists() else ""


def shell_word(word: str) -> str:
    """`word` quoted so that bash, zsh, fish and PowerShell all read it as it is (the hooks'
    messages quote with this too)."""
    if re.fullmatch(r"[\w./:\\@~+=-]+", word):
        return word
    if "'" not in word:
        return f"'{word}'"  # taken literally by all four shells
    return f'"{word}"' if not re.search(r'[$`"\\]', word) else shlex.quote(word)


def say(message: str, *, error: bool = False) -> None:
    """Every message of env.py: one line (or a header and indented lines)."""
    stream = sys.stderr if error else sys.stdout
    try:
        print(f"env.py: {message}", file=stream, flush=True)
    except BrokenPipeError:  # its reader is gone (`setup | head`): the work goes on, unsaid
        os.dup2(os.open(os.devnull, os.O_WRONLY), stream.fileno())


@contextlib.contextmanager
def step(title: str, left: str = "nothing was left half-done") -> Iterator[None]:
    """Says what is being done, then how long it took; an interruption says what it left."""
    say(f"{title} ...")
    started = time.perf_counter()
    try:
        yield
    except KeyboardInterrupt:
        raise Interrupted(left) from None
    say(f"  done in {time.perf_counter() - started:.1f} s")


def write_text(path: Path, text: str | bytes) -> None:
    """Writes a file whole or not at all (beside it first, then renamed into place), with LF
    line endings on every system, so it has the same bytes everywhere."""
    umask = os.umask(0o22)
    os.umask(umask)
    mode = path.stat().st_mode if path.exists() else 0o666 & ~umask
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.chmod(temporary, mode)
        with open(fd, "wb") as file:
            file.write(text.encode() if isinstance(text, str) else text)
        os.replace(temporary, path)
    except BaseException:  # (a Ctrl-C may come after the rename: nothing left to remove)
        Path(temporary).unlink(missing_ok=True)
        raise


@contextlib.contextmanager
def restored_on_failure(paths: Iterable[Path]) -> Iterator[None]:
    """The files `paths` as they were, should anything below fail or be interrupted."""
    before = {path: path.read_bytes() if path.exists() else None for path in paths}
    try:
        yield
    except BaseException:
        for path, content in before.items():
            if content is None:
                path.unlink(missing_ok=True)
            elif not path.exists() or path.read_bytes() != content:
                write_text(path, content)
        raise


@contextlib.contextmanager
def one_at_a_time(root: Path, command: str) -> Iterator[None]:
    """One `setup` or `lock` at a time in a project: a second one waits. The lock is on the
    project folder (on Windows, a file of the temp folder named after it) and ends with the
    process, however that ends."""
    if sys.platform == "win32":
        key = hashlib.sha256(str(root).encode()).hexdigest()[:16]
        handle = os.open(Path(tempfile.gettempdir(), f"env-py-{key}.lock"), os.O_RDWR | os.O_CREAT)
    else:
        handle = os.open(root, os.O_RDONLY)
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


def follow_kernels(old: Path, new: Path) -> None:
    """Notebook kernels made from the venv (README.md: ipykernel install --user) name its Python
    by path: after the project moved, they name it where it is now."""
    user = Path.home()
    homes = [Path(os.environ.get("APPDATA", user), "jupyter"), user / ".local/share/jupyter"]
    homes += [user / "Library/Jupyter", Path(os.environ.get("JUPYTER_DATA_DIR", user / "none"))]
    for spec in {spec for home in homes for spec in home.glob("kernels/*/kernel.json")}:
        data = json.loads(spec.read_text(encoding="utf-8"))
        python = Path(data.get("argv", [""])[0])
        if python.is_relative_to(old):
            data["argv"][0] = str(new / python.relative_to(old))
            write_text(spec, json.dumps(data, indent=1) + "\n")
            say(f"the notebook kernel {spec.parent.name} runs the venv's Python where it is now")
