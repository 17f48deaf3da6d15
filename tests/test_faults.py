"""Faults a project meets, injected for real: signals at the worst moment, a non-ASCII path under
LC_ALL=C, damage that stops a venv from starting or activating, a lock cut short, two packages
that install one file, no network. Each ends in one line, loses nothing, `check` tells the truth
before and after, and one documented command repairs it."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from helpers import LOCKS, Baked, bake, clean_env, moved_back, pins, replace_file


def stop_at(project: Baked, words: str, number: int, *args: str, wait: float = 0) -> tuple[int, str]:
    """Runs env.py, sends signal `number` `wait` seconds after it prints `words`; its exit
    status and all it said."""
    process = subprocess.Popen([sys.executable, "scripts/env.py", *args], cwd=project.path, text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=clean_env())
    said = []
    for line in process.stdout:
        said.append(line)
        if words in line:
            time.sleep(wait)
            process.send_signal(number)
            break
    said += process.stdout.readlines()
    return process.wait(), "".join(said)


def state(project: Baked) -> dict[str, bytes]:
    names = [*LOCKS, ".python-version", "Dockerfile", "pyproject.toml", "requirements.txt"]
    return {name: (project.path / name).read_bytes() for name in names}


def assert_one_line_and_repaired(project: Baked, said: str, before: dict[str, bytes] | None = None) -> None:
    lines = [line for line in said.splitlines() if "interrupted" in line]
    assert len(lines) == 1 and "Traceback" not in said, said
    if before is not None:
        assert state(project) == before
    assert not list(project.path.glob(".*.tmp"))
    project.env_py("setup")
    assert project.env_py("check").returncode == 0


@pytest.mark.parametrize("number", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT], ids=["TERM", "HUP", "INT"])
def test_a_python_switch_stopped_by_any_signal_changes_nothing(cookies, other_python, number):
    project = bake(cookies, init_git=False)
    before = state(project)
    code, said = stop_at(project, "installing requirements-dev.lock", number, "setup", "--python", other_python)
    assert code == 130, said
    again = f"`python3 scripts/env.py setup --python {other_python}` switches again"
    assert f"the Dockerfile and pyproject.toml are as they were: {again}" in said and said.count("as they") == 1
    assert project.python_version() != other_python and project.env_py("check").returncode == 0
    assert_one_line_and_repaired(project, said, before)


@pytest.mark.parametrize("number", [signal.SIGHUP, signal.SIGTERM], ids=["HUP", "TERM"])
def test_a_lock_stopped_by_a_signal_leaves_the_locks_as_they_were(cookies, number):
    project = bake(cookies, init_git=False)
    project.add_requirement("six")
    before = state(project)
    code, said = stop_at(project, "writing requirements-dev.lock", number, "lock")
    assert code == 130 and "the locks are as they were" in said, said
    assert_one_line_and_repaired(project, said, before)


def test_a_killed_lock_is_named_for_what_it_left_and_the_next_setup_repairs_it(cookies):
    project = bake(cookies, init_git=False)
    project.add_requirement("six")
    code, said = stop_at(project, "writing requirements-dev.lock", signal.SIGKILL, "lock", wait=0.3)
    assert code == -signal.SIGKILL
    check = project.env_py("check", check=False)  # the lock holds bare pins, as uv is given them
    assert check.returncode == 1 and "requirements-dev.lock is incomplete (it has no header" in check.stdout
    assert "removes" not in check.stdout  # nothing is measured against a lock about to be rewritten
    project.env_py("setup")
    assert project.env_py("check").returncode == 0 and not list(project.path.glob(".*.tmp"))


def test_a_first_build_stopped_leaves_no_half_venv(cookies):
    project = bake(cookies, create_venv=False, init_git=False)
    code, said = stop_at(project, "installing requirements-dev.lock", signal.SIGINT, "setup")
    assert code == 130 and "env.py: setup interrupted: venv/ was not made (run setup again to build it)" in said
    assert not project.venv.exists()
    assert project.env_py("check", check=False).returncode == 2  # no venv: nothing to check
    assert_one_line_and_repaired(project, said)


@pytest.mark.parametrize("python", ["host", "other"])
def test_a_venv_in_a_non_ascii_path_starts_under_the_c_locale(cookies, tmp_path, request, python):
    answers = {"python_version": request.getfixturevalue("other_python")} if python == "other" else {}
    project = bake(cookies, init_git=False, create_venv=False, **answers)
    moved = tmp_path / "café" / "my_project"
    moved.parent.mkdir()
    project.path.rename(moved)
    project.path, project.venv, project.python = moved, moved / "venv", moved / "venv" / "bin" / "python"
    c_locale = {"LC_ALL": "C", "LANG": "C"}
    project.env_py("setup", env=c_locale)
    done = project.run(project.python, "-c", "import my_project; print('started')", env=c_locale)
    assert done.stdout == "started\n" and done.stderr == ""
    assert project.env_py("check", env=c_locale).returncode == 0


@pytest.mark.parametrize("damage, words", [
    ("activate", "activation: activate is missing"),
    ("pyvenv.cfg", "pyvenv.cfg: missing, so the venv's python runs as its base Python"),
    ("failing-pth", "zz-team-tool.pth, line 1: ModuleNotFoundError: No module named 'no_such_module_of_anyone'"),
    ("uv-truncated", "uv: 1 of its files is missing or changed (../../../bin/uv)"),
])
def test_damage_that_stops_a_venv_starting_or_activating_is_named_and_repaired(cookies, damage, words, tmp_path):
    project = bake(cookies, init_git=False)
    site = project.site_packages()
    if damage == "activate":
        (project.venv / "bin" / "activate").unlink()
    elif damage == "pyvenv.cfg":
        (project.venv / "pyvenv.cfg").unlink()
    elif damage == "failing-pth":
        (site / "zz-team-tool.pth").write_text("import no_such_module_of_anyone\n")
    else:
        replace_file(project.venv / "bin" / "uv", b"\x7fELF")  # never through uv's hard link to its cache
    no_uv = os.pathsep.join(p for p in clean_env()["PATH"].split(os.pathsep) if not Path(p, "uv").exists())
    env = {"PATH": no_uv, "XDG_CACHE_HOME": str(tmp_path / "cache")}  # no other uv to fall back on
    check = project.env_py("check", check=False, env=env)
    assert check.returncode == 1 and words in check.stdout, check.stdout
    assert len(check.stdout.splitlines()) < 6  # the cause, not a page of symptoms
    assert check.stdout.count(words) == 1  # once, though a venv's lib64 is its lib again
    if damage == "pyvenv.cfg":  # a tool run through env.py says so too, rather than failing at import
        run = project.env_py("run", "pytest", check=False, env=env)
        assert run.returncode == 2 and run.stderr == (
            "env.py: venv/ has no pyvenv.cfg: run `python3 scripts/env.py setup` to repair it\n")
    repaired = project.env_py("setup", env=env)
    assert "ready in" in repaired.stdout
    assert project.env_py("check", env=env).returncode == 0
    project.run("bash", "-c", f"source {project.venv}/bin/activate && python -c 'import my_project'")


def test_a_lock_cut_short_is_named_as_such_and_setup_relocks_removing_nothing(cookies):
    project = bake(cookies, init_git=False)
    lock = project.path / "requirements-dev.lock"
    lock.write_text(lock.read_text()[: len(lock.read_text()) // 3])
    before = project.freeze()
    check = project.env_py("check", check=False)
    assert "requirements-dev.lock was edited by hand since `lock` wrote it" in check.stdout
    assert "extra:" not in check.stdout and "(it writes the locks first" in check.stdout
    setup = project.env_py("setup")
    assert "requirements-dev.lock was edited by hand (its pins are kept where they fit" \
        " requirements*.txt): locking first" in setup.stdout
    after = pins("\n".join(project.freeze()))  # (releases made since the bake may come in)
    assert "removing" not in setup.stdout and not moved_back(pins("\n".join(before)), after)


def test_a_lock_cut_short_in_a_git_project_comes_back_as_last_committed(cookies):
    """The pins the cut took are not chosen anew (newer releases would come in): uv is given
    them as they were last committed, so the repaired lock is the committed one, byte for byte."""
    project = bake(cookies)
    lock = project.path / "requirements-dev.lock"
    good = lock.read_bytes()
    lock.write_text(lock.read_text()[: len(lock.read_text()) // 2])
    check = project.env_py("check", check=False)
    assert "; pins edited by hand are kept: `git checkout` a lock to drop them" in check.stdout
    project.env_py("setup")
    assert lock.read_bytes() == good and project.env_py("check").returncode == 0


def test_offline_with_uvs_cache_warm_a_lost_venv_is_rebuilt_from_the_cache(cookies):
    project = bake(cookies, init_git=False)
    project.run("rm", "-rf", project.venv)
    no_network = {"HTTPS_PROXY": "http://127.0.0.1:9", "HTTP_PROXY": "http://127.0.0.1:9", "UV_HTTP_RETRIES": "0"}
    done = project.env_py("setup", env=no_network)  # the same index, out of reach
    assert "ready in" in done.stdout and "cannot be reached" not in done.stdout + done.stderr
    assert project.env_py("check").returncode == 0


def test_an_unanswered_registry_gets_the_same_advice_from_check_and_setup(cookies):
    project = bake(cookies, init_git=False)
    dockerfile = project.path / "Dockerfile"
    dockerfile.write_text(re.sub(r"@sha256:[0-9a-f]{64}", "", dockerfile.read_text()))
    offline = {"ENV_PY_REGISTRY": "http://127.0.0.1:9"}
    setup = project.env_py("setup", env=offline)
    check = project.env_py("check", check=False, env=offline)
    assert "has no digest" in setup.stdout and "has no digest" in check.stdout
    assert "to repair" not in check.stdout  # setup cannot: it is not offered
    assert "`python3 scripts/env.py lock` pins the base once Docker Hub (or ENV_PY_REGISTRY) answers" in check.stdout


def test_from_another_folder_the_activate_line_is_whole(cookies, tmp_path):
    project = bake(cookies, init_git=False)
    done = project.run(sys.executable, project.path / "scripts" / "env.py", "setup", cwd=tmp_path)
    assert f"Activate the venv with: source {project.venv}/bin/activate" in done.stdout


def test_a_notebook_kernel_of_the_venv_follows_the_project_when_it_moves(baked, tmp_path):
    """README.md registers the venv as a kernel with `ipykernel install --user`, which names the
    venv's Python by path; setup points it at the moved project."""
    project = baked(starter_requirements="data-science")
    jupyter = {"JUPYTER_DATA_DIR": str(tmp_path / "jupyter")}
    project.run(project.python, "-m", "ipykernel", "install", "--user", "--name", "my_project", env=jupyter)
    moved = tmp_path / "moved"
    project.path.rename(moved)
    try:
        project.run(sys.executable, "scripts/env.py", "setup", cwd=moved, env=jupyter)
        spec = json.loads((tmp_path / "jupyter/kernels/my_project/kernel.json").read_text())
        assert spec["argv"][0] == str(moved / "venv" / "bin" / "python")
        project.run(spec["argv"][0], "-c", "import ipykernel, my_project", cwd=moved)
    finally:  # the shared bake goes back where it was
        moved.rename(project.path)
        project.env_py("setup")
