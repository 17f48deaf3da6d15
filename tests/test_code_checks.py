"""A team's standard, checked for real: the pre-commit hooks run from the venv and stop a commit
whose locks are stale, the checks pass on the project's code however they are typed and never
read a venv, and sp-repo-review passes every check that applies to an application (the
exceptions are docs/code-checks.md's table, each with its reason)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess

import pytest
from helpers import STARTERS, TEMPLATE, tool

IDENTITY = ["-c", "user.name=Ada", "-c", "user.email=ada@example.org"]
# The checks as people type them: (folder, command). Plain `mypy` reads pyproject.toml's `files`.
CHECKS = [(".", ["mypy"]), (".", ["mypy", "."]), (".", ["ruff", "check", "."]),
          (".", ["ruff", "format", "--check", "."]), ("tests", ["mypy", "."])]
# Code that every check refuses: an unused import, a wrong type, a missing space.
BAD = "import os\nx: int=''\n"
VENVS = [pytest.param(starter, {}, id=starter) for starter in STARTERS] + [
    pytest.param("none", {"venv_dir": name}, id=f"none-{name}") for name in (".venv", "py-env.3")]


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


@pytest.mark.parametrize("starter, answers", VENVS)
def test_the_code_checks_pass_however_typed_and_never_read_a_venv(baked, tmp_path, starter, answers):
    project = baked(starter_requirements=starter, **answers)
    name = project.venv.name
    env = {"PATH": f"{project.venv / 'bin'}{os.pathsep}{os.environ['PATH']}",  # the venv active
           "MYPY_CACHE_DIR": str(tmp_path / "mypy"), "RUFF_CACHE_DIR": str(tmp_path / "ruff")}
    # Beside the venv, what an interrupted setup leaves: the venv it was building, the one set aside.
    venvs = [project.venv, project.path / f"{name}.new", project.path / f"{name}.old"]
    try:
        for venv in venvs[1:]:
            project.run(project.venv / "bin/uv", "venv", "--quiet", venv.name)
        for venv in venvs:
            assert (venv / "bin/activate_this.py").is_file()  # what `mypy .` stumbled on
            (venv / "bad.py").write_text(BAD)
            # Each check does refuse the file when it is named, so passing below means not read.
            bad = f"{venv.name}/bad.py"
            for check in (["mypy", bad], ["ruff", "check", "--no-force-exclude", bad],
                          ["ruff", "format", "--check", "--no-force-exclude", bad]):
                assert project.run(*check, check=False, env=env).returncode == 1, check
        done = {" ".join(command) + f" (in {folder})": project.run(*command, env=env, cwd=project.path / folder)
                for folder, command in CHECKS}
        files = {re.search(r"in (\d+) source files?", run.stdout)[1] for command, run in done.items()
                 if "mypy" in command and "tests" not in command}
        assert len(files) == 1, done  # `mypy .` checks exactly what `mypy` does
    finally:  # the shared bake goes back to how it was made
        (project.venv / "bad.py").unlink(missing_ok=True)
        for venv in venvs[1:]:
            shutil.rmtree(venv, ignore_errors=True)


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
