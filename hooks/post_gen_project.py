"""Drop the files the answers turned off, let scripts/env.py build the venv, then git init.

It never exits non-zero for an environment or git problem (no Python of that version, no
network, a requirement that cannot be installed, a git that refuses): cookiecutter would
then delete the whole project. It never touches a venv that is already there.
"""

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

WINDOWS = os.name == "nt"
# Resolved locks for every starter set and Python version, copied in unrendered; the pair
# for these answers becomes the project's locks, the rest goes.
SHIPPED = ".shipped-locks"


def unused_paths(answers):
    paths = []
    if not answers["use_docker"]:
        paths += ["Dockerfile", ".dockerignore", ".github/workflows/publish.yml"]
    starter, package = answers["starter_requirements"], answers["project_slug"]
    if starter != "web-api":
        paths.append(f"{package}/app.py")
    if starter != "machine-learning":
        paths += [f"{package}/model.py", "tests/test_model.py", "models"]
    if starter not in ("data-science", "machine-learning"):
        paths += [f"{package}/reproducibility.py", "tests/test_reproducibility.py", "notebooks", "data"]
    if answers["ci"] == "none":
        paths.append(".github")
    return paths


def place_locks(answers, root):
    """Puts the template's locks for these answers at the project root; False if none ship.

    A project that already has locks (a re-bake with -f) keeps its own.
    """
    pair = root / SHIPPED / answers["python_version"] / answers["starter_requirements"]
    placed = pair.is_dir()
    if placed and not (root / "requirements.lock").exists():
        for lock in pair.iterdir():
            os.replace(lock, root / lock.name)
    shutil.rmtree(root / SHIPPED, ignore_errors=True)
    return placed


def throwaway_render(answers, root):
    """True for the renders `cruft update` and `cruft diff` make only to compare files.

    cruft renders each template version into a new `tempfile.TemporaryDirectory()` (a `tmp`
    and eight characters, right in the system temp folder). cruft never sets `_output_dir`,
    which the `cookiecutter` command and pytest-cookies always set; `cruft create` renders
    into the user's folder. Both conditions together mean a render that is thrown away.
    """
    parent = root.resolve().parent
    return ("_output_dir" not in answers and re.fullmatch(r"tmp[a-z0-9_]{8}", parent.name) is not None
            and parent.parent == Path(tempfile.gettempdir()).resolve())


def typed_path(root):
    """The project folder as the user would type it from where they ran cookiecutter (the
    shell's PWD, inherited by this hook): relative, or absolute when that is shorter. On
    Windows, where PWD is unset or an MSYS path, always absolute. Quoted when it must be,
    in a way bash, zsh, fish and PowerShell all read the same."""
    start, absolute = os.environ.get("PWD"), str(root.resolve())
    relative = absolute
    if start and not WINDOWS and os.path.isdir(start):
        relative = os.path.relpath(absolute, start)
    path = min(relative, absolute, key=len)
    if re.fullmatch(r"[\w./:\\-]+", path):
        return path
    if "'" not in path:
        return f"'{path}'"  # taken literally by all four shells
    return f'"{path}"' if not re.search(r"[$`\"\\]", path) else shlex.quote(path)


def make_venv(answers, root, finish):
    """Runs `scripts/env.py setup`; True when the venv is ready."""
    if not answers["create_venv"]:
        print(f"\nNo venv was made (create_venv is false). Make it with:\n    {finish}")
        return False
    try:  # ENV_PY_BAKE: setup leaves the activate line to the next steps below
        code = subprocess.run([sys.executable, "scripts/env.py", "setup"], cwd=root,
                              env={**os.environ, "ENV_PY_BAKE": "1"}).returncode
    except OSError as error:
        code = error
    if code != 0:
        print(f"\nThe project is in {root}, but its venv is not ready (see the line above)."
              f"\nFix the cause, then finish with:\n    {finish}")
        return False
    return True


def project_of(root):
    """The project as its own scripts/project.py sees it: the one home of the venv's rules."""
    sys.path.insert(0, str(root))
    sys.dont_write_bytecode = True  # no __pycache__ in the new project
    from scripts.project import Project

    return Project(root)


def git(root, *args):
    return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True)


