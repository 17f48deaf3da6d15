"""Daily use of a baked project, as a new team member meets it: real shells, real commands."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import HOST_PYTHON, TEMPLATE, bake, clean_env

BASH = shutil.which("bash")
FISH = shutil.which("fish")


def readme_block(project, language: str) -> str:
    [block] = [b for b in re.findall(rf"```{language}\n(.*?)```", (project.path / "README.md").read_text(), re.S)
               if "p()" in b or "function p" in b]
    return block


# ---- pytest and imports from anywhere ------------------------------------------------------


@pytest.mark.parametrize("folder", [".", "tests", "notebooks"])
def test_pytest_and_imports_work_as_typed_from_any_folder(baked, folder):
    project = baked(starter_requirements="data-science")
    tests = "../tests" if folder == "notebooks" else ""  # notebooks/ holds no tests of its own
    script = (f"source venv/bin/activate && cd {folder} && pytest -q -p no:cacheprovider {tests}"
              f" && python -m pytest -q -p no:cacheprovider {tests} && python -c 'import my_project'")
    done = project.run(BASH, "-c", script)
    assert done.stdout.count("7 passed") == 2, done.stdout


# ---- the p command, in real shells -----------------------------------------------------------


@pytest.mark.parametrize("folder", [".", "tests", "my_project"])
def test_p_activates_the_venv_from_any_folder_in_bash(baked, folder):
    project = baked()
    script = f'{readme_block(project, "bash")}\ncd {folder} && p && echo "$VIRTUAL_ENV|$PS1"'
    done = project.run(BASH, "--norc", "-c", script)
    venv, prompt = done.stdout.strip().split("|", 1)
    assert Path(venv).resolve() == project.venv.resolve()
    assert "(my_project)" in prompt  # the prompt names the project, not "venv"


@pytest.mark.skipif(not FISH and not os.environ.get("CI"), reason="fish is not installed (apt-get install fish)")
@pytest.mark.parametrize("folder", [".", "tests"])
def test_p_activates_the_venv_from_any_folder_in_fish(baked, folder):
    project = baked()
    done = project.run(FISH or "fish", "--no-config", "-c",
                       f"{readme_block(project, 'fish')}\ncd {folder}; and p; and echo $VIRTUAL_ENV")
    assert Path(done.stdout.strip()).resolve() == project.venv.resolve()


def test_the_powershell_p_looks_up_the_tree_for_the_venvs_activate_script(baked):
    """PowerShell cannot be installed here: its definition is read (Windows CI runs it)."""
    block = readme_block(baked(), "powershell")
    assert block.startswith("function p {") and "Split-Path $d" in block and r"\venv\Scripts\Activate.ps1" in block


# ---- setup, check and lock --------------------------------------------------------------------


def test_setup_names_what_it_removes_and_where_it_belongs(cookies):
    project = bake(cookies, init_git=False)
    project.run(project.python, "-m", "pip", "install", "--quiet", "six")
    done = project.env_py("setup")
    assert re.search(r"removing what the locks do not list: six==[\d.]+\. To keep a package, add it to"
                     r" requirements-dev.txt", done.stdout)
    assert project.run(project.python, "-c", "import six", check=False).returncode == 1


def test_installs_print_progress_lines_not_the_installers_log(cookies):
    project = bake(cookies, starter_requirements="data-science", create_venv=False, init_git=False)
    done = project.env_py("setup")
    assert "installing requirements-dev.lock into venv/" in done.stdout
    assert not re.search(r"^( \+ |Collecting|Installed \d+ packages)", done.stdout + done.stderr, re.M)


@pytest.mark.parametrize("starter", ["data-science", "machine-learning"])
def test_the_data_starters_venv_is_a_notebook_kernel(baked, starter):
    project = baked(starter_requirements=starter)
    project.run(project.python, "-m", "ipykernel", "install", "--help")
    assert project.env_py("check").returncode == 0


def test_check_fails_on_a_stale_lock_naming_it(cookies):
    project = bake(cookies, init_git=False)
    with open(project.path / "requirements.txt", "a") as requirements:
        requirements.write("six\n")
    done = project.env_py("check", check=False)
    assert done.returncode == 1
    assert "requirements.lock is stale: requirements.txt or the Python version" in done.stdout
    assert "run `python3 scripts/env.py setup` to bring them back in line" in done.stdout


def test_check_runtime_in_the_dev_venv_explains_what_it_is_for(baked, tmp_path):
    project = baked()
    done = project.run(project.python, "scripts/env.py", "check", "--runtime", check=False)
    assert done.returncode == 2 and "it is for the image" in done.stderr and "setup" not in done.stderr
    # In a venv built from requirements.lock alone, as in the image or CI, it compares.
    runtime = tmp_path / "runtime"
    project.run(sys.executable, "-m", "venv", runtime)
    project.run(runtime / "bin/python", "-m", "pip", "install", "--quiet", "--require-hashes", "-r",
                "requirements.lock")
    ok = project.run(runtime / "bin/python", "scripts/env.py", "check", "--runtime")
    assert f"in sync: {runtime}" in ok.stdout


def test_env_py_is_executable(baked):
    project = baked()
    assert os.access(project.path / "scripts/env.py", os.X_OK)
    assert "in sync" in project.run("./scripts/env.py", "check").stdout


# ---- switching Python -------------------------------------------------------------------------


def test_setup_python_switches_every_file_the_locks_and_the_venv(cookies, other_python):
    version = other_python
    project = bake(cookies, init_git=False)
    done = project.env_py("setup", "--python", version)
    assert f"removing venv/, made with Python {HOST_PYTHON}" in done.stdout
    assert (project.path / ".python-version").read_text() == f"{version}\n"
    assert f"\nARG PYTHON_VERSION={version}\n" in (project.path / "Dockerfile").read_text()
    assert f"# Python {version}, every platform" in (project.path / "requirements.lock").read_text()
    out = project.run(project.python, "-c", "import sys; print('%d.%d' % sys.version_info[:2])")
    assert out.stdout.strip() == version
    assert project.env_py("check").returncode == 0
    readme = (project.path / "README.md").read_text().replace("setup --python 3.13", "")  # its example
    assert HOST_PYTHON not in readme  # nothing else names the version


def test_setup_python_with_a_python_that_is_not_there_changes_nothing(cookies):
    project = bake(cookies, init_git=False)
    before = {name: (project.path / name).read_bytes() for name in (".python-version", "Dockerfile",
                                                                     "requirements.lock")}
    done = project.env_py("setup", "--python", "3.99", check=False)
    assert done.returncode == 1 and "no Python 3.99 found" in done.stderr
    assert {name: (project.path / name).read_bytes() for name in before} == before


def test_a_hand_edited_python_version_points_setup_to_the_switch(cookies):
    project = bake(cookies, init_git=False)
    (project.path / ".python-version").write_text("3.99\n")
    done = project.env_py("setup", check=False)
    assert done.returncode == 1
    assert "`python3 scripts/env.py setup --python 3.99` makes it anew" in done.stderr


def test_check_names_a_dockerfile_whose_python_disagrees(cookies):
    project = bake(cookies, init_git=False)
    dockerfile = project.path / "Dockerfile"
    dockerfile.write_text(re.sub(r"(?m)^ARG PYTHON_VERSION=.*$", "ARG PYTHON_VERSION=3.10", dockerfile.read_text()))
    done = project.env_py("check", check=False)
    assert done.returncode == 1
    assert f"Dockerfile: its default ARG PYTHON_VERSION is 3.10, .python-version says {HOST_PYTHON}" in done.stdout
    assert f"`python3 scripts/env.py setup --python {HOST_PYTHON}`" in done.stdout


# ---- the bake's own messages ------------------------------------------------------------------


CD = [
    pytest.param(".", [], "my_project", id="no-output-dir"),
    pytest.param(".", ["-o", "projects"], "projects/my_project", id="output-dir-below"),
    pytest.param("work", ["-o", ".."], "../my_project", id="output-dir-above"),
]


@pytest.mark.parametrize("cwd, options, typed", CD)
def test_next_steps_cd_path_is_right_from_where_cookiecutter_ran(tmp_path, cwd, options, typed):
    start = tmp_path / cwd
    start.mkdir(exist_ok=True)
    done = subprocess.run([sys.executable, "-m", "cookiecutter", "--no-input", *options, str(TEMPLATE),
                           "create_venv=false", "init_git=false"],
                          cwd=start, capture_output=True, text=True, env=clean_env(PWD=str(start)))
    assert done.returncode == 0, done.stderr
    assert f"    cd {typed} && python3 scripts/env.py setup" in done.stdout
    assert (start / typed / "README.md").is_file()


def test_a_refused_answer_says_how_to_bake_again_with_the_saved_answers(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    env = clean_env(HOME=str(home), PWD=str(tmp_path))  # cookiecutter's default config, in a home of its own
    del env["COOKIECUTTER_CONFIG"]
    bake_cmd = [sys.executable, "-m", "cookiecutter", "--no-input", str(TEMPLATE), "project_slug=json",
                "create_venv=false", "init_git=false"]
    refused = subprocess.run(bake_cmd, cwd=tmp_path, capture_output=True, text=True, env=env)
    assert refused.returncode != 0 and "error: project_slug: 'json'" in refused.stderr
    match = re.search(r"Your answers are saved in (\S+): fix the value there, then bake again with `(.+?)`",
                      refused.stderr)
    assert match, refused.stderr
    replay = Path(match.group(1))
    answers = json.loads(replay.read_text())
    answers["cookiecutter"]["project_slug"] = "json_tools"
    replay.write_text(json.dumps(answers))
    command = shlex.split(match.group(2))
    again = subprocess.run([sys.executable, "-m", *command], cwd=tmp_path, capture_output=True, text=True,
                           env=env)
    assert again.returncode == 0, again.stderr
    assert (tmp_path / "json_tools" / "README.md").is_file()


def test_prompts_say_the_rules_up_front():
    prompts = json.loads((TEMPLATE / "cookiecutter.json").read_text())["__prompts__"]
    assert "lowercase letters, digits and _" in prompts["project_slug"]
    assert "3.10 or newer" in prompts["python_version"] and "installed" in prompts["python_version"]
    assert "default" not in prompts["python_version"]  # cookiecutter shows the default itself


# ---- notebooks, data and models ---------------------------------------------------------------


@pytest.mark.parametrize("starter, folders", [("data-science", ["notebooks", "data"]),
                                              ("machine-learning", ["notebooks", "data", "models"])])
def test_data_starters_have_their_folders_with_contents_kept_out_of_git_and_the_image(baked, starter, folders):
    project = baked(starter_requirements=starter)
    for folder in folders:
        assert (project.path / folder / "README.md").is_file()
    ignored = [p for p in ["data/sales.csv", "models/wine/model.pkl", "notebooks/.ipynb_checkpoints/a.ipynb"]
               if p.split("/")[0] in folders]
    assert project.run("git", "check-ignore", "--no-index", *ignored).stdout.split() == ignored
    kept = [f"{folder}/README.md" for folder in folders] + ["notebooks/explore.ipynb"]
    assert project.run("git", "check-ignore", "--no-index", *kept, check=False).stdout == ""
    dockerignore = (project.path / ".dockerignore").read_text().split()
    assert {"data/", "notebooks/"} <= set(dockerignore)
    assert ("models/" in dockerignore) == (starter == "machine-learning")
