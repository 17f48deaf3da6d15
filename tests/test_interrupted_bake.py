"""A bake stopped by a signal keeps the project and prints the commands that finish it.

The real `cookiecutter` command runs in a process group of its own, as a shell runs it in the
foreground; the signal goes to the whole group, as a terminal sends Ctrl-C (SIGINT) or its
hang-up (SIGHUP), at a moment the bake's own output marks. A git pre-commit hook (from a git
configuration of the test's own) holds the first commit open, to stop the bake inside it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from helpers import TEMPLATE, clean_env, tool

# A pre-commit hook that, when asked, says it has started and then takes its time.
SLOW_COMMIT = '#!/bin/sh\n[ -n "$SLOW_COMMIT" ] || exit 0\ntouch "$SLOW_COMMIT"\nexec sleep 60\n'


@pytest.fixture
def user(tmp_path):
    """A user's folder and git configuration (an identity, and the pre-commit hook above)."""
    hooks = tmp_path / "git-hooks"
    hooks.mkdir()
    (hooks / "pre-commit").write_text(SLOW_COMMIT)
    (hooks / "pre-commit").chmod(0o755)
    config = tmp_path / "gitconfig"
    config.write_text(f"[user]\n\tname = Ada\n\temail = ada@example.org\n[core]\n\thooksPath = {hooks}\n")
    home = tmp_path / "home"
    home.mkdir()
    tools = tmp_path / "bin"  # uv on PATH, as most users have it (setup would otherwise fetch it first)
    tools.mkdir()
    (tools / "uv").symlink_to(tool("uv"))
    env = clean_env(GIT_CONFIG_GLOBAL=str(config), GIT_CONFIG_NOSYSTEM="1", PWD=str(home))
    return {**env, "PATH": f"{tools}{os.pathsep}{env['PATH']}"}, home


def interrupted_bake(env: dict, home: Path, number: int, moment: str) -> subprocess.CompletedProcess:
    """`cookiecutter --no-input TEMPLATE` from `home`, sent `number` when its output shows
    `moment` (or, for "commit", when the first commit has started)."""
    marker = home.parent / "commit-started"
    env = {**env, "SLOW_COMMIT": str(marker) if moment == "commit" else ""}
    # Ctrl-C does what it does in a terminal's foreground job, even when these tests were
    # started where it is ignored (a background job of a script).
    bake = subprocess.Popen([sys.executable, "-m", "cookiecutter", "--no-input", "-o", "out", TEMPLATE], cwd=home,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    seen = []
    while moment == "commit" and not marker.exists() and bake.poll() is None:
        time.sleep(0.01)
    for line in bake.stdout if moment != "commit" else []:
        seen.append(line)
        if moment in line:
            break
    os.killpg(bake.pid, number)
    rest, _ = bake.communicate(timeout=120)
    return subprocess.CompletedProcess(bake.args, bake.returncode, "".join(seen) + rest)


@pytest.mark.parametrize("number, moment", [
    pytest.param(signal.SIGINT, "env.py: installing", id="ctrl-c-while-installing"),
    pytest.param(signal.SIGINT, "commit", id="ctrl-c-in-the-first-commit"),
    pytest.param(signal.SIGTERM, "env.py: creating", id="sigterm-while-creating-the-venv"),
    pytest.param(signal.SIGHUP, "env.py: installing", id="hang-up-while-installing"),
])
def test_a_stopped_bake_keeps_the_project_and_prints_what_finishes_it(user, number, moment):
    env, home = user
    done = interrupted_bake(env, home, number, moment)
    project = home / "out" / "my_project"
    assert project.is_dir(), done.stdout
    assert "Traceback" not in done.stdout
    lines = done.stdout.splitlines()
    [stop] = [i for i, line in enumerate(lines) if line.startswith("Stopped: the project is kept in out/my_project.")]
    assert lines[stop + 1].startswith("    cd out/my_project && "), done.stdout
    if moment != "commit":
        assert "python3 scripts/env.py setup && " in lines[stop + 1]
    # What cookiecutter itself prints: "Aborted!" after a Ctrl-C; nothing when a signal ends it.
    assert lines[stop + 2:] == (["", "Aborted!"] if number == signal.SIGINT else []), done.stdout

    finish = subprocess.run(["bash", "-c", lines[stop + 1].strip()], cwd=home, env=env, capture_output=True, text=True)
    assert finish.returncode == 0, finish.stdout + finish.stderr
    check = subprocess.run([sys.executable, "scripts/env.py", "check"], cwd=project, env=env, capture_output=True,
                           text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    log = subprocess.run(["git", "log", "--format=%s"], cwd=project, env=env, capture_output=True, text=True)
    assert log.stdout == "Start My Project from the reproducible Python template\n"
    status = subprocess.run(["git", "status", "--porcelain"], cwd=project, env=env, capture_output=True, text=True)
    assert status.stdout == ""


def test_a_bake_whose_reader_goes_away_still_ends_whole(user):
    """`cookiecutter ... | head -1`: the pipe closes after the first line; the bake goes on
    unheard and ends as any bake does (before, the hook failed and cookiecutter deleted it)."""
    env, home = user
    bake = subprocess.Popen([sys.executable, "-m", "cookiecutter", "--no-input", "-o", "out", TEMPLATE], cwd=home,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    bake.stdout.readline()
    bake.stdout.close()  # as head does once it has its line
    assert bake.wait(timeout=300) == 0
    project = home / "out" / "my_project"
    check = subprocess.run([sys.executable, "scripts/env.py", "check"], cwd=project, env=env, capture_output=True,
                           text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    log = subprocess.run(["git", "log", "--format=%s"], cwd=project, env=env, capture_output=True, text=True)
    assert log.stdout == "Start My Project from the reproducible Python template\n"
