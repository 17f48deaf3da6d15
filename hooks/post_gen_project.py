"""Drop the files the answers turned off, then let scripts/env.py build the venv while the
project is linked to its template and put under git, and commit once the venv is ready.

It never exits non-zero for an environment or git problem (no Python of that version, no
network, a requirement that cannot be installed, a git that refuses): cookiecutter would
then delete the whole project. It never touches a venv that is already there. Ctrl-C,
SIGTERM and SIGHUP end it the same way: the step under way ends as Ctrl-C ends it, nothing
more starts, and one message says where the project is and the commands that finish it.
"""

import contextlib
import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlparse

WINDOWS = os.name == "nt"
# Resolved locks for every starter set and Python version, copied in unrendered; the pair
# for these answers becomes the project's locks, the rest goes.
SHIPPED = ".shipped-locks"
# What cookiecutter adds to the answers for hooks, which cruft does not record.
BAKE_ONLY = ("_template", "_output_dir", "_repo_dir", "_checkout")
# The first stop signal, the commands started and not yet ended, and those sent Ctrl-C.
STOP = {"signal": None, "children": set(), "told": set()}


class ClosedPipeSafe:
    """stdout that outlives its reader (`cookiecutter ... | head`): once the pipe is closed, the
    rest goes to /dev/null, as an error here would make cookiecutter delete the project."""

    def __init__(self, stream):
        self.stream = stream

    def write(self, text):
        try:
            return self.stream.write(text)
        except BrokenPipeError:
            self.closed_pipe()
            return len(text)

    def flush(self):
        try:
            self.stream.flush()
        except BrokenPipeError:
            self.closed_pipe()

    def closed_pipe(self):
        os.dup2(os.open(os.devnull, os.O_WRONLY), self.stream.fileno())  # commands started later too

    def __getattr__(self, name):
        return getattr(self.stream, name)


def on_stop_signal(number, frame):
    """A stop signal only marks the bake as stopped, and reaches the running command as Ctrl-C."""
    STOP["signal"] = STOP["signal"] or number
    for child in list(STOP["children"]):
        interrupt(child)


def interrupt(child):
    """Ctrl-C for a command started by start() and all it started (its own process group)."""
    if not WINDOWS:
        STOP["told"].add(child.pid)
        try:
            os.killpg(child.pid, signal.SIGINT)
        except OSError:
            pass  # it has ended


class Stopped(Exception):
    """A stop signal arrived: the command it reached has ended, and nothing more starts."""


def run(command, cwd, capture=True, env=None):
    """Runs a command to its end (start, then wait_for)."""
    return wait_for(start(command, cwd, capture, env))


def start(command, cwd, capture=True, env=None):
    """Starts a command, unless a stop signal came. Each stop signal reaches it as one Ctrl-C,
    to it and what it starts: it runs in a process group of its own, so that a terminal's
    Ctrl-C, which reaches every process of the bake, is not delivered twice."""
    if STOP["signal"]:
        raise Stopped
    sys.stdout.flush()  # what was said so far comes before what the command says
    pipe = subprocess.PIPE if capture else None
    child = subprocess.Popen(command, cwd=cwd, env=env, stdout=pipe, stderr=pipe, text=True,
                             start_new_session=not WINDOWS)
    STOP["children"].add(child)
    if STOP["signal"] and child.pid not in STOP["told"]:  # it came while the command was starting
        interrupt(child)
    return child


def wait_for(child):
    """The end of a command of start(); raises Stopped after it if a stop signal came."""
    try:
        out, err = child.communicate()
    finally:
        STOP["children"].discard(child)
    if STOP["signal"]:
        raise Stopped
    return subprocess.CompletedProcess(child.args, child.returncode, out, err)


def quick(command, cwd):
    """A short query (git rev-parse, git config): never stopped halfway, never raises."""
    try:
        return subprocess.run(command, cwd=cwd, capture_output=True, text=True, start_new_session=not WINDOWS)
    except OSError as error:
        return subprocess.CompletedProcess(command, 1, "", str(error))


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


# ---- the link to the template: .cruft.json -------------------------------------------------


def template_folder(answers):
    """The template cookiecutter rendered (its clone of a URL, or the folder given), absolute:
    `_repo_dir` is as typed, relative to where cookiecutter ran (the shell's PWD)."""
    if not answers.get("_repo_dir"):
        return None
    folder = Path(answers["_repo_dir"])
    if not folder.is_absolute():
        folder = Path(os.environ.get("PWD", ".")) / folder
    return folder if (folder / "cookiecutter.json").is_file() else None


