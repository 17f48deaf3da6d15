"""Template updates lose nothing: real cruft create / check / diff / update, and re-bakes with -f.

The template is a local git repository made from this checkout's files; "a new template
version" is a second commit there. Every cruft and cookiecutter command runs with its own
empty temp folder, which must be empty again afterwards: the hooks' rendered copies hold
the user's answers.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import TEMPLATE, clean_env, copy_template, tool

LOCKS = ["requirements.lock", "requirements-dev.lock"]
IDENTITY = ["-c", "user.name=Template Maintainer", "-c", "user.email=maintainer@example.org"]


class Workspace:
    """A template repository, an output folder and a private temp folder, with commands run in them."""

    def __init__(self, root: Path):
        self.root = root
        self.tmp = root / "tmp"
        self.tmp.mkdir()
        self.template = root / "template"
        copy_template(self.template)
        self.git(self.template, "init", "--quiet")
        self.commit_template("The template")

    def run(self, *cmd, cwd: Path, check: bool = True) -> subprocess.CompletedProcess:
        done = subprocess.run([str(c) for c in cmd], cwd=cwd, capture_output=True, text=True,
                              env=clean_env(TMPDIR=str(self.tmp)))
        if check and done.returncode != 0:
            raise AssertionError(f"{cmd} exited {done.returncode}\n{done.stdout}\n{done.stderr}")
        return done

    def git(self, cwd: Path, *args) -> str:
        return self.run("git", *IDENTITY, *args, cwd=cwd).stdout

    def commit_template(self, message: str) -> None:
        self.git(self.template, "add", "--all")
        self.git(self.template, "commit", "--quiet", "-m", message)

    def edit(self, path: Path, old: str, new: str) -> None:
        text = path.read_text()
        assert old in text, (path, old)
        path.write_text(text.replace(old, new, 1))


def snapshot(project: Path) -> dict[str, tuple]:
    """Every file of the venv and the locks: size and modification time, and the locks' bytes."""
    files = [p for p in (project / "venv").rglob("*") if p.is_file() or p.is_symlink()]
    state = {p.relative_to(project).as_posix(): (p.lstat().st_size, p.lstat().st_mtime_ns) for p in files}
    for lock in LOCKS:
        state[lock] = ((project / lock).stat().st_mtime_ns, (project / lock).read_bytes())
    return state


@pytest.fixture
def workspace(tmp_path):
    return Workspace(tmp_path)


def cruft(*args) -> list[str]:
    return [tool("cruft"), *args]


def test_cruft_round_trip_keeps_edits_venv_and_locks_and_leaves_nothing_behind(workspace):
    ws = workspace
    out = ws.root / "out"
    out.mkdir()
    created = ws.run(*cruft("create", "--no-input", ws.template, "--extra-context",
                            '{"starter_requirements": "data-science"}'), cwd=out)
    project = out / "my_project"
    # cruft create ends like a bake: a ready venv, a first commit, and what to do with .cruft.json.
    assert "env.py: ready in" in created.stdout and (project / "venv").is_dir()
    assert "commit it with `git add .cruft.json" in created.stdout
    ws.git(project, "add", ".cruft.json")
    ws.git(project, "commit", "--quiet", "-m", "Link to the template")

    # The user's own work, committed: prose, and a new dependency locked and installed.
    ws.edit(project / "README.md", "## Run it\n", "## Run it\n\nOur notes on running it.\n")
    with open(project / "requirements.txt", "a") as requirements:
        requirements.write("six                 # our own dependency\n")
    ws.run(sys.executable, "scripts/env.py", "setup", cwd=project)
    ws.git(project, "commit", "--quiet", "--all", "-m", "Our edits")
    before = snapshot(project)

    # A new template version changes a file the user edited and one they did not.
    generated = ws.template / "{{cookiecutter.project_slug}}"
    ws.edit(generated / "README.md", "## Set up\n", "## Set up\n\nA line from the new template version.\n")
    ws.edit(generated / ".gitignore", "# Secrets and local settings\n.env\n",
            "# Secrets and local settings\n.env\n.envrc\n")
    ws.commit_template("A new template version")

    check = ws.run(*cruft("check"), cwd=project, check=False)
    assert check.returncode != 0 and "out of date" in check.stdout
    # diff: the project against its template version, i.e. the user's edits, and nothing else.
    diff = ws.run(*cruft("diff", "--exit-code"), cwd=project, check=False).stdout
    changed = {line.split()[-1].split("/", 1)[1] for line in diff.splitlines() if line.startswith("diff --git")}
    assert changed == {"README.md", "requirements.txt"}, diff

    update = ws.run(*cruft("update", "--skip-apply-ask"), cwd=project)
    # The renders cruft throws away made no venv, installed nothing and ran no git.
    assert "env.py" not in update.stdout + update.stderr
    assert "git repository" not in update.stdout + update.stderr
    readme = (project / "README.md").read_text()
    assert "A line from the new template version." in readme and "Our notes on running it." in readme
    assert ".envrc" in (project / ".gitignore").read_text()
    assert "six " in (project / "requirements.txt").read_text()
    assert not [p for p in project.rglob("*.rej")] and not [p for p in project.rglob("*.orig")]
    assert snapshot(project) == before
    assert ws.run(*cruft("check"), cwd=project).returncode == 0
    status = ws.git(project, "status", "--porcelain").splitlines()
    assert {line[3:] for line in status} == {".cruft.json", ".gitignore", "README.md"}
    assert list(ws.tmp.iterdir()) == []


