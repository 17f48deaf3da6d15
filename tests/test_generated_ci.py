"""The generated CI's commands, run for real on a fresh clone of a baked project."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from helpers import clean_env, run_steps


def test_ci_steps_pass_in_order_on_a_fresh_clone(baked, tmp_path):
    """What CI does on a push, on a clone of the first commit.

    `python` and `python3` are the plain interpreter of .python-version (as actions/setup-python
    leaves them), with no uv anywhere: the standard-library path.
    """
    project = baked()
    clone = tmp_path / "clone"
    project.run("git", "clone", "--quiet", project.path, clone)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name in ("python", "python3"):
        (bin_dir / name).symlink_to(Path(sys.base_prefix) / "bin" / f"python{project.context['python_version']}")
    path = os.pathsep.join([str(bin_dir)] + [p for p in clean_env()["PATH"].split(os.pathsep)
                                              if not (Path(p) / "uv").exists()])
    env = clean_env(PATH=path, XDG_CACHE_HOME=str(tmp_path / "cache"),  # a runner never had uv
                    UV_CACHE_DIR=os.environ.get("UV_CACHE_DIR", os.path.expanduser("~/.cache/uv")))
    ci = clone / ".github/workflows/ci.yml"
    [lock_check] = run_steps(ci, "locks", clone, env)
    assert "match requirements*.txt" in lock_check.stdout
    # uv's downloads go where the cache step keeps them for the next run.
    runner = tmp_path / "runner"
    setup, check, tests = run_steps(ci, "test", clone, env, {"runner.temp": str(runner)})
    assert any((runner / "uv-cache").iterdir())
    assert "with pip, once for this machine" in setup.stdout
    assert "in sync" in check.stdout
    assert "1 passed" in tests.stdout
    # The weekly refresh, run whole against stand-ins for GitHub, is in test_weekly_jobs.py.
