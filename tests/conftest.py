"""Shared helpers: bake once per option set, and run commands in a baked project.

Every bake is real (cookiecutter through pytest-cookies, hooks included), and what it
bakes is run for real: venvs, pip and uv installs, linters.
"""

from __future__ import annotations

import glob
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

TEMPLATE = Path(__file__).resolve().parent.parent
HOST_PYTHON = "{}.{}".format(*sys.version_info)
# Variables that point into this test run's own environment: a command run in a baked
# project must see none of them, or it could use our venv instead of its own.
LEAKY = ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "CONDA_PREFIX",
         "PYTEST_ADDOPTS", "PYTEST_XDIST_WORKER", "PYTEST_CURRENT_TEST", "ENV_PY_BACKEND",
         "GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE")

# The package index made unreachable for pip and uv alike: a closed port on loopback,
# no local indexes or wheel folders from the machine's pip configuration, no retries.
OFFLINE = {
    "PIP_CONFIG_FILE": os.devnull, "PIP_INDEX_URL": "http://127.0.0.1:9/simple",
    "PIP_EXTRA_INDEX_URL": "", "PIP_FIND_LINKS": "", "PIP_RETRIES": "0", "PIP_TIMEOUT": "5",
    "UV_INDEX_URL": "http://127.0.0.1:9/simple", "UV_DEFAULT_INDEX": "http://127.0.0.1:9/simple",
    "UV_HTTP_RETRIES": "0",
}


# What a bake says when its environment step failed; the cd path depends on where the test
# run started, and the project folder ends it.
FINISH = re.compile(r"Fix the cause, then finish with:\n    cd \S*my_project && python3 scripts/env.py setup")


def copy_template(destination: Path) -> Path:
    """A copy of this checkout's template, to change for one test, without its git and caches."""
    shutil.copytree(TEMPLATE, destination, ignore=shutil.ignore_patterns(
        ".git", ".venv", "__pycache__", ".pytest_cache", ".ruff_cache"))
    return destination


def tool(name: str) -> str:
    """A command-line tool installed with this test run's requirements-dev.txt."""
    return str(Path(sysconfig.get_path("scripts")) / name)


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in LEAKY}
    own_bin = str(Path(sys.executable).parent)
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep) if p != own_bin)
    env.update(extra)
    return env


class Baked:
    """A baked project on disk, and a way to run commands in it."""

    def __init__(self, result):
        assert result.exception is None, result.exception
        assert result.exit_code == 0
        self.result = result
        self.path: Path = result.project_path
        self.context = result.context
        self.venv = self.path / self.context["venv_dir"]
        self.python = self.venv / "bin" / "python"

    def run(self, *cmd, check: bool = True, env: dict | None = None) -> subprocess.CompletedProcess:
        """Runs `cmd` in the project with a clean environment; output is returned as text."""
        done = subprocess.run([str(c) for c in cmd], cwd=self.path, env=clean_env(**(env or {})),
                              capture_output=True, text=True)
        if check and done.returncode != 0:
            raise AssertionError(f"{cmd} exited {done.returncode}\n{done.stdout}\n{done.stderr}")
        return done

    def env_py(self, *args, check: bool = True, env: dict | None = None):
        """`python3 scripts/env.py ...` as a teammate would run it."""
        return self.run(sys.executable, "scripts/env.py", *args, check=check, env=env)

    def freeze(self, python: Path | None = None) -> set[str]:
        """The venv's `name==version` set, pip/setuptools/wheel left out (as pip freeze does)."""
        out = self.run(python or self.python, "-m", "pip", "freeze", "--exclude-editable").stdout
        return {normalize_line(line) for line in out.splitlines() if "==" in line}


def normalize_line(line: str) -> str:
    name, _, version = line.partition("==")
    return f"{name.strip().lower().replace('_', '-')}=={version.strip()}"


