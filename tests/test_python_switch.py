"""Switching Python: `setup --python X.Y` switches every file, the locks and the venv together,
or nothing at all; a hand edit or an undo is repaired by a plain `setup`."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys

from helpers import HOST_PYTHON, LOCKS, OFFLINE, bake, clean_env

FILES = [".python-version", "Dockerfile", *LOCKS]


def snapshot(project) -> dict[str, bytes]:
    return {name: (project.path / name).read_bytes() for name in FILES}


def test_setup_python_switches_every_file_the_locks_and_the_venv(cookies, other_python, registry):
    version = other_python
    project = bake(cookies, init_git=False)
    done = project.env_py("setup", "--python", version)
    assert f"the locks were written for Python {HOST_PYTHON}, the project now uses {version}: locking first" in (
        done.stdout)
    assert f"venv/ is built anew beside the old one, because: python: the venv has {HOST_PYTHON}." in done.stdout
    assert project.read(".python-version") == f"{version}\n"
    base = f"python:{version}-slim-trixie@{registry.digest(f'{version}-slim-trixie')}"
    assert re.findall(r"(?m)^FROM (\S+)", project.read("Dockerfile")) == [base, base]
    assert f'target-version = "py{version.replace(".", "")}"' in project.read("pyproject.toml")  # ruff's
    assert f"# Python {version}, for Linux x86_64, macOS arm64, Windows x86_64;" in project.read("requirements.lock")
    assert project.python_version() == version
    assert project.env_py("check").returncode == 0
    readme = project.read("README.md").replace("setup --python 3.13", "")  # its example
    assert HOST_PYTHON not in readme  # nothing else names the version


def test_a_switch_that_cannot_lock_changes_nothing_and_keeps_the_venv(cookies, other_python):
    project = bake(cookies, init_git=False)
    before = snapshot(project)
    done = project.env_py("setup", "--python", other_python, check=False, env={**OFFLINE, "UV_NO_CACHE": "1"})
    assert done.returncode == 1 and "cannot be reached" in done.stderr
    assert snapshot(project) == before
    assert project.python_version() == HOST_PYTHON
    assert project.env_py("check").returncode == 0


def test_an_interrupted_switch_changes_nothing_and_keeps_the_venv(cookies, other_python):
    project = bake(cookies, init_git=False)
    before = snapshot(project)
    setup = subprocess.Popen([sys.executable, "scripts/env.py", "setup", "--python", other_python],
                             cwd=project.path, env=clean_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True, start_new_session=True)
    for line in setup.stdout:  # Ctrl-C once the new venv is being made
        if "creating venv.new/" in line:
            os.killpg(setup.pid, signal.SIGINT)
            break
    _, err = setup.communicate(timeout=60)
    again = f"are as they were: `python3 scripts/env.py setup --python {other_python}` switches again"
    assert setup.returncode == 130 and again in err, err
    assert snapshot(project) == before
    assert project.python_version() == HOST_PYTHON
    assert project.env_py("check").returncode == 0


def test_setup_python_with_a_python_that_is_not_there_changes_nothing(cookies):
    project = bake(cookies, init_git=False)
    before = snapshot(project)
    done = project.env_py("setup", "--python", "3.99", check=False)
    assert done.returncode == 1 and "no Python 3.99 found" in done.stderr
    assert snapshot(project) == before


def test_an_undone_switch_is_repaired_by_a_plain_setup(cookies, other_python):
    """`setup --python X` then `git checkout -- .`: check says run setup, and setup does it."""
    project = bake(cookies)
    project.env_py("setup", "--python", other_python)
    project.run("git", "checkout", "--", ".")
    done = project.env_py("check", check=False)
    assert f"python: the venv has {other_python}." in done.stdout
    assert "run `python3 scripts/env.py setup` to repair" in done.stdout
    project.env_py("setup")
    assert project.python_version() == HOST_PYTHON
    assert project.env_py("check").returncode == 0


def test_a_python_version_that_is_not_installed_points_to_a_switch_that_works(cookies):
    project = bake(cookies, init_git=False)
    (project.path / ".python-version").write_text("3.99\n")
    done = project.env_py("setup", check=False)
    assert done.returncode == 1
    switch = f"`python3 scripts/env.py setup --python {HOST_PYTHON}`"
    assert "no Python 3.99 found" in done.stderr and switch in done.stderr
    project.env_py("setup", "--python", HOST_PYTHON)  # what it says
    assert project.env_py("check").returncode == 0


def test_a_python_past_its_end_of_life_is_refused_alike_by_check_setup_and_switch(cookies):
    project = bake(cookies, init_git=False)
    (project.path / ".python-version").write_text("3.9\n")
    for command in (["check"], ["setup"], ["lock"], ["setup", "--python", "3.9"]):
        done = project.env_py(*command, check=False)
        assert done.returncode == 1 and "Python 3.9 is past its end of life: use 3.10 or newer" in done.stderr
    project.env_py("setup", "--python", HOST_PYTHON)  # what the first three suggest
    assert project.env_py("check").returncode == 0


def test_a_dockerfile_whose_python_disagrees_is_named_and_repaired_by_setup(cookies, registry):
    project = bake(cookies, init_git=False)
    dockerfile = project.path / "Dockerfile"
    dockerfile.write_text(re.sub(r"(?m)^FROM python:\S+", "FROM python:3.10-slim-trixie", dockerfile.read_text()))
    done = project.env_py("check", check=False)
    assert done.returncode == 1
    assert f"Dockerfile: FROM python:3.10-slim-trixie, .python-version says {HOST_PYTHON}" in done.stdout
    assert "run `python3 scripts/env.py setup` to repair" in done.stdout
    repaired = project.env_py("setup")
    tag = f"{HOST_PYTHON}-slim-trixie"
    assert f"the Dockerfile builds on python:{tag}, pinned by digest" in repaired.stdout
    assert f"FROM python:{tag}@{registry.digest(tag)} AS build" in dockerfile.read_text()
    assert project.env_py("check").returncode == 0


def test_a_base_without_digest_says_so_and_lock_pins_it_once_the_registry_answers(cookies, registry):
    project = bake(cookies, init_git=False)
    dockerfile = project.path / "Dockerfile"
    dockerfile.write_text(re.sub(r"@sha256:[0-9a-f]{64}", "", dockerfile.read_text()))
    tag = f"{HOST_PYTHON}-slim-trixie"
    offline = project.env_py("setup", env={"ENV_PY_REGISTRY": "http://127.0.0.1:9"})
    assert f"but Dockerfile: python:{tag} has no digest: `lock` pins it" in offline.stdout  # ready, but
    assert f"the Dockerfile's base python:{tag} has no digest yet (cannot ask" in (
        offline.stdout)
    done = project.env_py("check", check=False)
    assert f"Dockerfile: python:{tag} has no digest: `lock` pins it" in done.stdout
    project.env_py("lock")  # what it says, the registry answering now
    assert f"FROM python:{tag}@{registry.digest(tag)}\n" in dockerfile.read_text()
    assert project.env_py("check").returncode == 0


def test_the_base_digest_has_one_owner_dependabot_and_lock_only_fills_in_a_missing_one(cookies, registry):
    """`lock --upgrade` moves pins, never the base's digest (Dependabot's docker updates do, after
    their cooldown), so the two weekly pull requests never touch the same lines."""
    project = bake(cookies, init_git=False)
    shipped = re.search(r"@(sha256:[0-9a-f]{64})", project.read("Dockerfile")).group(1)
    project.env_py("lock", "--upgrade")
    assert project.read("Dockerfile").count(shipped) == 2
    dockerfile = project.path / "Dockerfile"
    dockerfile.write_text(dockerfile.read_text().replace(f"@{shipped}", ""))
    project.env_py("lock")
    tag = f"{HOST_PYTHON}-slim-trixie"
    assert project.read("Dockerfile").count(f"python:{tag}@{registry.digest(tag)}") == 2


def test_a_ruff_target_that_disagrees_is_named_and_repaired_by_setup(cookies):
    project = bake(cookies, create_venv=False, init_git=False)
    pyproject = project.path / "pyproject.toml"
    pyproject.write_text(re.sub(r'target-version = "py3\d+"', 'target-version = "py310"', pyproject.read_text()))
    project.env_py("setup")  # a venv first, so that check compares
    assert 'target-version = "py310"' not in pyproject.read_text()
    pyproject.write_text(re.sub(r'target-version = "py3\d+"', 'target-version = "py310"', pyproject.read_text()))
    done = project.env_py("check", check=False)
    assert f"pyproject.toml: ruff's target-version is py310, .python-version says {HOST_PYTHON}" in done.stdout
    project.env_py("setup")
    assert f'target-version = "py{HOST_PYTHON.replace(".", "")}"' in pyproject.read_text()
    assert project.env_py("check").returncode == 0