def cruft_url(url):
    """The template address as cruft records it (its resolve_template_url): a path or a
    file:// URL of a folder that exists becomes its absolute path."""
    parsed = urlparse(url)
    if not parsed.scheme or parsed.scheme == "file":
        path = (Path(parsed.netloc) / Path(parsed.path)).absolute()
        if path.exists():
            return str(path)
    return url


def git_out(folder, *args):
    done = quick(["git", *args], folder)
    return done.stdout.strip() if done.returncode == 0 else None


def link(answers, keys):
    """What `.cruft.json` holds for this bake, as cruft writes it, or the reason none can be
    written. cruft records `template` (what git clones later), `commit`, `checkout`, the
    answers with `_template` and `_commit`, and `directory` (the template's folder in its
    repository). `skip` is left out, as `cruft create` leaves it out: each project's
    pyproject.toml lists it under [tool.cruft], which cruft reads, and cruft 2.16 appends
    that list to a `skip` in .cruft.json at every update.

    The address recorded is one a teammate and the update workflow can reach later: for a
    URL (or gh:), the one cookiecutter cloned; for a local folder, its `origin` when the
    commit is on it (as of the folder's last fetch), or else the folder's absolute path,
    the only place that commit is known to be.
    """
    folder = template_folder(answers)
    if folder is None:
        return None, f"the template folder {answers.get('_repo_dir')} cannot be found from here"
    top = git_out(folder, "rev-parse", "--show-toplevel") if shutil.which("git") else None
    commit = top and git_out(folder, "rev-parse", "--verify", "HEAD^{commit}")
    if not commit:
        return None, f"{folder} is not a git repository with a commit, so no template commit is known"
    if git_out(folder, "status", "--porcelain", "--", "."):
        return None, f"{folder} has uncommitted changes, so no commit holds what was baked"
    origin = git_out(folder, "config", "--get", "remote.origin.url")
    on_origin = origin and git_out(folder, "for-each-ref", "--count=1", "--contains", "HEAD", "refs/remotes/origin")
    template = cruft_url(origin if on_origin else top)
    checkout = answers.get("_checkout")  # a local folder is rendered as it is: cookiecutter ignores --checkout
    if checkout and git_out(folder, "rev-parse", "--verify", checkout + "^{commit}") != commit:
        checkout = None
    directory = Path(os.path.relpath(folder.resolve(), Path(top).resolve())).as_posix()
    context = {key: answers[key] for key in keys if key not in BAKE_ONLY}
    context.update(_template=template, _commit=commit)
    return {"template": template, "commit": commit, "checkout": checkout, "context": {"cookiecutter": context},
            "directory": None if directory == "." else directory}, None


def link_later(answers, root, reason):
    """The one line for a bake that cannot be linked: why, and the command that links it."""
    folder = template_folder(answers)
    dirty = reason.endswith("what was baked")
    origin = git_out(folder, "config", "--get", "remote.origin.url") if dirty else None
    template = cruft_url(origin or git_out(folder, "rev-parse", "--show-toplevel")) if dirty else "REPOSITORY"
    given = {key: value for key, value in answers.items() if not key.startswith("_")}
    # No quote or backslash in the JSON: bash, zsh and fish read it alike in single quotes.
    text = json.dumps(given, ensure_ascii=False)
    text = re.sub(r"[\\]([\"\\])|'", lambda m: f"\\u{ord(m.group(1) or m.group(0)):04x}", text)
    # The commit, not a branch: by the time the line is run the branch may hold more than was baked.
    command = ["cruft", "link", "--no-input", "--checkout", "COMMIT", "--extra-context", f"'{text}'",
               project_module(root).shell_word(template)]
    then = " && git add .cruft.json && git commit -m 'Link to the template'" if answers["init_git"] else ""
    first = (f"commit them{' and push them' if origin else ''}, then, with COMMIT the hash of that commit," if dirty
             else "find the template repository (REPOSITORY) and the commit (COMMIT) it was copied from, then")
    return (f"\nNot linked to the template: {reason}; to follow its updates, {first} link it with:"
            f" cd {typed_path(root)} && {' '.join(command)}{then}")


