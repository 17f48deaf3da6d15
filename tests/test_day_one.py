"""A team's first day, for real: `add` and `remove` on every starter, the traces of `pip install
-e .` and `uv add` named by check, `setup --python PATH`, a teammate without the project's
Python, and commits from a shell without the venv, before and after the project moves."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import STARTERS, Baked, bake

IDENTITY = ["-c", "user.name=Ada", "-c", "user.email=ada@example.org"]


def files(project: Baked) -> dict[str, bytes]:
    names = ["requirements.txt", "requirements-dev.txt", "requirements.lock", "requirements-dev.lock"]
    return {name: (project.path / name).read_bytes() for name in names}


@pytest.mark.parametrize("starter", STARTERS)
def test_add_and_remove_edit_lock_and_set_up_in_one_step_keeping_comments(baked, starter):
    project = baked(starter_requirements=starter)
    before = files(project)
    try:
        done = project.env_py("add", "six>=1.16", "--dev")
        assert "requirements-dev.txt now asks for six>=1.16 (say why" in done.stdout and "ready in" in done.stdout
        text = project.read("requirements-dev.txt")
        assert text.startswith(before["requirements-dev.txt"].decode())  # every line and comment kept
        assert text.endswith("six>=1.16\n")
        assert re.search(r"(?m)^six==", project.read("requirements-dev.lock"))
        project.run(project.python, "-c", "import six")
        assert project.env_py("check").returncode == 0

        done = project.env_py("remove", "six", "--dev")  # as it was added (plain `remove` also finds it)
        assert "requirements-dev.txt no longer lists six" in done.stdout
        assert "removing what the locks do not list: six==" in done.stdout
        assert files(project) == before
        assert project.run(project.python, "-c", "import six", check=False).returncode == 1

        bad = project.env_py("add", "no-such-package-f7c1e9", check=False)
        assert bad.returncode == 1
        last = bad.stderr.strip().splitlines()[-1]
        assert last.startswith("env.py: add stopped: writing requirements.lock failed")
        assert "no version of no-such-package-f7c1e9 was found" in last and "are as they were" in last
        assert files(project) == before and project.env_py("check").returncode == 0
        refused = project.env_py("add", "git+https://example.org/tool.git", check=False)
        assert refused.stderr.strip() == ("env.py: add stopped: 'git+https://example.org/tool.git' is not a"
                                          " requirement: use a name with optional bounds, like httpx or 'httpx>=0.28'")
        gone = project.env_py("remove", "left-pad", check=False)
        assert gone.stderr.strip().endswith("left-pad is in neither requirements.txt nor requirements-dev.txt")
        gone = project.env_py("remove", "--dev", "left-pad", check=False)
        assert gone.stderr.strip().endswith("left-pad is not in requirements-dev.txt")
    finally:  # the shared bake as it was
        for name, content in before.items():
            (project.path / name).write_bytes(content)
        project.env_py("setup")


def test_check_names_the_traces_of_pip_install_e_and_uv_add_and_what_to_do(cookies):
    project = bake(cookies, init_git=False)
    project.run(project.python, "-m", "pip", "install", "--quiet", "-e", ".")
    (project.path / "uv.lock").write_text("version = 1\n")  # what `uv add` leaves beside the locks
    with open(project.path / "pyproject.toml", "a") as pyproject:
        pyproject.write('\n[dependency-groups]\ndev = ["six"]\n')
    (project.path / ".venv" / "bin").mkdir(parents=True)  # what `uv sync` makes beside venv/
    done = project.env_py("check", check=False)
    assert done.returncode == 1 and done.stdout.startswith("env.py: not in sync:\n")
    assert ".venv/: made by `uv sync` or `uv venv`, a second venv that nothing here uses" in done.stdout
    assert "to repair the others" in done.stdout and "; the traces of other tools are yours to delete" in done.stdout
    assert "my_project.egg-info/: `pip install -e .` installed the project into the venv" in done.stdout
    assert "uv.lock: made by `uv add` or `uv sync`" in done.stdout
    assert "pyproject.toml: a [project] or [dependency-groups] table" in done.stdout
    assert "to keep one" not in done.stdout  # the project itself is not a package to keep
    # setup removes the install, as check said, and names what is left for the user to delete:
    # "ready" alone would tell someone who runs only setup that all is well.
    setup = project.env_py("setup").stdout
    assert "env.py: but uv.lock: made by `uv add` or `uv sync`" in setup
    assert "env.py: but .venv/: made by `uv sync`" in setup and "env.py: but pyproject.toml: a [project]" in setup
    assert "egg-info" not in setup.split("ready in")[1]  # the install is gone: nothing to say of it
    shutil.rmtree(project.path / "my_project.egg-info")
    (project.path / "uv.lock").unlink()
    shutil.rmtree(project.path / ".venv")
    pyproject = project.path / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().split("\n[dependency-groups]")[0])
    assert project.env_py("check").returncode == 0


def test_setup_takes_a_path_to_an_interpreter_and_finds_it_again_off_path(cookies, other_python, tmp_path):
    interpreter = shutil.which(f"python{other_python}")
    project = bake(cookies, init_git=False)
    done = project.env_py("setup", "--python", interpreter)
    assert f"the project now uses Python {other_python}" in done.stdout
    assert project.read(".python-version") == f"{other_python}\n" and project.python_version() == other_python
    off_path = os.pathsep.join(p for p in os.environ["PATH"].split(os.pathsep)
                               if not Path(p, f"python{other_python}").exists())
    again = project.env_py("setup", env={"PATH": off_path})  # found as the venv's own base
    assert "ready in" in again.stdout and project.env_py("check", env={"PATH": off_path}).returncode == 0
    refused = project.env_py("setup", "--python", str(tmp_path / "nothing"), check=False)
    assert refused.stderr.strip().endswith("is neither a version like 3.12 nor a Python that runs")


def test_a_teammate_without_the_projects_python_is_told_how_to_get_it_first(cookies):
    project = bake(cookies, create_venv=False, init_git=False)
    (project.path / ".python-version").write_text("3.99\n")  # a Python no machine has
    done = project.env_py("setup", check=False)
    line = done.stderr.strip().splitlines()[-1]
    assert line.startswith("env.py: setup stopped: no Python 3.99 found")
    assert line.index("install it with") < line.index("python.org") < line.index("decision for the whole team")


def commit(project: Baked, cwd: Path, message: str) -> subprocess.CompletedProcess:
    """A commit as an editor makes it: no venv active, none of its tools on PATH."""
    env = {"PATH": os.pathsep.join(p for p in os.environ["PATH"].split(os.pathsep)
                                   if not Path(p, "ruff").exists() and not Path(p, "pre-commit").exists())}
    return project.run("git", *IDENTITY, "commit", "--quiet", "-m", message, cwd=cwd, env=env)


def test_commits_run_the_hooks_without_the_venv_active_and_after_the_project_moves(cookies, tmp_path):
    project = bake(cookies)
    project.env_py("run", "pre-commit", "install")
    (project.path / "my_project" / "extra.py").write_text('"""More."""\n\nVALUE = 1\n')
    project.run("git", "add", "--all")
    done = commit(project, project.path, "Add a module")
    for hook in ("ruff check", "ruff format", "mypy"):
        assert re.search(rf"{hook}\.+Passed", done.stderr), done.stderr
    moved = tmp_path / "moved" / "my_project"
    moved.parent.mkdir()
    shutil.move(project.path, moved)
    check = project.run(sys.executable, "scripts/env.py", "check", cwd=moved, check=False)
    assert f"git hook: it runs pre-commit from {project.venv / 'bin' / 'python'}, not from venv/" in check.stdout
    setup = project.run(sys.executable, "scripts/env.py", "setup", cwd=moved)
    assert "the git hook of pre-commit now runs this venv's checks" in setup.stdout
    (moved / "my_project" / "extra.py").write_text('"""More."""\n\nVALUE = 2\n')
    project.run("git", "add", "--all", cwd=moved)
    done = commit(project, moved, "Change the module")
    assert re.search(r"mypy\.+Passed", done.stderr), done.stderr
