"""A team's standard, checked for real: the pre-commit hooks run from the venv and stop a commit
whose locks are stale, and sp-repo-review passes every check that applies to an application
(the exceptions are docs/code-checks.md's table, each with its reason)."""

from __future__ import annotations

import json
import os
import re
import subprocess

import pytest
from helpers import STARTERS, TEMPLATE, tool

IDENTITY = ["-c", "user.name=Ada", "-c", "user.email=ada@example.org"]


def test_a_commit_that_changes_requirements_without_relocking_is_stopped(baked):
    project = baked(starter_requirements="data-science")
    path = {"PATH": f"{project.venv / 'bin'}{os.pathsep}{os.environ['PATH']}"}  # the venv active
    project.run("pre-commit", "install", env=path)
    try:
        project.add_requirement("six")
        project.run("git", "add", "requirements.txt", env=path)
        refused = project.run("git", *IDENTITY, "commit", "-m", "Add six", check=False, env=path)
        assert refused.returncode != 0
        said = refused.stdout + refused.stderr  # git shows a hook's output on stderr
        assert "requirements.lock is stale" in said and "env.py lock" in said, said
        project.env_py("lock")  # what it says
        project.run("git", "add", "requirements.txt", "requirements.lock", "requirements-dev.lock", env=path)
        done = project.run("git", *IDENTITY, "commit", "-m", "Add six", env=path)
        for hook in ("the locks match requirements*.txt", "ruff check", "ruff format", "mypy"):
            assert re.search(rf"{re.escape(hook)}.*(Passed|Skipped)", done.stderr), done.stderr
    finally:  # the shared bake goes back to its first commit
        project.run("git", "reset", "--hard", "--quiet", "HEAD~1" if "Add six" in project.run(
            "git", "log", "-1", "--format=%s").stdout else "HEAD")
        project.run("pre-commit", "uninstall", env=path)
        project.env_py("setup")


def exceptions() -> dict[str, str]:
    """The checks docs/code-checks.md names as not applying to an application: {id: reason}."""
    section = (TEMPLATE / "docs/code-checks.md").read_text().split("\n## Checks that do not apply\n", 1)[1]
    return dict(re.findall(r"(?m)^\| `([A-Z]+\d+)` \| (.+?) \|$", section.split("\n#", 1)[0]))


@pytest.mark.parametrize("starter", STARTERS)
def test_repo_review_passes_all_but_the_documented_exceptions(baked, starter):
    project = baked(starter_requirements=starter)
    done = subprocess.run([tool("repo-review"), str(project.path), "--format", "json"], capture_output=True,
                          text=True)
    results = json.loads(done.stdout)["checks"]
    failed = {check for check, result in results.items() if result["result"] is False}
    assert failed == set(exceptions()), {check: results[check]["description"] for check in failed ^ set(exceptions())}
