"""Every message leads somewhere: for each message that suggests a command, the state it
describes is reached, the command is run as printed, and it works."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import HOST_PYTHON, TEMPLATE, bake, clean_env

# ---- the bake's own messages ------------------------------------------------------------------

CD = [
    pytest.param(".", [], "my_project", id="no-output-dir"),
    pytest.param(".", ["-o", "projects"], "projects/my_project", id="output-dir-below"),
    pytest.param("work", ["-o", ".."], "../my_project", id="output-dir-above"),
    pytest.param(".", ["-o", "R&D $HOME"], "'R&D $HOME/my_project'", id="folder-with-shell-characters"),
]


@pytest.mark.parametrize("cwd, options, typed", CD)
def test_next_steps_cd_path_is_right_from_where_cookiecutter_ran(tmp_path, cwd, options, typed):
    start = tmp_path / cwd
    start.mkdir(exist_ok=True)
    done = subprocess.run([sys.executable, "-m", "cookiecutter", "--no-input", *options, str(TEMPLATE),
                           "create_venv=false", "init_git=false"],
                          cwd=start, capture_output=True, text=True, env=clean_env(PWD=str(start)))
    assert done.returncode == 0, done.stderr
    line = next(line for line in done.stdout.splitlines() if line.startswith("    cd "))
    assert line == f"    cd {typed} && python3 scripts/env.py setup"
    pwd = subprocess.run(["bash", "-c", f"{line.split(' && ')[0].strip()} && pwd"], cwd=start, capture_output=True,
                         text=True)  # the cd, pasted into a shell, gets there
    assert Path(pwd.stdout.strip()) == (start / typed.strip("'")).resolve()


TEMPLATE_NAMES = [
    pytest.param(".", TEMPLATE, id="dot-from-the-checkout"),
    pytest.param(os.path.relpath(TEMPLATE, "/tmp"), Path("/tmp"), id="relative-path"),
    pytest.param(str(TEMPLATE), Path("/"), id="absolute-path"),
]


@pytest.mark.parametrize("name, cwd", TEMPLATE_NAMES)
def test_a_refused_answer_says_how_to_bake_again_however_the_template_was_named(tmp_path, name, cwd):
    home = tmp_path / "home"
    home.mkdir()
    env = clean_env(HOME=str(home), PWD=str(cwd))  # cookiecutter's default config, in a home of its own
    del env["COOKIECUTTER_CONFIG"]
    out = tmp_path / "out"
    bake_cmd = [sys.executable, "-m", "cookiecutter", "--no-input", "-o", str(out), name, "project_slug=json",
                "create_venv=false", "init_git=false"]
    refused = subprocess.run(bake_cmd, cwd=cwd, capture_output=True, text=True, env=env)
    assert refused.returncode != 0 and "error: project_slug: 'json'" in refused.stderr
    match = re.search(r"Your answers are saved in (\S+): fix the value there, then bake again with `(.+?)`",
                      refused.stderr)
    assert match, refused.stderr
    replay = Path(match.group(1))
    answers = json.loads(replay.read_text())
    answers["cookiecutter"]["project_slug"] = "json_tools"
    replay.write_text(json.dumps(answers))
    again = subprocess.run([sys.executable, "-m", *shlex.split(match.group(2))], cwd=cwd, capture_output=True,
                           text=True, env=env)
    assert again.returncode == 0, again.stderr
    assert (out / "json_tools" / "README.md").is_file()


def test_prompts_say_the_rules_up_front():
    prompts = json.loads((TEMPLATE / "cookiecutter.json").read_text())["__prompts__"]
    assert "lowercase letters, digits and _" in prompts["project_slug"]
    assert "3.10 or newer" in prompts["python_version"] and "installed" in prompts["python_version"]
    assert "default" not in prompts["python_version"]  # cookiecutter shows the default itself


def test_an_author_name_git_refuses_says_how_to_finish_the_first_commit(cookies, capfd, git_config):
    project = bake(cookies, author_name="<>", create_venv=False)
    out, _ = capfd.readouterr()
    assert "git commit failed, the project is kept as it is:" in out
    match = re.search(r"then finish with:\n    cd \S+ && (git commit -m .+)\n", out)
    assert match, out
    git_config.write_text("[user]\n\tname = Ada Lovelace\n\temail = ada@example.org\n")  # what it says first
    subprocess.run(["bash", "-c", match.group(1)], cwd=project.path, check=True, capture_output=True)
    assert project.run("git", "status", "--porcelain").stdout == ""
    assert project.run("git", "log", "--format=%an").stdout == "Ada Lovelace\n"


# ---- scripts/env.py's messages ------------------------------------------------------------------


def test_an_unwritable_uv_cache_names_the_setting_that_moves_it_and_that_works(cookies, tmp_path):
    project = bake(cookies, create_venv=False, init_git=False)
    broken = {"HOME": "/dev/null", "UV_CACHE_DIR": "/dev/null/uv"}  # no cache folder can be made there
    done = project.env_py("setup", check=False, env=broken)
    assert done.returncode == 1
    assert done.stderr.strip().splitlines()[-1] == (
        "env.py: setup stopped: creating the venv failed (exit status 2): uv cannot write its cache"
        " (/dev/null/uv): set UV_CACHE_DIR to a folder you can write")
    project.env_py("setup", env={**broken, "UV_CACHE_DIR": str(tmp_path / "uv-cache")})
    assert project.env_py("check").returncode == 0


def test_a_package_setup_would_remove_is_kept_as_the_message_says(cookies):
    project = bake(cookies, init_git=False)
    project.run(project.python, "-m", "pip", "install", "--quiet", "six")
    check = project.env_py("check", check=False)
    assert "it removes six==" in check.stdout and "to keep one, `python3 scripts/env.py add` it" in check.stdout
    project.env_py("add", "--dev", "six")  # what it says
    project.run(project.python, "-c", "import six")
    assert project.env_py("check").returncode == 0


def test_the_readmes_commands_for_a_new_dependency_put_it_where_they_say(cookies):
    project = bake(cookies, init_git=False)
    lines = [line for line in project.read("README.md").splitlines() if line.startswith("python3 scripts/env.py add ")]
    assert len(lines) == 2, lines  # a package of the app, and a tool
    for line in lines:
        command, where = line.split("#")
        project.run("bash", "-c", command)
        name = command.split()[-1]
        [listed] = re.findall(r"\S+\.txt", where)  # the file the comment names
        assert re.search(rf"(?m)^{name}\b", project.read(listed)), (listed, name)
    project.run(project.python, "-c", "import requests, coverage")
    assert project.env_py("check").returncode == 0


@pytest.mark.parametrize("line", ["-e .", "tool @ https://example.org/tool-1.0-py3-none-any.whl"])
def test_a_refused_requirement_line_points_to_what_works_instead(cookies, line):
    project = bake(cookies, create_venv=False, init_git=False)
    project.add_requirement(line)
    done = project.env_py("lock", check=False)
    assert done.returncode == 1 and "requirements.txt, line " in done.stderr
    text = project.read("requirements.txt").replace(f"{line}\n", "")  # remove it, or require it by name
    (project.path / "requirements.txt").write_text(text + ("six\n" if "@" in line else ""))
    project.env_py("lock")


def test_check_runtime_in_the_dev_venv_points_to_check(baked):
    project = baked()
    done = project.run(project.python, "scripts/env.py", "check", "--runtime", check=False)
    assert done.returncode == 2 and "run `python3 scripts/env.py check`" in done.stderr
    assert project.env_py("check").returncode == 0


def test_asking_for_the_uv_backend_without_uv_points_to_plain_setup(cookies, tmp_path):
    project = bake(cookies, create_venv=False, init_git=False)
    python = Path(sys.base_prefix) / "bin" / "python3"
    if subprocess.run([python, "-c", "import uv"], capture_output=True).returncode == 0:
        pytest.skip(f"{python} has uv installed")
    path = os.pathsep.join(p for p in clean_env()["PATH"].split(os.pathsep) if not (Path(p) / "uv").exists())
    done = project.run(python, "scripts/env.py", "setup", "--backend", "uv", check=False, env={"PATH": path})
    assert done.returncode == 1 and "or use `python3 scripts/env.py setup`" in done.stderr
    project.run(python, "scripts/env.py", "setup", env={"PATH": path})
    assert project.run(python, "scripts/env.py", "check", env={"PATH": path}).returncode == 0


def test_a_bad_backend_setting_names_the_allowed_ones(cookies):
    project = bake(cookies, create_venv=False, init_git=False)
    done = project.env_py("setup", check=False, env={"ENV_PY_BACKEND": "conda"})
    assert done.returncode == 1 and "ENV_PY_BACKEND: 'conda' is not one of auto, pip, uv" in done.stderr
    assert HOST_PYTHON in project.read(".python-version")