def write_link(answers, keys, root):
    """Writes .cruft.json for a bake by cookiecutter (cruft create writes its own after this
    hook), or prints the one line that says why not and how to link later."""
    if "_output_dir" not in answers:
        return
    try:
        state, reason = link(answers, keys)
        if state:
            text = json.dumps(state, ensure_ascii=False, indent=2, separators=(",", ": ")) + "\n"
            (root / ".cruft.json").write_text(text, encoding="utf-8")
            print(f"\nLinked to the template {state['template']} at {state['commit'][:12]} (.cruft.json):"
                  f" `{project_module(root).ENV_PY} update` brings in its newer versions.")
        else:
            print(link_later(answers, root, reason))
    except Exception as error:  # whatever it is, it must not fail the bake: cookiecutter would delete it
        print(f"\nNot linked to the template: {error!r}")


# ---- the venv and the first commit -------------------------------------------------------


def typed_path(root):
    """The project folder as the user would type it from where they ran cookiecutter (the
    shell's PWD, inherited by this hook): relative, or absolute when that is shorter. On
    Windows, where PWD is unset or an MSYS path, always absolute. Quoted when it must be,
    in a way bash, zsh, fish and PowerShell all read the same."""
    start, absolute = os.environ.get("PWD"), str(root.resolve())
    relative = absolute
    if start and not WINDOWS and os.path.isdir(start):
        relative = os.path.relpath(absolute, start)
    return project_module(root).shell_word(min(relative, absolute, key=len))


def start_setup(root):
    """Starts `scripts/env.py setup`, which says what it does as it does it; or the OSError."""
    try:  # ENV_PY_BAKE: setup leaves the activate line to the next steps below
        return start([sys.executable, "scripts/env.py", "setup"], root, capture=False,
                     env={**os.environ, "ENV_PY_BAKE": "1"})
    except OSError as error:
        return error


def venv_ready(answers, root, finish, setup):
    """Waits for setup (start_setup); True when the venv is ready."""
    if not answers["create_venv"]:
        print(f"\nNo venv was made (create_venv is false). Make it with:\n    {finish}")
        return False
    code = setup if isinstance(setup, OSError) else wait_for(setup).returncode
    if code != 0:
        print(f"\nThe project is in {root}, but its venv is not ready (see the line above)."
              f"\nFix the cause, then finish with:\n    {finish}")
        return False
    return True


def project_module(root):
    """The project's own scripts/project.py: the one home of the setup command and the venv's
    layout, which the next steps name."""
    sys.path.insert(0, str(root))
    sys.dont_write_bytecode = True  # no __pycache__ in the new project
    from scripts import project

    return project


def plan_git(answers, root):
    """The commands of the first commit, what to say after them, and why there are none
    (or None). Settings only for these commands, never written to any git config: a first
    branch named main unless the user chose a default, and the answers as the commit's
    identity when git has none."""
    if not shutil.which("git"):
        return [], [], "No git repository was made: git is not installed."
    outer = quick(["git", "rev-parse", "--show-toplevel"], root)
    if outer.returncode == 0 and Path(outer.stdout.strip()).resolve() == root.resolve():
        return [], [], ("The project is already a git repository: nothing was committed"
                        " (`git status` shows what this bake changed).")
    if outer.returncode == 0:
        github = "" if answers["ci"] == "none" else " (GitHub runs only the workflows in its root's .github/)"
        return [], [], ("No git repository was made: the project is inside the git work tree"
                        f" {outer.stdout.strip()}{github}.")
    init, commit, notes = ["git"], ["git"], []
    if quick(["git", "config", "init.defaultBranch"], root).returncode != 0:
        init += ["-c", "init.defaultBranch=main"]
    for key, answer in (("user.name", "author_name"), ("user.email", "author_email")):
        if quick(["git", "config", key], root).returncode != 0:
            commit += ["-c", f"{key}={answers[answer]}"]
            notes.append(f"git has no {key}: the commit has {answers[answer]!r} from the answers; set"
                         f" yours for later commits with `git config --global {key} ...`")
    if "_output_dir" not in answers:  # cruft create writes .cruft.json after this hook
        notes.append("cruft adds .cruft.json next: commit it with"
                     " `git add .cruft.json && git commit -m 'Link to the template'`")
    message = f"Start {answers['project_name']} from the reproducible Python template"
    steps = [[*init, "init", "--quiet"], ["git", "add", "--all"], [*commit, "commit", "--quiet", "-m", message]]
    return steps, notes, None


