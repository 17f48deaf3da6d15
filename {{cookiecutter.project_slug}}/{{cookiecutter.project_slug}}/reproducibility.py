"""Ties a result to the environment that made it, and refuses to use it in another one.

    rng = seed_everything(42)   # before anything random
    record = fingerprint()      # JSON-ready: save it next to a model or a result
    verify(record)              # later, anywhere: raises EnvironmentMismatch if they differ

The lock is read by scripts/inspector.py, as `scripts/env.py check` reads it, so the
fingerprint lists exactly the packages that `check` compares.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import os
import random
import subprocess
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from scripts import inspector  # the project folder is on the import path, as this package is

ROOT = Path(__file__).resolve().parent.parent
LOCK = ROOT / "requirements.lock"
# Differences that change results: a mismatch. Everything else recorded is only a note:
# a Debian image and a macOS laptop with the same packages and Python must agree.
NOTES = ["python_full", "implementation", "os", "machine", "lock_sha256", "pythonhashseed", "git"]


class EnvironmentMismatch(RuntimeError):
    """This environment differs from the one a result was made in."""


def seed_everything(seed: int) -> np.random.Generator:
    """Seeds `random`, NumPy's global state, and torch and tensorflow when they are installed.

    Returns a NumPy Generator for new code: pass it around rather than using global state.
    Not covered: thread scheduling, the BLAS build and GPU kernels can still change results
    between machines (set OMP_NUM_THREADS=1 and deterministic GPU modes where that matters).
    """
    random.seed(seed)
    np.random.seed(seed)
    if importlib.util.find_spec("torch"):  # imported only when installed
        importlib.import_module("torch").manual_seed(seed)
    if importlib.util.find_spec("tensorflow"):
        importlib.import_module("tensorflow").random.set_seed(seed)
    return np.random.default_rng(seed)


def _git() -> dict[str, Any] | None:
    """The commit and whether tracked files changed since, or None outside a git work tree."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True
        )
        status = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
    except OSError:  # no git
        return None
    if head.returncode != 0 or status.returncode != 0:
        return None
    return {"commit": head.stdout.strip(), "dirty": bool(status.stdout.strip())}


def _here() -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    """This interpreter's marker environment, its installed packages, and the lock's pins for it."""
    state = inspector.snapshot(LOCK)
    return state["env"], state["dists"], state["pins"] or {}


def lock_drift() -> list[str]:
    """How the installed runtime packages differ from requirements.lock (empty: they agree)."""
    _, installed, pins = _here()
    return [
        f"{name}: requirements.lock says {pin}, here {installed.get(name, 'not installed')}"
        for name, pin in sorted(pins.items())
        if installed.get(name) != pin
    ]


def fingerprint() -> dict[str, Any]:
    """This environment, as JSON-ready data: Python, system, the runtime lock and its packages."""
    marker_env, installed, pins = _here()
    record: dict[str, Any] = {
        "python": marker_env["python_version"],
        "python_full": marker_env["python_full_version"],
        "implementation": marker_env["platform_python_implementation"],
        "os": marker_env["platform_system"],
        "machine": marker_env["platform_machine"],
        # Text, not bytes: a checkout with CRLF line endings holds the same lock.
        "lock_sha256": hashlib.sha256(LOCK.read_text().encode()).hexdigest(),
        # Each pin of requirements.lock for this platform, and its installed version (or None).
        "packages": {name: installed.get(name) for name in sorted(pins)},
        "pythonhashseed": os.environ.get("PYTHONHASHSEED"),
    }
    git = _git()
    if git:
        record["git"] = git
    return record


def _note(value: object) -> str:
    if isinstance(value, dict) and "commit" in value:  # git
        dirty = " with uncommitted changes" if value.get("dirty") else ""
        return f"{value['commit'][:12]}{dirty}"
    return "unset" if value is None else str(value)


def _shown(packages: dict[str, str | None], name: str) -> str:
    """A package's version, `not installed` (pinned but missing), or `absent` (not pinned)."""
    if name not in packages:
        return "absent"
    return packages[name] or "not installed"


def verify(recorded: dict[str, Any], *, strict: bool = True) -> list[str]:
    """Compares a recorded fingerprint with this environment; returns the notes.

    A different Python MAJOR.MINOR or a differing, missing or extra runtime package is a
    mismatch: raised as one EnvironmentMismatch listing each (a warning if not `strict`).
    """
    here = fingerprint()
    mismatches = []
    if recorded.get("python") != here["python"]:
        mismatches.append(f"python: recorded {recorded.get('python')}, here {here['python']}")
    before, now = recorded.get("packages", {}), here["packages"]
    for name in sorted(before.keys() | now.keys()):
        if before.get(name, "absent") != now.get(name, "absent"):
            mismatches.append(f"{name}: recorded {_shown(before, name)}, here {_shown(now, name)}")
    notes = [
        f"{key}: recorded {_note(recorded.get(key))}, here {_note(here.get(key))}"
        for key in NOTES
        if recorded.get(key) != here.get(key)
    ]
    if mismatches:
        message = "this environment differs from the recorded one:\n  " + "\n  ".join(mismatches)
        if strict:
            raise EnvironmentMismatch(message)
        warnings.warn(message, stacklevel=2)
    return notes