def lock_entries(path: Path) -> list[tuple[str, int]]:
    """(requirement, hash count) of each entry of a lock, read without scripts/env.py."""
    entries = []
    for line in path.read_text().replace("\\\n", " ").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            entries.append((line.split(" --hash")[0].strip(), line.count("--hash=sha256:")))
    return entries


def workflow_jobs(path: Path) -> dict:
    """A GitHub Actions workflow's jobs, read as YAML 1.2 (so `on:` stays a string key)."""
    from ruamel.yaml import YAML

    return YAML(typ="safe").load(path.read_text())["jobs"]


def assert_run_steps_pass_shellcheck(path: Path) -> None:
    """Each `run:` step of a workflow, as the bash script Actions makes of it, is shellcheck-clean."""
    for job in workflow_jobs(path).values():
        for step in job.get("steps", []):
            if "run" in step:
                # ${{ }} is filled in by Actions before bash sees the script.
                script = re.sub(r"\$\{\{.*?\}\}", "EXPRESSION", step["run"])
                # SC1091: a venv's activate script does not exist until the step before runs.
                lint = subprocess.run([tool("shellcheck"), "--shell=bash", "--exclude=SC1091", "-"],
                                      input=script, capture_output=True, text=True)
                assert lint.returncode == 0, f"{path.name}: {step.get('name', script)}\n{lint.stdout}"


def load_module(name: str, path: Path):
    """Imports a hook or a baked script from its file, so a test can call its functions."""
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def other_python(monkeypatch) -> str:
    """Another installed CPython minor version (3.10 or newer), put first on PATH; skips without one."""
    for folder in os.environ.get("PATH", "").split(os.pathsep) + glob.glob(
        os.path.expanduser("~/.pyenv/versions/*/bin")
    ):
        for path in sorted(glob.glob(os.path.join(folder, "python3.*"))):
            match = re.fullmatch(r"python(3\.(\d+))", Path(path).name)
            if match and match.group(1) != HOST_PYTHON and int(match.group(2)) >= 10:
                if os.access(path, os.X_OK) and "shims" not in folder:  # pyenv shims may not run
                    monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ['PATH']}")
                    return match.group(1)
    pytest.skip(f"no second CPython (3.10 or newer, other than {HOST_PYTHON}) on PATH or under pyenv")


def bake(cookies, **context) -> Baked:
    return Baked(cookies.bake(extra_context=context))


@pytest.fixture(scope="session")
def baked(cookies_session):
    """baked(**answers): one bake per distinct set of answers, shared by a module's tests."""
    made: dict[tuple, Baked] = {}

    def get(**context) -> Baked:
        key = tuple(sorted(context.items()))
        if key not in made:
            made[key] = bake(cookies_session, **context)
        return made[key]

    return get


@pytest.fixture(scope="session", autouse=True)
def own_cookiecutter_config(tmp_path_factory):
    """Bakes through the cookiecutter command keep their replay files and template clones in
    the test run's own folders, never in the user's ~/.cookiecutter_replay."""
    folder = tmp_path_factory.mktemp("cookiecutter-config")
    config = folder / "config.yaml"
    config.write_text(f"cookiecutters_dir: {folder / 'templates'}\nreplay_dir: {folder / 'replay'}\n")
    before = os.environ.get("COOKIECUTTER_CONFIG")
    os.environ["COOKIECUTTER_CONFIG"] = str(config)
    yield
    if before is None:
        del os.environ["COOKIECUTTER_CONFIG"]
    else:
        os.environ["COOKIECUTTER_CONFIG"] = before


def pytest_terminal_summary(terminalreporter):
    """Prints the costs that tests recorded (image builds), also from xdist workers."""
    costs = [value for reports in terminalreporter.stats.values() for report in reports
             for name, value in getattr(report, "user_properties", []) if name == "cost"]
    if costs:
        terminalreporter.section("costs")
        for line in costs:
            terminalreporter.write_line(line)
