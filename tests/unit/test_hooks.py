"""The hooks' own logic, called directly: every refusal, the files each answer set drops,
how cruft's throw-away renders are told apart, and how a path is printed for shells."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from answers import ODD_NAMES, REFUSED
from helpers import QUESTIONS, STARTERS, TEMPLATE, load_module

pre_gen = load_module("pre_gen", TEMPLATE / "hooks" / "pre_gen_project.py")
post_gen = load_module("post_gen", TEMPLATE / "hooks" / "post_gen_project.py")
IMPORTS = json.loads((TEMPLATE / "template_data" / "starter-imports.json").read_text())
DEFAULTS = {**QUESTIONS, "project_slug": "my_project", "python_version": "3.12", "starter_requirements": "none",
            "ci": "github-actions"}


def test_the_defaults_are_accepted():
    assert pre_gen.problem(DEFAULTS, IMPORTS) is None


@pytest.mark.parametrize("answers, words", [pytest.param(a, w, id=i) for i, a, w in REFUSED])
def test_each_refusal_is_one_line_naming_the_field_and_the_value(answers, words):
    merged = {**DEFAULTS, **answers}
    if "project_name" in answers and "project_slug" not in answers:  # the slug follows the name
        merged["project_slug"] = answers["project_name"]
    found = pre_gen.problem(merged, IMPORTS)
    assert found is not None and "\n" not in found
    for word in words:
        assert word in found


@pytest.mark.parametrize("name", [row[1] for row in ODD_NAMES], ids=[row[0] for row in ODD_NAMES])
def test_odd_names_are_accepted(name):
    assert pre_gen.problem({**DEFAULTS, "project_name": name}, IMPORTS) is None


@pytest.mark.parametrize("starter", STARTERS)
def test_no_slug_may_shadow_what_its_starter_installs(starter):
    for name in IMPORTS[starter]:
        answers = {**DEFAULTS, "project_slug": name, "starter_requirements": starter}
        found = pre_gen.problem(answers, IMPORTS)
        assert found and "project_slug" in found, name


def test_every_starter_has_its_import_names_and_the_dev_tools_are_among_them():
    assert set(IMPORTS) == set(STARTERS)
    for starter in STARTERS:
        assert {"pytest", "uv", "pluggy"} <= set(IMPORTS[starter]), starter
    assert {"numpy", "pandas", "matplotlib", "dateutil"} <= set(IMPORTS["data-science"])
    assert {"sklearn", "scipy", "joblib", "threadpoolctl"} <= set(IMPORTS["machine-learning"])
    assert {"fastapi", "uvicorn", "starlette", "pydantic"} <= set(IMPORTS["web-api"])


@pytest.mark.parametrize("starter, docker, ci, gone", [
    ("none", True, "github-actions", {"my_project/app.py", "my_project/model.py", "notebooks", "data"}),
    ("web-api", False, "none", {"Dockerfile", ".dockerignore", ".github", "my_project/reproducibility.py"}),
    ("machine-learning", True, "github-actions", {"my_project/app.py"}),
])
def test_the_files_each_answer_set_drops(starter, docker, ci, gone):
    answers = {**DEFAULTS, "starter_requirements": starter, "use_docker": docker, "ci": ci}
    dropped = set(post_gen.unused_paths(answers))
    assert gone <= dropped
    if starter == "machine-learning":
        assert not {"my_project/model.py", "models", "notebooks"} & dropped


def test_only_cruft_throw_away_renders_count_as_throw_away(tmp_path):
    temp = Path(tempfile.gettempdir()).resolve()
    render = temp / "tmpab12cd_3" / "my_project"
    assert post_gen.throwaway_render({}, render)
    assert not post_gen.throwaway_render({"_output_dir": str(temp)}, render)  # cookiecutter's own bake
    assert not post_gen.throwaway_render({}, tmp_path / "my_project")  # cruft create into a folder
    assert not post_gen.throwaway_render({}, temp / "refresh-locks-x" / "my_project")


@pytest.mark.parametrize("folder, typed", [
    ("plain", "plain"),
    ("with space", "'with space'"),
    ("R&D $HOME", "'R&D $HOME'"),
    ("it's", '"it\'s"'),
], ids=["plain", "space", "ampersand-and-dollar", "quote"])
def test_the_printed_cd_path_is_read_the_same_by_every_shell(tmp_path, monkeypatch, folder, typed):
    shutil.copytree(TEMPLATE / "{{cookiecutter.project_slug}}" / "scripts", tmp_path / folder / "scripts")
    monkeypatch.setenv("PWD", str(tmp_path))
    assert post_gen.typed_path(tmp_path / folder) == typed
    for shell in ("bash", "sh"):  # fish and PowerShell read '...' and "..." (no $) literally too
        done = subprocess.run([shell, "-c", f"cd {typed} && pwd"], cwd=tmp_path, capture_output=True, text=True)
        assert done.stdout.strip() == str(tmp_path / folder), done.stderr


def test_the_next_steps_come_from_the_projects_scripts(tmp_path, monkeypatch):
    """One home: the hook asks the project's scripts/ for the setup command and the activate
    line; it runs in the project folder, and the next steps `cd` there first."""
    project = tmp_path / "project"
    shutil.copytree(TEMPLATE / "{{cookiecutter.project_slug}}" / "scripts", project / "scripts")
    (project / "pyproject.toml").write_text('[tool.env-py]\nvenv = ".venv"\n')
    monkeypatch.chdir(project)
    scripts = post_gen.project_module(project)
    assert scripts.Project(project).activate_command("bash") == "source .venv/bin/activate"
    assert scripts.SETUP == "python3 scripts/env.py setup"
    monkeypatch.chdir(tmp_path)  # elsewhere, the path is whole
    assert scripts.Project(project).activate_command("fish") == f"source {project}/.venv/bin/activate.fish"


def installed_pythons() -> list[str]:
    """Every CPython this machine has, once each: the running one, on PATH (not pyenv's shims,
    scripts that start pyenv first), and under pyenv."""
    import glob
    import os
    import shutil
    import sys

    found = [sys.executable, *glob.glob(str(Path.home() / ".pyenv/versions/3.*/bin/python3"))]
    found += [shutil.which(f"python3.{minor}") or sys.executable for minor in range(10, 20)]
    return sorted({os.path.realpath(path): path for path in found if "/shims/" not in path}.values())


# The top-level names a Python's standard library folders hold, beyond sys.stdlib_module_names
# (none from a Python older than the template allows, 3.10).
STDLIB_NAMES = r"""
import os, re, sys, sysconfig
if sys.version_info < (3, 10):
    sys.exit()
