"""Refuse bad answers before anything is written, with one line naming the field.

`problem(answers, imports)` is importable, so tests can call it; the answers and the
template's data arrive as JSON, never as Python source, so no answer can break or inject code.
"""

import json
import keyword
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

# Names the generated project already uses at its root: a slug or venv folder with one of
# these names would clash.
PROJECT_NAMES = {"scripts", "tests", "requirements.txt", "requirements-dev.txt",
                 "requirements.lock", "requirements-dev.lock", "readme.md", "dockerfile",
                 ".python-version", ".gitignore", ".dockerignore", ".git", ".env", ".github",
                 "pyproject.toml", ".cruft.json"}
# Folders of the data starters, which a slug or venv folder would clash with.
STARTER_FOLDERS = {"data-science": {"data", "notebooks"}, "machine-learning": {"data", "notebooks", "models"}}
OLDEST_PYTHON = (3, 10)  # older versions no longer get security fixes (as in scripts/env.py)
# The venv's folders come before the project root on sys.path (a .pth file adds the root),
# so a package of the same name is imported instead of the project's. What every venv holds:
# pip, and setuptools and wheel below Python 3.12 (distutils is theirs, or the stdlib's).
VENV_HOLDS = {"pip", "setuptools", "pkg_resources", "wheel", "distutils"}
# The standard library of any Python from 3.10 to 3.14, beyond the running one's
# sys.stdlib_module_names: modules removed in 3.11, 3.12 and 3.13 and added in 3.11 and 3.14, and
# the packages that list leaves out (the test suite, the example extension modules).
OTHER_STDLIB = {"binhex", "asynchat", "asyncore", "imp", "smtpd", "aifc", "audioop", "cgi", "cgitb", "chunk", "crypt",
                "imghdr", "lib2to3", "mailcap", "msilib", "nis", "nntplib", "ossaudiodev", "pipes", "sndhdr",
                "spwd", "sunau", "telnetlib", "uu", "xdrlib", "tomllib", "annotationlib", "compression",
                "test", "xxlimited", "xxlimited_35", "xxsubtype"}
# Modules Python itself imports at every start when they are anywhere on sys.path.
STARTUP = {"sitecustomize", "usercustomize"}
# A file system allows 255 bytes per name, and the tooling makes longer names of these: the
# venv folder gets VENV.new, VENV.old and VENV.trash beside it (scripts/env.py), the slug
# is the image's name under a registry's path. Whole paths have limits too (Windows: 260
# characters, and a venv's deepest file is over 140 below it). Real names are far shorter.
LONGEST = {"project_slug": 64, "venv_dir": 64}
# Answers written into files as free text: a line break would start a new line of the
# Dockerfile, the README's heading or the package docstring.
FREE_TEXT = ["project_name", "description", "author_name", "author_email"]


def problem(answers, imports):
    """The first thing wrong with the answers, as one line, or None. `imports` holds, for
    each starter set, the names its packages can be imported as."""
    for field in FREE_TEXT:
        text = answers[field]
        if any(ord(c) < 32 or ord(c) == 127 for c in text) or (field == "project_name" and not text.strip()):
            return (f"{field}: {text!r} is not allowed: it must be one line of text"
                    + (" with something besides spaces" if field == "project_name" else ""))

    slug = answers["project_slug"]
    rule = "lowercase letters, digits and single underscores, starting with a letter"
    if not re.fullmatch(r"[a-z][a-z0-9]*(_[a-z0-9]+)*", slug):
        return (f"project_slug: {slug!r} is not allowed: use {rule}"
                " (it is the folder, the import name and the image name)")
    if len(slug) > LONGEST["project_slug"]:
        return (f"project_slug: {slug!r} is not allowed: it has {len(slug)} characters,"
                f" at most {LONGEST['project_slug']} are allowed")
    if keyword.iskeyword(slug) or keyword.issoftkeyword(slug):
        return f"project_slug: {slug!r} is not allowed: it is a Python keyword"
    if slug in set(sys.stdlib_module_names) | OTHER_STDLIB:
        return f"project_slug: {slug!r} is not allowed: it would shadow the standard library module {slug}"
    if slug in VENV_HOLDS:
        return f"project_slug: {slug!r} is not allowed: it would shadow the {slug} package venvs are made with"
    if slug in STARTUP:
        return f"project_slug: {slug!r} is not allowed: Python would run it at every start of the venv"
    if slug in PROJECT_NAMES:
        return f"project_slug: {slug!r} is not allowed: the project already has a {slug} file or folder"
    starter = answers["starter_requirements"]
    if slug in STARTER_FOLDERS.get(starter, set()):
        return (f"project_slug: {slug!r} is not allowed with starter_requirements {starter!r}:"
                f" the project already has a {slug} folder")
    if slug in imports.get(starter, []):
        return (f"project_slug: {slug!r} is not allowed with starter_requirements {starter!r}:"
                f" it would shadow the {slug} package it installs")

    version = answers["python_version"]
    match = re.fullmatch(r"3\.(\d{1,2})", version)
    if not match:
        return f"python_version: {version!r} is not allowed: use MAJOR.MINOR, like 3.12"
    if (3, int(match.group(1))) < OLDEST_PYTHON:
        return (f"python_version: {version!r} is not allowed: use %d.%d or newer" % OLDEST_PYTHON
                + " (older versions are past their end of life)")

    venv = answers["venv_dir"]
    if not re.fullmatch(r"[A-Za-z0-9_.-]+", venv) or venv in (".", ".."):
        return (f"venv_dir: {venv!r} is not allowed: use a plain folder name at the project root,"
                " like venv or .venv (letters, digits, '.', '_', '-'; no slashes or spaces)")
    if len(venv) > LONGEST["venv_dir"]:
        return (f"venv_dir: {venv!r} is not allowed: it has {len(venv)} characters,"
                f" at most {LONGEST['venv_dir']} are allowed")
    if venv.startswith("-"):  # `source -venv/bin/activate` reads it as an option
        return f"venv_dir: {venv!r} is not allowed: start with a letter, a digit or '.', like venv or .venv"
    if venv.lower() in PROJECT_NAMES | STARTER_FOLDERS.get(starter, set()) | {slug}:
        return (f"venv_dir: {venv!r} is not allowed: the project already has a {venv} file or folder;"
                " use venv or .venv")
    return None


