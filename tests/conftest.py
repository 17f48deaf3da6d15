"""Fixtures: bakes shared by a module's tests, a second Python, and the test run's own
cookiecutter settings. Helpers that tests import live in helpers.py.

Every bake is real (cookiecutter through pytest-cookies, hooks included), and what it
bakes is run for real: venvs, pip and uv installs, linters.
"""

from __future__ import annotations

import glob
import os
import re
from pathlib import Path

import pytest
from helpers import HOST_PYTHON, Baked, StandInRegistry, bake


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
def pypi_alone():
    """Bakes and locks resolve against PyPI, as the shipped locks were, whatever mirrors this
    machine's pip configuration adds (a mirror that holds some files of a release makes
    `lock` refuse, rightly: see test_locks.py)."""
    before = os.environ.get("PIP_CONFIG_FILE")
    os.environ["PIP_CONFIG_FILE"] = os.devnull
    yield
    if before is None:
        del os.environ["PIP_CONFIG_FILE"]
    else:
        os.environ["PIP_CONFIG_FILE"] = before


@pytest.fixture(scope="session", autouse=True)
def own_machine_cache(tmp_path_factory):
    """The tools env.py brings once per machine (uv, cruft) go to the test run's own cache folder,
    so no test finds one another run left; uv's and pip's package caches stay warm."""
    home = os.path.expanduser("~/.cache")
    saved = {name: os.environ.get(name) for name in ("XDG_CACHE_HOME", "UV_CACHE_DIR", "PIP_CACHE_DIR")}
    os.environ["UV_CACHE_DIR"] = saved["UV_CACHE_DIR"] or f"{saved['XDG_CACHE_HOME'] or home}/uv"
    os.environ["PIP_CACHE_DIR"] = saved["PIP_CACHE_DIR"] or f"{saved['XDG_CACHE_HOME'] or home}/pip"
    os.environ["XDG_CACHE_HOME"] = str(tmp_path_factory.mktemp("machine-cache"))
    yield
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


@pytest.fixture(scope="session", autouse=True)
def registry():
    """Base-image lookups go to a registry on loopback: Docker Hub cannot be reached here, and
    a test must never move a project's base to a digest of the day."""
    stand_in = StandInRegistry()
    os.environ["ENV_PY_REGISTRY"] = stand_in.url
    yield stand_in
    del os.environ["ENV_PY_REGISTRY"]
    stand_in.close()


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


@pytest.fixture
def git_config(tmp_path, monkeypatch):
    """The only git configuration file bakes see, not there at first: no identity at all."""
    config = tmp_path / "gitconfig"
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(config))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for name in ("GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL", "EMAIL"):
        monkeypatch.delenv(name, raising=False)
    return config
