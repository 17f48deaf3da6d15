"""Template versions that exist: CHANGELOG.md names each version's commit, the tag script makes
exactly those tags on a clone, and a project made from a listed version updates to the newest."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import TEMPLATE, clean_env, tool

CHANGELOG = (TEMPLATE / "CHANGELOG.md").read_text()
RELEASED = re.findall(r"(?m)^## (v\d+\.\d+\.\d+) — \S+ — commit ([0-9a-f]{40})$", CHANGELOG)


@pytest.fixture
def clone(tmp_path) -> Path:
    """A clone of this repository, with the working tree's CHANGELOG.md and tag script."""
    if subprocess.run(["git", "rev-parse", "--is-shallow-repository"], cwd=TEMPLATE, capture_output=True,
                      text=True).stdout.strip() != "false":
        pytest.fail("the versions' commits need the whole history: clone without --depth", pytrace=False)
    repo = tmp_path / "template"
    subprocess.run(["git", "clone", "--quiet", "--no-tags", str(TEMPLATE), str(repo)], check=True)
    # The newest is followed on `main`, whatever this checkout's branch is (or none, detached).
    subprocess.run(["git", "checkout", "--quiet", "-B", "main"], cwd=repo, check=True)
    for name in ("CHANGELOG.md", "maintenance/tag_versions.py"):
        shutil.copyfile(TEMPLATE / name, repo / name)
    return repo


def tags(repo: Path) -> dict[str, str]:
    out = subprocess.run(["git", "tag", "--format=%(refname:short) %(objectname)"], cwd=repo, capture_output=True,
                         text=True, check=True).stdout
    return dict(line.split() for line in out.splitlines())


def make_tags(repo: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "maintenance/tag_versions.py"], cwd=repo, capture_output=True, text=True)


def test_every_released_version_names_a_commit_of_this_history():
    assert [version for version, _ in RELEASED][-4:] == ["v0.4.0", "v0.3.0", "v0.2.0", "v0.1.0"]
    for version, commit in RELEASED:
        assert subprocess.run(["git", "cat-file", "-e", f"{commit}^{{commit}}"], cwd=TEMPLATE).returncode == 0, version


def test_the_tag_script_makes_exactly_the_recorded_tags_once(clone):
    made = make_tags(clone)
    assert made.returncode == 0 and made.stdout.split() == [version for version, _ in RELEASED]
    assert tags(clone) == dict(RELEASED)
    again = make_tags(clone)
    assert again.returncode == 0 and again.stdout == "" and tags(clone) == dict(RELEASED)


def test_a_tag_pointing_elsewhere_is_one_line_and_moves_nothing(clone):
    version, _ = RELEASED[-1]
    subprocess.run(["git", "tag", version, "HEAD"], cwd=clone, check=True)
    before = tags(clone)
    done = make_tags(clone)
    assert done.returncode == 1 and done.stderr.count("\n") == 1
    assert f"error: the tag {version} points to" in done.stderr and tags(clone) == before


def test_a_project_made_from_a_listed_version_updates_to_the_newest(clone, tmp_path):
    """As README.md says: `cruft create --checkout` of a version, then `cruft update --checkout main`."""
    make_tags(clone)
    shutil.copytree(TEMPLATE, clone, dirs_exist_ok=True, ignore=shutil.ignore_patterns(  # the newest: this tree
        ".git", ".venv", "__pycache__", ".pytest_cache", ".ruff_cache", ".mypy_cache"))
    subprocess.run(["git", "add", "--all"], cwd=clone, check=True)
    identity = ["-c", "user.name=T", "-c", "user.email=t@example.org"]
    subprocess.run(["git", *identity, "commit", "--quiet", "--allow-empty", "-m", "This working tree"], cwd=clone,
                   check=True)
    out = tmp_path / "out"
    out.mkdir()
    env = clean_env(TMPDIR=str(tmp_path))

    def run(*cmd, cwd=out):
        done = subprocess.run([str(c) for c in cmd], cwd=cwd, env=env, capture_output=True, text=True)
        assert done.returncode == 0, f"{cmd}\n{done.stdout}\n{done.stderr}"
        return done

    run(tool("cruft"), "create", "--no-input", f"file://{clone}", "--checkout", "v0.4.0", "--extra-context",
        '{"create_venv": false}')
    project = out / "my_project"
    assert not (project / "scripts/locks.py").exists()  # v0.4.0 had one file
    run("git", "add", ".cruft.json", cwd=project)
    run("git", "-c", "user.name=T", "-c", "user.email=t@example.org", "commit", "--quiet", "-m", "Link", cwd=project)
    run(tool("cruft"), "update", "--skip-apply-ask", "--checkout", "main", cwd=project)
    assert (project / "scripts/locks.py").is_file() and (project / ".pre-commit-config.yaml").is_file()
    assert not list(project.rglob("*.rej"))
    stale = subprocess.run([sys.executable, "scripts/env.py", "lock", "--check"], cwd=project, env=env,
                           capture_output=True, text=True)
    assert stale.returncode == 1 and "requirements-dev.lock is stale" in stale.stdout  # new dev tools
    run(sys.executable, "scripts/env.py", "setup", cwd=project)
    assert run(sys.executable, "scripts/env.py", "check", cwd=project).returncode == 0
