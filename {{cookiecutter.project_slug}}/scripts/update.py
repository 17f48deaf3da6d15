"""`update`: brings in the template's newer version with cruft, never an older one.

.cruft.json records the template and the commit the project was made from. A project made from
a branch (or the default branch) follows that branch; one made from a version (a tag or a
commit) follows the template's `v*` tags. Either way only a commit that descends from the
recorded one is offered. cruft runs from a venv of its own, made once per machine from
scripts/cruft.lock (hash-checked), so nothing is installed into the project's venv.
"""

from __future__ import annotations

import base64
import json
import os
import re
import subprocess
import sys
import tempfile
import urllib.parse
from pathlib import Path

from scripts import installers, locks
from scripts.project import ENV_PY, EnvError, Project, say, step, write_text
from scripts.venvs import Venv

CRUFT_LOCK = Path(__file__).with_name("cruft.lock")
VERSION = re.compile(r"v(\d+)\.(\d+)\.(\d+)")
SHORTCUTS = {
    "gh:": "https://github.com/",
    "gl:": "https://gitlab.com/",
    "bb:": "https://bitbucket.org/",
}


class Git:
    """git in one folder: its output, stripped; a failure is one line (or None if not `check`)."""

    def __init__(self, cwd: Path, env: dict[str, str]) -> None:
        self.cwd, self.env = cwd, env

    def __call__(self, *args: str | Path, check: bool = True, what: str = "") -> str | None:
        command = ["git", *map(str, args)]
        done = subprocess.run(command, cwd=self.cwd, env=self.env, capture_output=True, text=True)
        if done.returncode != 0:
            if not check:
                return None
            last = " ".join(done.stderr.split()) or "no message"  # (ssh's reason spans lines)
            raise EnvError(f"{what or 'git ' + str(args[0])} failed: {last}{advice(last)}")
        return done.stdout.strip()


def advice(message: str) -> str:
    """What to do when git cannot read the template."""
    if re.search(
        r"(?i)authenticat|could not read username|403|401|terminal prompts disabled|publickey",
        message,
    ):
        return (
            ": set TEMPLATE_TOKEN to a token that may read the template's repository"
            " (fine-grained: Contents, read-only)"
        )
    return ""


def git_env(url: str) -> dict[str, str]:
    """git never asks for a password; TEMPLATE_TOKEN, when set, is sent to the template's host
    as actions/checkout sends its token, without being written to any file."""
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0"}
    token = os.environ.get("TEMPLATE_TOKEN")
    parts = urllib.parse.urlsplit(url)
    if token and parts.scheme in ("http", "https"):
        basic = base64.b64encode(f"x-access-token:{token}".encode()).decode()
        env |= {"GIT_CONFIG_COUNT": "1", "GIT_CONFIG_VALUE_0": f"AUTHORIZATION: basic {basic}"}
        env["GIT_CONFIG_KEY_0"] = f"http.{parts.scheme}://{parts.netloc}/.extraheader"
    return env


def template_url(template: str) -> str:
    """The address git reads: cookiecutter's shortcuts spelled out; an SSH address over HTTPS
    when TEMPLATE_TOKEN is set (a token is sent over HTTPS only, and a job has no SSH key)."""
    for short, long in SHORTCUTS.items():
        if template.startswith(short):
            return long + template.removeprefix(short).removesuffix(".git") + ".git"
    ssh = re.fullmatch(r"(?:ssh://)?git@([\w.-]+)[:/](.+)", template)
    if ssh and os.environ.get("TEMPLATE_TOKEN"):
        return f"https://{ssh.group(1)}/{ssh.group(2)}"
    return template.removeprefix("git+")


def choose(
    git: Git, recorded: str, follows: str | None, exact: str | None = None
) -> tuple[str, str] | None:
    """The reference to update to and its commit, or None when nothing newer descends from
    `recorded`. A branch (None: the default one) is followed; a tag or commit follows versions;
    `exact` (typed after --checkout) is taken as it is, when it is newer."""
    default = str(git("symbolic-ref", "--short", "HEAD")).removeprefix("heads/")
    branch = exact or follows or default
    if git("rev-parse", "--verify", "--quiet", f"refs/heads/{branch}", check=False) or exact:
        candidates = [branch]
        if not git("rev-parse", "--verify", "--quiet", f"{branch}^{{commit}}", check=False):
            raise EnvError(f"--checkout: the template has no branch, tag or commit {branch!r}")
    else:
        tags = [tag for tag in str(git("tag", "--list", "v*")).split() if VERSION.fullmatch(tag)]
        if not tags:
            raise EnvError(
                "the template has no version tags (v1.2.3) to follow; its maintainers make them"
                f" from CHANGELOG.md, or `{ENV_PY} update --checkout {default}` follows its branch"
            )
        candidates = sorted(tags, key=lambda tag: tuple(map(int, VERSION.findall(tag)[0])))[::-1]
    for ref in candidates:
        commit = str(git("rev-parse", f"{ref}^{{commit}}"))
        if commit == recorded:
            return None
        if git("merge-base", "--is-ancestor", recorded, commit, check=False) is not None:
            return ref, commit
    return None