def ignored_checkout(answers):
    """cookiecutter bakes a local folder as it stands and ignores --checkout (a URL it clones
    and checks out): one line, rather than a project of another version than was asked for."""
    checkout, folder = answers.get("_checkout"), template_path(answers)
    if not checkout or folder is None:
        return None

    def commit(*args):
        done = subprocess.run(["git", "rev-parse", "--verify", "--quiet", *args], cwd=folder,
                              capture_output=True, text=True, check=False)
        return done.stdout.strip() if done.returncode == 0 else None

    head = commit("HEAD^{commit}")
    if head is None or commit(checkout + "^{commit}") == head:
        return None  # (no git at all: the bake says it cannot be linked)
    top = subprocess.run(["git", "rev-parse", "--show-toplevel"], cwd=folder, capture_output=True,
                         text=True, check=False).stdout.strip()
    return (f"--checkout: {checkout!r} is not what would be baked: cookiecutter bakes the folder {folder}"
            f" as it stands (commit {head[:12]}); bake {checkout} itself with"
            f" `cookiecutter git+file://{top} --checkout {checkout}`")


def template_path(answers):
    """The template folder cookiecutter read, absolute (`_repo_dir` is as typed, from where
    cookiecutter ran: the shell's PWD), or None when it is gone."""
    if not answers.get("_repo_dir"):
        return None
    template = Path(answers["_repo_dir"])
    template = template if template.is_absolute() else Path(os.environ.get("PWD", ".")) / template
    return template if template.is_dir() else None


def replay_folder():
    """Where cookiecutter saves the answers of each bake before it runs this hook."""
    try:  # the Python running cookiecutter runs this hook, so cookiecutter is importable
        from cookiecutter.config import get_user_config

        return Path(get_user_config()["replay_dir"]).expanduser()
    except Exception:
        return Path.home() / ".cookiecutter_replay"


def replay_file(answers, folder):
    """The file of `folder` that holds these very answers (cookiecutter names it after the
    template's folder, which `.`, a relative path or `gh:` hide), or None."""
    files = sorted(folder.glob("*.json"), key=lambda path: path.stat().st_mtime, reverse=True)
    for replay in files:
        try:
            saved = json.loads(replay.read_text(encoding="utf-8"))["cookiecutter"]
        except (OSError, ValueError, KeyError, TypeError):
            continue
        if {key: saved.get(key) for key in answers} == answers:
            return replay
    return None


def retry_hint(answers):
    """How to bake again without retyping the answers (cruft keeps no replay files)."""
    if "_output_dir" not in answers:
        return None
    folder = replay_folder()
    replay = replay_file(answers, folder)
    if replay is None:
        return f"cookiecutter keeps the answers of each bake in {folder}: bake again with --replay-file and one of them"
    command = ["cookiecutter", "--replay-file", str(replay), answers["_template"], "-o", answers["_output_dir"]]
    return (f"Your answers are saved in {replay}: fix the value there, then bake again with"
            f" `{' '.join(shell_word(word, answers) for word in command)}`")


def shell_word(word, answers):
    """`word` as bash, zsh, fish and PowerShell all read it: the generated project's own rule
    (its scripts/project.py holds no Jinja, so it is read straight from the template)."""
    template = template_path(answers)
    generated = template and next(template.glob("*cookiecutter.project_slug*"), None)
    if generated is None:  # (a template that cannot be found again: bash's quoting)
        return shlex.quote(word)
    sys.path.insert(0, str(generated))
    sys.dont_write_bytecode = True  # nothing written into the template
    from scripts.project import shell_word as quote

    return quote(word)


def main(answers, imports):
    found = problem(answers, imports)
    hint = found and retry_hint(answers)  # (for an answer; --checkout is no answer)
    found = found or ignored_checkout(answers)
    if found:
        print(f"error: {found}", file=sys.stderr)
        if hint:
            print(hint, file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    try:
        main(json.loads(r"""{{ cookiecutter | tojson }}"""),
             json.loads(r"""{{ template_data.starter_imports | tojson }}"""))
    finally:
        Path(__file__).unlink(missing_ok=True)  # this rendered copy holds the answers