def test_a_rebake_with_force_keeps_the_venv_and_says_how_to_sync(workspace):
    ws = workspace
    out = ws.root / "out"
    bake = [sys.executable, "-m", "cookiecutter", "--no-input", "-o", out, TEMPLATE]
    ws.run(*bake, cwd=ws.root)
    project = out / "my_project"
    ws.run(project / "venv/bin/python", "-m", "pip", "install", "--quiet", "six", cwd=project)
    before = snapshot(project)
    again = ws.run(*bake, "--overwrite-if-exists", cwd=ws.root)
    assert "venv/ and the locks were kept as they are: nothing was installed or removed." in again.stdout
    assert "this bake rewrote every file the template makes, your edits included" in again.stdout
    assert "python3 scripts/env.py setup" in again.stdout
    assert "The project is already a git repository: nothing was committed" in again.stdout
    assert snapshot(project) == before
    ws.run(project / "venv/bin/python", "-c", "import six", cwd=project)
    assert list(ws.tmp.iterdir()) == []


def test_a_refused_bake_leaves_no_answers_in_the_temp_folder(workspace):
    ws = workspace
    done = ws.run(sys.executable, "-m", "cookiecutter", "--no-input", "-o", ws.root / "out", TEMPLATE,
                  "project_slug=json", "create_venv=false", cwd=ws.root, check=False)
    assert done.returncode != 0 and "error: project_slug: 'json'" in done.stderr
    assert list(ws.tmp.iterdir()) == []


# ---- env.py update: never backwards, on a branch or on versions ------------------------------