def update(project: Project, checkout: str | None = None, report: Path | None = None) -> None:
    """`update [--checkout REF] [--report FILE]`: the newer template version, merged by cruft."""
    path = project.root / ".cruft.json"
    if not path.exists():
        raise EnvError(
            "no .cruft.json: this project records no template to update from; run the"
            ' `cruft link` command its bake printed (after "Not linked to the template")'
        )
    state = json.loads(locks.read_text(path))
    url = template_url(state["template"])
    here = Git(project.root, dict(os.environ))
    if here("status", "--porcelain", "--untracked-files=no", check=False):
        raise EnvError(
            "commit or stash your changes first: the update is merged into a clean work tree"
        )
    with tempfile.TemporaryDirectory(prefix="env-py-") as scratch:
        clone = Path(scratch, "template")
        git = Git(clone, git_env(url))
        with step(f"reading the template ({state['template']})"):
            Git(Path(scratch), git.env)(
                "clone", "--quiet", "--bare", url, clone, what=f"reading {url}"
            )
        if git("cat-file", "-e", f"{state['commit']}^{{commit}}", check=False) is None:
            raise EnvError(
                f"the template has no commit {state['commit'][:12]}: was its history rewritten?"
            )
        chosen = choose(git, state["commit"], state.get("checkout"), checkout)
        if chosen is None:
            newer = f"{checkout} is not newer than" if checkout else "nothing newer than"
            say(f"up to date: {newer} {state['commit'][:12]}, the project's template commit")
            return
        ref, commit = chosen
        # A version by its tag; a branch with the commit, as it moves on.
        name = ref if VERSION.fullmatch(ref) else f"{ref} at {commit[:12]}"
        cruft = cruft_command(project)
        with step(f"merging the template's changes up to {ref} ({commit[:12]})"):
            options = ["--skip-apply-ask", "--not-strict", "--allow-untracked-files"]
            done = project.run(
                [*cruft, "update", *options, "--template-path", clone, "--checkout", ref]
            )
            if done.returncode != 0:
                raise EnvError(f"cruft update failed: {done.stdout.strip().splitlines()[-1:]}")
    conflicts = sorted(set((here("grep", "-l", "-e", "^<<<<<<< ", check=False) or "").split()))
    rejected = str(here("status", "--porcelain", "--untracked-files=all")).splitlines()
    conflicts += [line[3:] for line in rejected if line.endswith(".rej")]
    stale = locks.staleness(project.root, project.text(".python-version").strip())
    lines = [
        f"# Update from the template to {name}",
        "",
        f"Template {state['template']}, {ref} ({commit}).",
    ]
    if conflicts:
        lines += ["", "Where your edits and the template's meet, resolve these before merging:"]
        lines += [f"- {name}" for name in conflicts]
    if stale:
        lines += ["", f"The locks no longer match their inputs: run `{ENV_PY} lock`, then `setup`."]
    if report:
        write_text(report, "\n".join(lines) + "\n")
    say(f"updated to {name}: review with `git diff`, then commit")
    for name in conflicts:
        say(f"  resolve the conflict in {name} (<<<<<<< markers, or a .rej file beside it)")
    if stale:
        say(f"  the locks are stale now: run `{ENV_PY} lock`, then `{ENV_PY} setup`")


def cruft_command(project: Project) -> list[str]:
    """cruft, from a venv made once per machine from scripts/cruft.lock, hash-checked."""
    digest = locks.content_digest(locks.read_text(CRUFT_LOCK))
    home = installers.cache_folder() / f"cruft-{digest}"
    venv = Venv(home)  # built beside, then moved: run as `python -m cruft`, which moves with it
    if not venv.exe("cruft").exists():
        uv = installers.find_uv(project)
        home.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=home.parent, prefix=".cruft-") as scratch:
            new = Venv(Path(scratch, "venv"))
            installer = installers.Installer(project, uv)
            with step(f"installing cruft once for this machine ({home})"):
                installer.create(new, sys.executable, seed=False)
                installer.sync(new, str(CRUFT_LOCK))
            os.replace(new.path, home)
    return [str(venv.python), "-m", "cruft"]
