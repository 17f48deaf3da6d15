"""Every bake from a git template is linked: plain cookiecutter writes the `.cruft.json` that
`cruft create` writes, byte for byte, so the project receives template updates; a bake whose
commit cannot be known says so in one line, with the command that links it later.

Real cookiecutter, cruft and git. The template is a local git repository made from this
checkout's files, and a bare clone of it served over HTTP on loopback (git's dumb protocol),
which a cookiecutter abbreviation names as `gh:` names GitHub.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import clean_env, copy_template, served, tool

IDENTITY = ["-c", "user.name=Template Maintainer", "-c", "user.email=maintainer@example.org"]
# A name with quotes and a backslash: the printed `cruft link` command must carry it intact.
ANSWERS = {"project_name": "Bob's \"Linked\" \\ Project", "create_venv": False}
SLUG = "bob_s_linked_project"


class Workspace:
    """A template repository, a bare clone of it (served over HTTP), and commands run as a user
    would run them: from a folder of their own (the shell's PWD), with a temp folder of their own."""

    def __init__(self, root: Path):
        self.root, self.tmp = root, root / "tmp"
        self.tmp.mkdir()
        self.config = root / "cookiecutter.yaml"
        self.projects: dict[str, Path] = {}
        self.references: dict[tuple, Path] = {}
        self.template = copy_template(root / "template")
        self.git(self.template, "init", "--quiet", "--initial-branch=main")
        self.commit_template("The template")
        self.git(self.template, "tag", "v1.0.0")  # a version, and work after it
        (self.template / "CHANGELOG.md").write_text((self.template / "CHANGELOG.md").read_text() + "\nAfter v1.0.0.\n")
        self.commit_template("Work after v1.0.0")
        self.bare = root / "served" / "template.git"
        self.git(root, "clone", "--quiet", "--bare", self.template, self.bare)
        self.git(self.bare, "update-server-info")

    def run(self, *cmd, cwd: Path, check: bool = True) -> subprocess.CompletedProcess:
        env = clean_env(TMPDIR=str(self.tmp), PWD=str(cwd), COOKIECUTTER_CONFIG=str(self.config))
        env["PATH"] = f"{Path(tool('cruft')).parent}:{env['PATH']}"  # cruft, as a user has it
        done = subprocess.run([str(c) for c in cmd], cwd=cwd, capture_output=True, text=True, env=env)
        if check and done.returncode != 0:
            raise AssertionError(f"{cmd} exited {done.returncode}\n{done.stdout}\n{done.stderr}")
        return done

    def git(self, cwd: Path, *args) -> str:
        return self.run("git", *IDENTITY, *args, cwd=cwd).stdout.strip()

    def commit_template(self, message: str) -> str:
        self.git(self.template, "add", "--all")
        self.git(self.template, "commit", "--quiet", "-m", message)
        if (self.root / "served").exists():
            self.git(self.template, "push", "--quiet", self.bare, "main")
            self.git(self.bare, "update-server-info")
        return self.git(self.template, "rev-parse", "HEAD")

    def bake(self, template, *options) -> tuple[Path, subprocess.CompletedProcess]:
        """`cookiecutter --no-input TEMPLATE key=value...` into a new folder; the project, and what it printed."""
        out = self.root / f"out-{len(list(self.root.glob('out-*')))}"
        pairs = [f"{key}={value}" for key, value in ANSWERS.items()]
        done = self.run(sys.executable, "-m", "cookiecutter", "--no-input", *options, "-o", out, template, *pairs,
                        cwd=self.root)
        self.projects[str(template)] = out / SLUG
        return out / SLUG, done

    def cruft_create(self, template: str, *options) -> Path:
        """The project `cruft create` makes from `template` with the same answers (one per address)."""
        if (template, *options) not in self.references:
            out = self.root / f"cruft-{len(self.references)}"
            out.mkdir()
            self.run(tool("cruft"), "create", "--no-input", *options, template, "--extra-context", json.dumps(ANSWERS),
                     cwd=out)
            self.references[(template, *options)] = out / SLUG
        return self.references[(template, *options)]


@pytest.fixture(scope="module")
def ws(tmp_path_factory):
    workspace = Workspace(tmp_path_factory.mktemp("linking"))
    with served(workspace.root / "served") as url:
        workspace.http = f"{url}/template.git"
        # Its own clones and replays, and an abbreviation as cookiecutter's gh: (to https://github.com/{0}.git).
        workspace.config.write_text(f"cookiecutters_dir: {workspace.root / 'clones'}\n"
                                    f"replay_dir: {workspace.root / 'replay'}\nabbreviations:\n  lh: {url}/{{0}}.git\n")
        yield workspace
    assert list(workspace.tmp.iterdir()) == []  # no rendered hook (they hold the answers) left behind


def local_clone(ws: Workspace) -> str:
    """A clone of the served template, as a teammate keeps one: its origin is the served address."""
    clone = ws.root / "clone"
    if not clone.exists():
        ws.git(ws.root, "clone", "--quiet", ws.http, clone)
    return str(clone)


# (id, what cookiecutter is given, the address .cruft.json must record, as cruft create takes it, options of both)
FORMS = [
    ("git+file-url", lambda ws: f"git+file://{ws.bare}", lambda ws: str(ws.bare), []),
    ("abbreviation-like-gh-to-an-http-url", lambda ws: "lh:template", lambda ws: ws.http, []),
    ("a-version-by-its-tag", lambda ws: "lh:template", lambda ws: ws.http, ["--checkout", "v1.0.0"]),
    ("local-clone-records-its-origin", local_clone, lambda ws: ws.http, []),
    ("local-folder-without-origin-records-its-path", lambda ws: str(ws.template), lambda ws: str(ws.template), []),
]


@pytest.mark.parametrize("given, recorded, options", [pytest.param(*form[1:], id=form[0]) for form in FORMS])
def test_a_cookiecutter_bake_writes_what_cruft_create_writes(ws, given, recorded, options):
    project, done = ws.bake(given(ws), *options)
    reference = ws.cruft_create(recorded(ws), *options)
    assert (project / ".cruft.json").read_bytes() == (reference / ".cruft.json").read_bytes()
    assert "Not linked" not in done.stdout
    # In the first commit, and nothing left over.
    assert ws.git(project, "ls-files", ".cruft.json") == ".cruft.json"
    assert ws.git(project, "status", "--porcelain") == ""
    # Under cruft create the hook writes none: cruft writes it after the hook's first commit.
    assert ws.git(reference, "status", "--porcelain") == "?? .cruft.json"


def test_a_cookiecutter_bake_receives_the_template_s_updates(ws):
    given = f"git+file://{ws.bare}"
    project = ws.projects[given] if given in ws.projects else ws.bake(given)[0]
    assert "up to date" in ws.run(tool("cruft"), "check", cwd=project).stdout
    generated = ws.template / "{{cookiecutter.project_slug}}"
    readme = (generated / "README.md").read_text()
    (generated / "README.md").write_text(readme.replace("## Set up\n", "## Set up\n\nA line of the next version.\n", 1))
    ws.commit_template("The next template version")
    check = ws.run(tool("cruft"), "check", cwd=project, check=False)
    assert check.returncode == 1 and "out of date" in check.stdout
    ws.run(tool("cruft"), "update", "--skip-apply-ask", cwd=project)
    assert "A line of the next version." in (project / "README.md").read_text()
    assert json.loads((project / ".cruft.json").read_text())["commit"] == ws.git(ws.template, "rev-parse", "HEAD")
    assert "up to date" in ws.run(tool("cruft"), "check", cwd=project).stdout


def link_line(done: subprocess.CompletedProcess) -> str:
    [line] = [line for line in done.stdout.splitlines() if line.startswith("Not linked")]
    return line


def test_a_template_folder_that_is_no_repository_says_how_to_link_later(ws):
    copy = ws.root / "copied-template"  # the template's files without its .git, as a downloaded archive has them
    shutil.copytree(ws.template, copy, ignore=shutil.ignore_patterns(".git"))
    project, done = ws.bake(copy)
    assert not (project / ".cruft.json").exists()
    line = link_line(done)
    assert f"{copy} is not a git repository" in line
    # Its placeholders, filled in with the repository and the commit the copy was made from.
    command = line.split(" link it with: ", 1)[1]
    command = command.replace(" COMMIT ", f" {ws.git(ws.template, 'rev-parse', 'HEAD')} ")
    command = command.replace(" REPOSITORY", f" {ws.template}")
    ws.run("bash", "-c", command, cwd=ws.root)
    assert ws.run(tool("cruft"), "diff", "--exit-code", cwd=project).stdout == ""
    assert ws.git(project, "status", "--porcelain") == ""


def test_a_template_with_uncommitted_changes_says_how_to_link_once_they_are_committed(ws):
    readme = ws.template / "{{cookiecutter.project_slug}}" / "README.md"
    readme.write_text(readme.read_text() + "\nA change not committed yet.\n")
    project, done = ws.bake(ws.template)
    assert not (project / ".cruft.json").exists()
    line = link_line(done)
    assert f"{ws.template} has uncommitted changes" in line
    assert "commit them, then, with COMMIT the hash of that commit, link it with:" in line
    ws.commit_template("The change, committed")
    baked = ws.git(ws.template, "rev-parse", "HEAD")
    (ws.template / "NOTES.md").write_text("A teammate's commit, after the bake.\n")
    ws.commit_template("After the bake")  # the branch moves on: the link names the commit baked
    command = line.split(" link it with: ", 1)[1].replace(" COMMIT ", f" {baked} ")
    ws.run("bash", "-c", command, cwd=ws.root)
    assert json.loads((project / ".cruft.json").read_text())["commit"] == baked
    assert ws.run(tool("cruft"), "diff", "--exit-code", cwd=project).stdout == ""
    assert ws.git(project, "status", "--porcelain") == ""


def test_a_version_asked_of_a_local_folder_is_refused_with_the_command_that_bakes_it(ws):
    """cookiecutter bakes a local folder as it stands and would ignore --checkout: refused, in one line."""
    out = ws.root / "out-refused"
    pairs = [f"{key}={value}" for key, value in ANSWERS.items()]
    done = ws.run(sys.executable, "-m", "cookiecutter", "--no-input", "--checkout", "v1.0.0", "-o", out, ws.template,
                  *pairs, cwd=ws.root, check=False)
    assert done.returncode != 0 and not (out / SLUG).exists()
    [line] = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert line.startswith(f"error: --checkout: 'v1.0.0' is not what would be baked: cookiecutter bakes the folder"
                           f" {ws.template} as it stands"), line
    command = line.split("`")[1].split()  # cookiecutter git+file://... --checkout v1.0.0
    assert command[0] == "cookiecutter"
    ws.run(sys.executable, "-m", *command, "--no-input", "-o", out, *pairs, cwd=ws.root)
    recorded = json.loads((out / SLUG / ".cruft.json").read_text())
    assert recorded["commit"] == ws.git(ws.template, "rev-parse", "v1.0.0^{commit}")
    assert recorded["checkout"] == "v1.0.0"
