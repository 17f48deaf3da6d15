"""The bake's first commit: every file and the locks, with or without a git identity, and
never inside another work tree."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from helpers import LOCKS, TEMPLATE, bake, clean_env


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
    assert committed == {p for p in on_disk if not p.startswith("venv/") and "__pycache__" not in p}
    assert set(LOCKS) <= committed and not any(p.startswith("venv/") for p in committed)
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
