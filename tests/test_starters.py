"""Each starter set: it installs, its locks are complete, and the lock rebuilds the same venv."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import time
import urllib.request

import pytest
from helpers import lock_entries, normalize_line

STARTERS = {
    "none": [],
    "data-science": ["numpy", "pandas", "matplotlib"],
    "machine-learning": ["numpy", "pandas", "sklearn"],
    "web-api": ["fastapi", "uvicorn"],
}
PARAMS = [pytest.param(name, id=name) for name in STARTERS]


@pytest.mark.parametrize("starter", PARAMS)
def test_starter_packages_import_in_the_venv(baked, starter):
    project = baked(starter_requirements=starter)
    imports = ", ".join(STARTERS[starter] + ["pytest", project.context["project_slug"]])
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
    for package in STARTERS[starter]:
        name = {"sklearn": "scikit-learn"}.get(package, package)
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
