"""Each starter set: it installs, its locks are complete, and the lock rebuilds the same venv."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from helpers import STARTERS, bake, clean_env, lock_entries, normalize_line

PARAMS = [pytest.param(name, id=name) for name in STARTERS]


def direct_imports(project) -> list[str]:
    """The import names of the packages the baked requirements.txt names."""
    names = re.findall(r"(?m)^([A-Za-z][\w.-]*)", project.read("requirements.txt"))
    return [{"scikit-learn": "sklearn"}.get(name, name) for name in names]


@pytest.mark.parametrize("starter", PARAMS)
def test_starter_packages_import_in_the_venv(baked, starter):
    project = baked(starter_requirements=starter)
    imports = ", ".join([*direct_imports(project), "pytest", project.context["project_slug"]])
    project.run(project.python, "-c", f"import {imports}")
    assert "passed" in project.run(project.python, "-m", "pytest", "-q", "-p", "no:cacheprovider").stdout


@pytest.mark.parametrize("starter", PARAMS)
def test_locks_pin_and_hash_every_package(baked, starter):
    project = baked(starter_requirements=starter)
    for lock in ("requirements.lock", "requirements-dev.lock"):
        text = (project.path / lock).read_text()
        assert text.startswith("# Written by `python3 scripts/env.py lock`")
        for requirement, hashes in lock_entries(project.path / lock):
            assert re.fullmatch(r"[A-Za-z0-9._-]+==[A-Za-z0-9.+!-]+( ; .+)?", requirement), requirement
            assert hashes >= 1, requirement
    runtime = {r.split(" ;")[0] for r, _ in lock_entries(project.path / "requirements.lock")}
    dev = {r.split(" ;")[0] for r, _ in lock_entries(project.path / "requirements-dev.lock")}
    assert runtime <= dev  # shared packages carry the same pins in both locks
    for name in re.findall(r"(?m)^([A-Za-z][\w.-]*)", project.read("requirements.txt")):
        assert any(pin.startswith(name + "==") for pin in runtime)


@pytest.mark.parametrize("starter", PARAMS)
def test_plain_pip_from_the_runtime_lock_rebuilds_the_venvs_runtime_set(baked, starter, tmp_path):
    """dev == prod: a fresh venv built from requirements.lock by plain pip, with hashes."""
    project = baked(starter_requirements=starter)
    fresh = tmp_path / "fresh"
    project.run(sys.executable, "-m", "venv", fresh)
    project.run(fresh / "bin/python", "-m", "pip", "install", "--require-hashes", "-r", "requirements.lock")
    prod = project.freeze(fresh / "bin/python")
    dev = project.freeze()
    runtime_names = {line.split("==")[0] for line in prod}
    assert prod == {line for line in dev if line.split("==")[0] in runtime_names}
    # And what the venv has beyond that is exactly the dev lock's own packages.
    dev_only = {normalize_line(r.split(" ;")[0]) for r, _ in lock_entries(project.path / "requirements-dev.lock")}
    assert dev - prod <= dev_only


@pytest.mark.parametrize("starter", PARAMS)
def test_an_independent_checker_agrees_the_venv_matches_the_lock(baked, starter):
    project = baked(starter_requirements=starter)
    ours = project.env_py("check")
    assert ours.returncode == 0 and "in sync" in ours.stdout
    theirs = project.run(sys.executable, "-m", "uv", "pip", "sync", "--check",
                         "--python", project.python, "requirements-dev.lock")
    assert "Would make no changes" in theirs.stderr


def test_web_api_answers_its_health_request(baked):
    project = baked(starter_requirements="web-api")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen([project.python, "-m", "uvicorn", "my_project.app:app", "--port", str(port)],
                              cwd=project.path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as answer:
                    assert answer.read() == b'{"status":"ok"}'
                    break
            except OSError:
                assert time.monotonic() < deadline, "the server did not answer in 30 s"
                time.sleep(0.1)
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_web_api_tests_request_the_app_over_http_under_the_strict_warning_settings(baked):
    """FastAPI's TestClient makes its requests with httpx2 (requirements-dev.txt): with plain
    httpx, Starlette's deprecation warning is an error under the project's pytest settings."""
    project = baked(starter_requirements="web-api")
    assert 'filterwarnings = ["error"]' in project.read("pyproject.toml")
    done = project.run(project.python, "-m", "pytest", "-rA", "-p", "no:cacheprovider", "tests/test_smoke.py")
    for test in ("test_health_answers_ok", "test_root_greets_and_an_unknown_path_is_not_found"):
        assert f"PASSED tests/test_smoke.py::{test}" in done.stdout, done.stdout
    assert "from fastapi.testclient import TestClient" in project.read("tests/test_smoke.py")
    assert project.run(project.python, "-c", "import httpx", check=False).returncode == 1  # only httpx2
    for starter in STARTERS:  # the dependency, and why, for the web API alone
        lines = [line for line in baked(starter_requirements=starter).read("requirements-dev.txt").splitlines()
                 if line.startswith("httpx2 ")]
        assert len(lines) == (starter == "web-api") and all("TestClient" in line for line in lines), starter


def test_pip_and_uv_backends_build_the_same_venv(baked, cookies, monkeypatch):
    """The standard-library path end to end (venv + pip), against the uv path."""
    fast = baked(starter_requirements="data-science")
    monkeypatch.setenv("ENV_PY_BACKEND", "pip")
    plain = bake(cookies, starter_requirements="data-science")
    # uv notes itself in the venvs it makes; the standard venv module does not.
    assert "\nuv = " in (fast.venv / "pyvenv.cfg").read_text()
    assert "\nuv = " not in (plain.venv / "pyvenv.cfg").read_text()
    assert plain.freeze() == fast.freeze()
    for project in (plain, fast):
        assert project.env_py("check").returncode == 0
    assert (plain.path / "requirements.lock").read_bytes() == (fast.path / "requirements.lock").read_bytes()


def test_setup_with_no_uv_anywhere_installs_the_locked_uv_once_per_machine(cookies, tmp_path):
    """A teammate with nothing but Python: its pip installs the pinned uv, which does the rest;
    a rebuild, or another project, finds that uv again instead of installing it anew."""
    python = Path(sys.base_prefix) / "bin" / "python3"
    if subprocess.run([python, "-c", "import uv"], capture_output=True).returncode == 0:
        pytest.skip(f"{python} has uv installed")
    project = bake(cookies, create_venv=False)
    path = os.pathsep.join(p for p in clean_env()["PATH"].split(os.pathsep) if not (Path(p) / "uv").exists())
    env = {"PATH": path, "XDG_CACHE_HOME": str(tmp_path / "cache"),  # a machine that never had it
           "UV_CACHE_DIR": os.environ.get("UV_CACHE_DIR", os.path.expanduser("~/.cache/uv"))}
    done = project.run(python, "scripts/env.py", "setup", env=env)
    assert "with pip, once for this machine" in done.stdout
    assert "installing requirements-dev.lock into venv/ (uv)" in done.stdout
    assert "\nrelocatable = true" in (project.venv / "pyvenv.cfg").read_text()  # made by that uv
    assert project.run(python, "scripts/env.py", "check", env=env).returncode == 0
    shutil.rmtree(project.venv)
    again = project.run(python, "scripts/env.py", "setup", env=env)
    assert "with pip" not in again.stdout and "(uv)" in again.stdout


@pytest.mark.parametrize("starter", ["data-science", "machine-learning"])
def test_the_data_starters_venv_is_a_notebook_kernel(baked, starter):
    project = baked(starter_requirements=starter)
    project.run(project.python, "-m", "ipykernel", "install", "--help")
    assert project.env_py("check").returncode == 0


def test_check_runtime_in_the_dev_venv_explains_what_it_is_for(baked, tmp_path):
    project = baked()
    done = project.run(project.python, "scripts/env.py", "check", "--runtime", check=False)
    assert done.returncode == 2 and "is for the image" in done.stderr and "setup" not in done.stderr
    # In a venv built from requirements.lock alone, as in the image or CI, it compares.
    runtime = tmp_path / "runtime"
    project.run(sys.executable, "-m", "venv", runtime)
    project.run(runtime / "bin/python", "-m", "pip", "install", "--quiet", "--require-hashes", "-r",
                "requirements.lock")
    ok = project.run(runtime / "bin/python", "scripts/env.py", "check", "--runtime")
    assert f"in sync: {runtime}" in ok.stdout


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