def update(ws: Workspace, project: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    """`python3 scripts/env.py update` as a teammate runs it, with no cruft installed anywhere."""
    return ws.run(sys.executable, "scripts/env.py", "update", *args, cwd=project, check=check)


def made_from(ws: Workspace, *checkout: str, out: str = "out") -> Path:
    out = ws.root / out
    out.mkdir(exist_ok=True)
    ws.run(*cruft("create", "--no-input", ws.template, *checkout, "--extra-context", '{"create_venv": false}'),
           cwd=out)
    project = out / "my_project"
    ws.git(project, "add", ".cruft.json")
    ws.git(project, "commit", "--quiet", "-m", "Link to the template")
    return project


def test_update_follows_versions_names_the_conflicts_and_writes_the_report(workspace):
    ws = workspace
    ws.git(ws.template, "tag", "v9.9.8")  # a project made from a version follows versions
    project = made_from(ws, "--checkout", "v9.9.8")
    ws.edit(project / "README.md", "## Set up\n", "## Set up\n\nOur own first line.\n")  # meets the template's edit
    ws.git(project, "commit", "--quiet", "--all", "-m", "Our edit")
    report = ws.root / "report.md"
    assert "up to date" in update(ws, project, "--report", report).stdout and not report.exists()

    generated = ws.template / "{{cookiecutter.project_slug}}"
    ws.edit(generated / "README.md", "## Set up\n", "## Set up\n\nThe template's new first line.\n")
    ws.edit(generated / ".gitignore", "settings\n.env\n", "settings\n.env\n.envrc\n")
    ws.commit_template("A new template version")
    ws.git(ws.template, "tag", "v9.9.9")  # the template's newest version
    ws.edit(generated / "README.md", "## Dependencies\n", "## Dependencies\n\nAfter the tag: not in v9.9.9.\n")
    ws.commit_template("Work after the version")
    ws.git(ws.template, "tag", "v9.9.10")  # newer still: a --checkout typed by hand takes v9.9.9 itself
    missing = update(ws, project, "--checkout", "v9.9.11", check=False)
    assert missing.returncode == 1 and missing.stderr.strip().splitlines() == [
        "env.py: update stopped: --checkout: the template has no branch, tag or commit 'v9.9.11'"]
    done = update(ws, project, "--checkout", "v9.9.9", "--report", report)
    assert "updated to v9.9.9: review with `git diff`, then commit" in done.stdout
    assert "resolve the conflict in README.md" in done.stdout
    assert "After the tag" not in (project / "README.md").read_text()  # the version, not the branch
    assert ".envrc" in (project / ".gitignore").read_text()
    assert json.loads((project / ".cruft.json").read_text())["checkout"] == "v9.9.9"
    body = report.read_text()
    assert body.startswith("# Update from the template to v9.9.9\n")
    assert "resolve these before merging" in body and "- README.md" in body and ".gitignore" not in body


def test_a_project_made_from_the_branch_is_never_offered_an_older_version(workspace):
    """The default branch is ahead of the last tag: the project follows the branch, and the tag,
    older than the project's commit, is no update."""
    ws = workspace
    ws.git(ws.template, "tag", "v9.9.8")
    ws.edit(ws.template / "{{cookiecutter.project_slug}}" / "README.md", "## Set up\n", "## Set up\n\nNewer.\n")
    ws.commit_template("After the last tag")
    project = made_from(ws)  # no --checkout: the default branch
    before = (project / "README.md").read_text()
    assert "up to date" in update(ws, project).stdout
    assert (project / "README.md").read_text() == before and ws.git(project, "status", "--porcelain") == ""
    refused = update(ws, project, "--checkout", "v9.9.8", check=False)
    assert refused.returncode == 0 and "up to date" in refused.stdout  # the older tag is never taken
    ws.edit(ws.template / "{{cookiecutter.project_slug}}" / "README.md", "Newer.\n", "Newer still.\n")
    ws.commit_template("The branch moves on")
    tip = ws.git(ws.template, "rev-parse", "HEAD").strip()[:12]
    done = update(ws, project)  # a branch is named with the commit it had
    assert re.search(rf"updated to \S+ at {tip}: review", done.stdout)
    assert "Newer still." in (project / "README.md").read_text()


def test_a_project_following_versions_of_a_template_without_tags_is_told_so(workspace):
    ws = workspace
    commit = ws.git(ws.template, "rev-parse", "HEAD").strip()
    project = made_from(ws, "--checkout", commit)  # a version named by its commit, as the CHANGELOG names it
    ws.edit(ws.template / "{{cookiecutter.project_slug}}" / "README.md", "## Set up\n", "## Set up\n\nNewer.\n")
    ws.commit_template("Newer, and never tagged")
    branch = ws.git(ws.template, "symbolic-ref", "--short", "HEAD").strip()
    done = update(ws, project, check=False)
    assert done.returncode == 1 and done.stderr.strip().splitlines() == [
        "env.py: update stopped: the template has no version tags (v1.2.3) to follow; its maintainers make them"
        f" from CHANGELOG.md, or `python3 scripts/env.py update --checkout {branch}` follows its branch"]


def test_update_without_a_link_or_with_changes_says_what_to_do_in_one_line(workspace):
    ws = workspace
    ws.run(sys.executable, "-m", "cookiecutter", "--no-input", "-o", ws.root / "out", ws.template,
           "create_venv=false", "init_git=false", cwd=ws.root)
    project = ws.root / "out" / "my_project"
    (project / ".cruft.json").unlink(missing_ok=True)
    done = update(ws, project, check=False)
    assert done.returncode == 1 and done.stderr.strip().splitlines() == [
        "env.py: update stopped: no .cruft.json: this project records no template to update from; run the"
        ' `cruft link` command its bake printed (after "Not linked to the template")']
    linked = made_from(ws, out="linked")
    (linked / "README.md").write_text("changed\n")
    done = update(ws, linked, check=False)
    assert done.stderr.strip().endswith("commit or stash your changes first: the update is merged into a clean"
                                        " work tree")


def test_the_shipped_lock_of_cruft_is_current_and_hashed():
    from helpers import GENERATED, scripts_module

    locks = scripts_module("locks")
    lock = GENERATED / "scripts" / "cruft.lock"
    digest = locks.inputs_digest(TEMPLATE / "template_data" / "cruft-requirements.txt", "3.10")
    refresh = "run: .venv/bin/python maintenance/refresh_locks.py --cruft-only"
    assert f"inputs {digest}; content " in lock.read_text(), refresh
    pins = locks.read(lock)
    assert ("cruft", "2.16.0") in {(entry.name, entry.version) for entry in pins}
    assert all(entry.hashes for entry in pins)