def init_git(answers, root):
    """`git init` and one commit of every file; the venv stays out through .gitignore."""
    if not shutil.which("git"):
        print("\nNo git repository was made: git is not installed.")
        return
    outer = git(root, "rev-parse", "--show-toplevel")
    if outer.returncode == 0 and Path(outer.stdout.strip()).resolve() == root.resolve():
        print("\nThe project is already a git repository: nothing was committed"
              " (`git status` shows what this bake changed).")
        return
    if outer.returncode == 0:
        github = "" if answers["ci"] == "none" else " (GitHub runs only the workflows in its root's .github/)"
        print(f"\nNo git repository was made: the project is inside the git work tree"
              f" {outer.stdout.strip()}{github}.")
        return
    # Settings only for these commands, never written to any git config: a first branch
    # named main unless the user chose a default, and the answers as the commit's
    # identity when git has none.
    options, notes = [], []
    if git(root, "config", "init.defaultBranch").returncode != 0:
        options += ["-c", "init.defaultBranch=main"]
    for key, answer in (("user.name", "author_name"), ("user.email", "author_email")):
        if git(root, "config", key).returncode != 0:
            options += ["-c", f"{key}={answers[answer]}"]
            notes.append(f"git has no {key}: the commit has {answers[answer]!r} from the answers; set"
                         f" yours for later commits with `git config --global {key} ...`")
    if not (root / "requirements.lock").exists():
        notes.append("the locks are not in it yet: once setup has written them, commit them with"
                     " `git add requirements*.lock && git commit -m 'Lock the requirements'`")
    if "_output_dir" not in answers:  # cruft create writes .cruft.json after this hook
        notes.append("cruft adds .cruft.json next: commit it with"
                     " `git add .cruft.json && git commit -m 'Link to the template'`")
    message = f"Start {answers['project_name']} from the reproducible Python template"
    for step in (["init", "--quiet"], ["add", "--all"], ["commit", "--quiet", "-m", message]):
        done = git(root, *options, *step)
        if done.returncode != 0:
            reason = (done.stderr.strip().splitlines() or ["no message"])[-1]
            print(f"\ngit {step[0]} failed, the project is kept as it is: {reason}")
            if step[0] == "commit":
                print("Set your git identity (`git config --global user.name ...` and user.email), then"
                      f" finish with:\n    cd {typed_path(root)} && git commit -m {shlex.quote(message)}")
            return
    print("\nMade a git repository with one commit of every file (the venv is not in it).")
    for note in notes:
        print(f"  - {note}")


def main(answers, root):
    for name in unused_paths(answers):
        path = root / name
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink()
    shipped = place_locks(answers, root)
    if throwaway_render(answers, root):
        return  # no venv, no install, no git: only the files are compared
    if not shipped and not (root / "requirements.lock").exists():
        print(f"The template ships no locks for Python {answers['python_version']}:"
              " setup resolves them from the package index.")
    setup = r"py scripts\env.py setup" if WINDOWS else "python3 scripts/env.py setup"
    finish = f"cd {typed_path(root)} && {setup}"
    if (root / answers["venv_dir"]).exists():  # a re-bake (-f) over a project: its venv is the user's
        print(f"\n{answers['venv_dir']}/ and the locks were kept as they are: nothing was installed or"
              " removed. But this bake rewrote every file the template makes, your edits included:"
              " review them with `git diff` (undo with `git checkout -- FILE`) before making the venv"
              f" equal to the locks with:\n    {finish}")
        ready = False
    else:
        ready = make_venv(answers, root, finish)
    if answers["init_git"]:
        try:
            init_git(answers, root)
        except OSError as error:
            print(f"\nNo git repository was made: {error}")
    if ready:
        print(f"\nNext steps:\n    cd {typed_path(root)}\n    {project_of(root).activate_command()}"
              "    (or the alias p: define it once, see \"Activate the venv\" in README.md)"
              "\n    python -m pytest")


if __name__ == "__main__":
    try:
        main(json.loads(r"""{{ cookiecutter | tojson }}"""), Path.cwd())
    finally:
        Path(__file__).unlink(missing_ok=True)  # this rendered copy holds the answers