names = set(sys.stdlib_module_names)
lib = sysconfig.get_paths()["stdlib"]
for folder in (lib, os.path.join(lib, "lib-dynload")):
    for entry in os.listdir(folder):
        name = entry.split(".")[0]
        if entry.endswith((".py", ".so", ".pyd")) or os.path.isfile(os.path.join(folder, entry, "__init__.py")):
            names.add(name)
print("\n".join(sorted(name for name in names if re.fullmatch(r"[a-z][a-z0-9]*(_[a-z0-9]+)*", name))))
"""


def test_no_slug_may_shadow_the_standard_library_of_any_installed_python():
    pythons = installed_pythons()
    assert pythons
    asked = [subprocess.Popen([python, "-c", STDLIB_NAMES], stdout=subprocess.PIPE, text=True) for python in pythons]
    names = set()
    for python, answer in zip(pythons, asked, strict=True):
        said = answer.communicate()[0].split()
        assert answer.returncode == 0 and (not said or "json" in said and "test" in said), python
        names.update(said)
    assert "json" in names
    allowed = [name for name in sorted(names) if not pre_gen.problem({**DEFAULTS, "project_slug": name}, IMPORTS)]
    assert allowed == []


# ---- the post-gen hook: linking, and stop signals ---------------------------------------------


@pytest.mark.parametrize("address", ["https://github.com/org/template.git", "git@github.com:org/template.git",
                                     "gh:org/template", "file://{here}", "{here}", ".", "no-such-folder"])
def test_the_template_address_is_recorded_as_cruft_records_it(tmp_path, monkeypatch, address):
    import warnings

    with warnings.catch_warnings():  # typer's, on import
        warnings.simplefilter("ignore", DeprecationWarning)
        from cruft._commands.utils.cookiecutter import resolve_template_url

    monkeypatch.chdir(tmp_path)
    address = address.format(here=tmp_path)
    assert post_gen.cruft_url(address) == resolve_template_url(address)


def test_the_link_later_line_carries_any_answer_through_every_shell(tmp_path):
    import shutil

    answers = {**DEFAULTS, "project_name": "Bob's \"Q\" \\ $HOME `x` ☕", "_repo_dir": str(tmp_path)}
    line = post_gen.link_later(answers, tmp_path / "p", "the reason, so no commit is known")
    assert line.count("\n") == 1 and line.startswith("\nNot linked to the template: the reason")
    quoted = re.search(r"--extra-context ('[^']*')", line).group(1)
    given = {key: value for key, value in answers.items() if not key.startswith("_")}
    shells = [shell for shell in ("bash", "sh", "zsh", "fish") if shutil.which(shell)]
    for shell in shells:
        printed = subprocess.run([shell, "-c", f"printf '%s' {quoted}"], capture_output=True, text=True).stdout
        assert json.loads(printed) == given, shell


@pytest.mark.parametrize("left, says", [
    ([], "Stopped after the last step: the project in p is complete."),
    (["python3 scripts/env.py setup", ["git", "init"], ["git", "-c", "user.name=A B", "commit", "-m", "Start it"]],
     "Finish it with:\n    cd p && python3 scripts/env.py setup && git init"
     " && git -c 'user.name=A B' commit -m 'Start it'"),
])
def test_a_stopped_bake_names_what_is_left(tmp_path, monkeypatch, left, says):
    (tmp_path / "p").mkdir()
    monkeypatch.setenv("PWD", str(tmp_path))
    assert post_gen.stopped(tmp_path / "p", left).endswith(says)


def test_a_stop_signal_reaches_the_running_command_as_one_ctrl_c_then_stops(tmp_path):
    """SIGTERM to the hook: the command gets one SIGINT, ends its own way, and run() raises
    Stopped once it has ended; nothing more starts."""
    import os
    import signal
    import sys
    import threading
    import time

    log, started = tmp_path / "log", tmp_path / "started"
    child = ("import pathlib, signal, sys, time\n"
             "signal.signal(signal.SIGINT, lambda *_: open(sys.argv[1], 'a').write('ctrl-c\\n'))\n"
             "pathlib.Path(sys.argv[2]).touch()\ntime.sleep(0.5)\nopen(sys.argv[1], 'a').write('ended\\n')\n")

    def terminate_once_started():
        while not started.exists():
            time.sleep(0.01)
        os.kill(os.getpid(), signal.SIGTERM)

    before = signal.signal(signal.SIGTERM, post_gen.on_stop_signal)
    try:
        threading.Thread(target=terminate_once_started, daemon=True).start()
        with pytest.raises(post_gen.Stopped):
            post_gen.run([sys.executable, "-c", child, log, started], tmp_path)
        assert log.read_text() == "ctrl-c\nended\n"
        with pytest.raises(post_gen.Stopped):  # nothing more starts
            post_gen.run([sys.executable, "-c", "open('ran', 'w')"], tmp_path)
        assert not (tmp_path / "ran").exists()
    finally:
        signal.signal(signal.SIGTERM, before)
        post_gen.STOP.update(signal=None, children=set(), told=set())


def test_the_longest_slug_has_one_value_in_the_hook_and_the_extension():
    """A slug longer than a folder's name may be is refused by the extension, before the hook
    runs: both name the same limit, and a slug a folder can have passes through it."""
    extension = load_module("template_extensions", TEMPLATE / "template_extensions.py")
    assert extension.LONGEST_SLUG == pre_gen.LONGEST["project_slug"]
    assert extension.folder_name("s" * 255) == "s" * 255
    assert extension.FOLDER == "{{cookiecutter.project_slug}}" and (TEMPLATE / extension.FOLDER).is_dir()
