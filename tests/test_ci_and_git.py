"""Day two of a baked project: its CI commands run for real, `lock --check`, and its first commit."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import OFFLINE, TEMPLATE, bake, clean_env, workflow_jobs

BOTH_LOCKS = ["requirements.lock", "requirements-dev.lock"]


def run_steps(workflow: Path, job: str, cwd: Path, env: dict) -> list[subprocess.CompletedProcess]:
    """Runs a job's plain `run:` steps in order, with bash as Actions runs them."""
    done = []
    for step in workflow_jobs(workflow)[job]["steps"]:
        if "run" in step:
            result = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
                                    cwd=cwd, env=env, capture_output=True, text=True)
            assert result.returncode == 0, f"{job}: {step['name']}\n{result.stdout}\n{result.stderr}"
            done.append(result)
    return done


def test_ci_steps_pass_in_order_on_a_fresh_clone(baked, tmp_path):
    """What CI does on a push, then what the weekly refresh does, on a clone of the first commit.

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
    env = clean_env(PATH=path)
    ci = clone / ".github/workflows/ci.yml"
    [lock_check] = run_steps(ci, "locks", clone, env)
    assert "match requirements*.txt" in lock_check.stdout
    setup, check, tests = run_steps(ci, "test", clone, env)
    assert "installing uv into venv/ with pip (as requirements-dev.lock pins it)" in setup.stdout
    assert "in sync" in check.stdout
    assert "1 passed" in tests.stdout
    # The refresh workflow's commands re-resolve the locks, which then match their inputs.
    run_steps(clone / ".github/workflows/refresh-locks.yml", "refresh", clone, env)
    changed = subprocess.run(["git", "status", "--porcelain"], cwd=clone, capture_output=True, text=True)
    assert {line[3:] for line in changed.stdout.splitlines()} <= set(BOTH_LOCKS)
    assert run_steps(ci, "locks", clone, env)[0].returncode == 0


STALE = [
    pytest.param("requirements.txt", "six\n", BOTH_LOCKS, id="runtime-requirement-added"),
    pytest.param("requirements-dev.txt", "six\n", ["requirements-dev.lock"], id="dev-requirement-added"),
    pytest.param(".python-version", None, BOTH_LOCKS, id="python-version-changed"),
]


@pytest.mark.parametrize("edited, line, stale", STALE)
def test_lock_check_names_each_stale_lock_and_the_fix_without_network(cookies, edited, line, stale):
    project = bake(cookies, init_git=False)
    fresh = project.env_py("lock", "--check", env=OFFLINE)
    assert fresh.returncode == 0, fresh.stdout + fresh.stderr
    assert "requirements.lock and requirements-dev.lock match" in fresh.stdout
    path = project.path / edited
    path.write_text(path.read_text() + line if line else "3.99\n")
    drift = project.env_py("lock", "--check", check=False, env=OFFLINE)
    assert drift.returncode == 1
    for lock in BOTH_LOCKS:
        assert (f"env.py: {lock} is stale" in drift.stdout) == (lock in stale), drift.stdout
    assert "fix: run `python3 scripts/env.py lock` (then `setup`), and commit the locks" in drift.stdout
    if line:  # the fix it names works
        project.env_py("lock")
        assert project.env_py("lock", "--check", env=OFFLINE).returncode == 0


def test_comments_and_blank_lines_do_not_make_a_lock_stale(cookies):
    project = bake(cookies, init_git=False)
    path = project.path / "requirements.txt"
    path.write_text("# A new comment, as a template update may bring.\n\n" + path.read_text() + "   \n")
    assert project.env_py("lock", "--check", env=OFFLINE).returncode == 0


def test_lock_check_names_a_missing_lock(cookies):
    project = bake(cookies, create_venv=False, init_git=False)
    (project.path / "requirements.lock").unlink()
    done = project.env_py("lock", "--check", check=False, env=OFFLINE)
    assert done.returncode == 1
    assert "env.py: requirements.lock is missing" in done.stdout


# ---- the first commit --------------------------------------------------------------------


@pytest.fixture
def git_config(tmp_path, monkeypatch):
    """The only git configuration file bakes see, not there at first: no identity at all."""
    config = tmp_path / "gitconfig"
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(config))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for name in ("GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL", "EMAIL"):
        monkeypatch.delenv(name, raising=False)
    return config


def git(path: Path, *args) -> str:
    done = subprocess.run(["git", *args], cwd=path, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_bake_commits_every_file_and_the_locks_with_the_answers_as_identity(cookies, capfd, git_config):
    project = bake(cookies, author_name="Ada Lovelace", author_email="ada@example.org")
    out, _ = capfd.readouterr()
    assert "Made a git repository with one commit of every file (the venv is not in it)." in out
    assert "git has no user.name: the commit has 'Ada Lovelace' from the answers" in out
    assert "the locks are not in it yet" not in out
    assert git(project.path, "rev-list", "--count", "HEAD") == "1"
    assert git(project.path, "status", "--porcelain", "--ignored=no") == ""
    on_disk = {p.relative_to(project.path).as_posix() for p in project.path.rglob("*")
               if p.is_file() and ".git" not in p.relative_to(project.path).parts}
    committed = set(git(project.path, "ls-files").splitlines())
    assert committed == {p for p in on_disk if not p.startswith("venv/")}
    assert set(BOTH_LOCKS) <= committed and not any(p.startswith("venv/") for p in committed)
    assert git(project.path, "log", "-1", "--format=%an <%ae>|%cn <%ce>") == (
        "Ada Lovelace <ada@example.org>|Ada Lovelace <ada@example.org>")
    assert git(project.path, "symbolic-ref", "--short", "HEAD") == "main"
    # The identity was for that commit only: no git config file got it.
    assert not git_config.exists()
    local = subprocess.run(["git", "config", "--local", "--get-regexp", "^user\\."], cwd=project.path,
                           capture_output=True, text=True)
    assert local.stdout == ""


def test_a_configured_identity_and_branch_name_are_used(cookies, capfd, git_config):
    git_config.write_text("[user]\n\tname = Grace Hopper\n\temail = grace@example.org\n"
                          "[init]\n\tdefaultBranch = trunk\n")
    project = bake(cookies, create_venv=False)
    out, _ = capfd.readouterr()
    assert "git has no" not in out and "the locks are not in it yet" not in out
    assert {"requirements.lock", "requirements-dev.lock"} <= set(git(project.path, "ls-files").split())
    assert git(project.path, "log", "-1", "--format=%an <%ae>") == "Grace Hopper <grace@example.org>"
    assert git(project.path, "symbolic-ref", "--short", "HEAD") == "trunk"


def test_without_locks_the_first_commit_says_how_to_add_them(cookies, capfd):
    """A Python the template ships no locks for, and no venv step: nothing has written the locks yet."""
    project = bake(cookies, python_version="3.99", create_venv=False)
    out, _ = capfd.readouterr()
    assert "The template ships no locks for Python 3.99: setup resolves them from the package index." in out
    assert "the locks are not in it yet: once setup has written them, commit them with" in out
    assert git(project.path, "status", "--porcelain") == ""


def test_inside_an_existing_work_tree_no_repository_is_made(tmp_path, git_config):
    outer = tmp_path / "monorepo"
    outer.mkdir()
    git(outer, "init", "--quiet")
    done = subprocess.run([sys.executable, "-m", "cookiecutter", "--no-input", "-o", str(outer / "services"),
                           str(TEMPLATE), "create_venv=false"], capture_output=True, text=True, env=clean_env())
    assert done.returncode == 0, done.stderr
    assert (f"No git repository was made: the project is inside the git work tree {outer}"
            " (GitHub runs only the workflows in its root's .github/).") in done.stdout
    assert not (outer / "services/my_project/.git").exists()
    assert subprocess.run(["git", "rev-parse", "HEAD"], cwd=outer, capture_output=True).returncode != 0


def test_without_git_the_bake_ends_well_and_says_so(cookies, capfd, monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))  # no git (the hooks run with an absolute python)
    project = bake(cookies, create_venv=False)
    out, _ = capfd.readouterr()
    assert "No git repository was made: git is not installed." in out
    assert not (project.path / ".git").exists()


def test_a_failing_git_keeps_the_project_and_says_why(cookies, capfd, git_config, tmp_path):
    hooks = tmp_path / "hooks"
    hooks.mkdir()
    (hooks / "pre-commit").write_text("#!/bin/sh\necho 'refused by a pre-commit hook' >&2\nexit 1\n")
    (hooks / "pre-commit").chmod(0o755)
    git_config.write_text(f"[core]\n\thooksPath = {hooks}\n")
    project = bake(cookies, create_venv=False)
    out, _ = capfd.readouterr()
    assert "git commit failed, the project is kept as it is: refused by a pre-commit hook" in out
    assert (project.path / "README.md").is_file()


def test_init_git_false_makes_no_repository(cookies, capfd):
    project = bake(cookies, create_venv=False, init_git=False)
    out, _ = capfd.readouterr()
    assert not (project.path / ".git").exists()
    assert "git repository" not in out