def stage(root, left):
    """`git init` and a first `git add` while setup runs: the `git add` after it then only
    takes in what setup changed (a lock it wrote). A failure is said by init_git, later."""
    init = next((step for step in left if isinstance(step, list) and "init" in step), None)
    with contextlib.suppress(OSError):
        if init and run(init, root).returncode == 0:
            left.remove(init)
            run(["git", "add", "--all"], root)


def init_git(root, left, notes):
    """`git init` and one commit of every file (the venv stays out through .gitignore): the
    git commands of `left`, each taken off once it has run."""
    if not (root / "requirements.lock").exists():
        notes.append("the locks are not in it yet: once setup has written them, commit them with"
                     " `git add requirements*.lock && git commit -m 'Lock the requirements'`")
    for command in [step for step in left if isinstance(step, list)]:
        done = run(command, root)
        if done.returncode != 0:
            step = next(word for word in command if word in ("init", "add", "commit"))
            reason = (done.stderr.strip().splitlines() or ["no message"])[-1]
            print(f"\ngit {step} failed, the project is kept as it is: {reason}")
            if step == "commit":  # with an identity of their own, not the one git refused
                message = project_module(root).shell_word(command[-1])
                print("Set your git identity (`git config --global user.name ...` and user.email), then"
                      f" finish with:\n    cd {typed_path(root)} && git commit -m {message}")
            return
        left.remove(command)
    print("\nMade a git repository with one commit of every file (the venv is not in it).")
    for note in notes:
        print(f"  - {note}")


def shell_line(root, command):
    return " ".join(project_module(root).shell_word(word) for word in command)


def stopped(root, left):
    """The one message of a stopped bake: where the project is, and what finishes it."""
    where = typed_path(root)
    if not left:
        return f"\nStopped after the last step: the project in {where} is complete."
    steps = " && ".join(step if isinstance(step, str) else shell_line(root, step) for step in left)
    return f"\nStopped: the project is kept in {where}. Finish it with:\n    cd {where} && {steps}"


def main(answers, keys, root):
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
    setup = project_module(root).SETUP
    finish = f"cd {typed_path(root)} && {setup}"
    rebake = (root / answers["venv_dir"]).exists()  # a re-bake (-f) over a project: its venv is the user's
    steps, notes, no_git = plan_git(answers, root) if answers["init_git"] else ([], [], None)
    left = ([setup] if answers["create_venv"] and not rebake else []) + steps  # what the stop message names
    building, meanwhile = None, io.StringIO()
    try:
        if rebake:
            print(f"\n{answers['venv_dir']}/ and the locks were kept as they are: nothing was installed or"
                  " removed. But this bake rewrote every file the template makes, your edits included:"
                  " review them with `git diff` (undo with `git checkout -- FILE`) before making the venv"
                  f" equal to the locks with:\n    {finish}")
        elif answers["create_venv"]:
            building = start_setup(root)
        with contextlib.redirect_stdout(meanwhile):  # said after setup's own lines
            write_link(answers, keys, root)
            stage(root, left)
        ready = not rebake and venv_ready(answers, root, finish, building)
        if ready:
            left.remove(setup)
        print(meanwhile.getvalue(), end="")
        meanwhile.truncate(0)
        if no_git:
            print(f"\n{no_git}")
        elif steps:
            try:
                init_git(root, left, notes)
            except OSError as error:
                print(f"\nNo git repository was made: {error}")
        if ready:
            activate = project_module(root).Project(root).activate_command()
            print(f"\nNext steps:\n    cd {typed_path(root)}\n    {activate}"
                  "    (or the alias p: define it once, see \"Activate the venv\" in README.md)"
                  "\n    pytest")
        if STOP["signal"]:
            raise Stopped
    except Stopped:
        if isinstance(building, subprocess.Popen) and building.wait() == 0 and setup in left:
            left.remove(setup)  # it had ended well before the stop
        try:
            print(meanwhile.getvalue() + stopped(root, left), flush=True)
        except OSError:
            pass  # the terminal has gone (SIGHUP)


if __name__ == "__main__":
    for name in ("SIGINT", "SIGTERM", "SIGHUP"):  # first of all
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), on_stop_signal)
    sys.stdout = ClosedPipeSafe(sys.stdout)
    try:
        answers = json.loads(r"""{{ cookiecutter | tojson }}""")  # tojson sorts the keys:
        main(answers, json.loads(r"""{{ cookiecutter.keys() | list | tojson }}"""), Path.cwd())  # their order
    finally:
        Path(__file__).unlink(missing_ok=True)  # this rendered copy holds the answers
