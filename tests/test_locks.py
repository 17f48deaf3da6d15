"""scripts/env.py lock, setup and check on a baked project: drift is found, named and repaired."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import bake, clean_env, load_module

# Each way a venv drifts from its lock, and the line `check` must print for it.
DRIFTS = [
    pytest.param(["install", "six"], "extra: six==", id="extra-package"),
    pytest.param(["install", "iniconfig==2.0.0"], "changed: iniconfig is 2.0.0, requirements-dev.lock says",
                 id="downgraded"),
    pytest.param(["uninstall", "--yes", "pluggy"], "missing: pluggy==", id="uninstalled"),
]


@pytest.mark.parametrize("pip_args, line", DRIFTS)
def test_check_names_each_drift_and_setup_repairs_it(cookies, pip_args, line):
    project = bake(cookies)
    assert project.env_py("check").returncode == 0
    project.run(project.python, "-m", "pip", *pip_args)
    drift = project.env_py("check", check=False)
    assert drift.returncode == 1
    assert line in drift.stdout
    project.env_py("setup")
    again = project.env_py("check")
    assert again.returncode == 0 and "in sync" in again.stdout


def test_check_names_both_versions_when_the_python_differs(cookies):
    project = bake(cookies)
    (project.path / ".python-version").write_text("3.99\n")
    drift = project.env_py("check", check=False)
    assert drift.returncode == 1
    assert f"python: the venv has {sys.version.split()[0]}, .python-version says 3.99" in drift.stdout


def test_check_without_a_venv_says_how_to_make_one(cookies):
    project = bake(cookies, create_venv=False)
    done = project.env_py("check", check=False)
    assert done.returncode == 2
    assert done.stderr.strip() == "env.py: no venv at venv/: run `python3 scripts/env.py setup`"


def test_an_added_requirement_is_locked_installed_and_checked(cookies):
    project = bake(cookies)
    with open(project.path / "requirements.txt", "a") as requirements:
        requirements.write("six                 # Python 2 and 3 compatibility\n")
    project.env_py("lock")
    for lock in ("requirements.lock", "requirements-dev.lock"):
        assert "\nsix==" in (project.path / lock).read_text()
    before = {lock: (project.path / lock).read_bytes() for lock in ("requirements.lock", "requirements-dev.lock")}
    project.env_py("setup")
    project.run(project.python, "-c", "import six")
    assert project.env_py("check").returncode == 0
    # Locking again with nothing changed rewrites nothing.
    project.env_py("lock")
    assert {lock: (project.path / lock).read_bytes() for lock in before} == before


def test_setup_locks_first_when_the_requirements_changed(cookies):
    project = bake(cookies)
    with open(project.path / "requirements.txt", "a") as requirements:
        requirements.write("six\n")
    done = project.env_py("setup")
    assert ("requirements.lock and requirements-dev.lock missing or older than the requirements:"
            " locking first") in done.stdout
    project.run(project.python, "-c", "import six")
    assert project.env_py("check").returncode == 0


def test_lock_keeps_pins_and_upgrade_moves_them(cookies):
    project = bake(cookies)
    lock = project.path / "requirements-dev.lock"
    lock.write_text(lock.read_text().replace("iniconfig==2.3.1", "iniconfig==2.0.0"))
    project.env_py("lock")  # the hand-set older pin is still allowed: kept (hashes made anew)
    assert "\niniconfig==2.0.0 " in lock.read_text()
    project.env_py("lock", "--upgrade")
    assert "\niniconfig==2.0.0 " not in lock.read_text()


@pytest.mark.parametrize("backend", ["pip", "uv"])
def test_a_tampered_hash_stops_setup_with_a_clear_reason(cookies, backend):
    project = bake(cookies)
    lock = project.path / "requirements-dev.lock"
    head, _, rest = lock.read_text().partition("\npluggy==")
    entry, via, tail = rest.partition("# via")
    entry = re.sub(r"sha256:[0-9a-f]{64}", "sha256:" + "0" * 64, entry)  # every file of pluggy
    lock.write_text(head + "\npluggy==" + entry + via + tail)
    project.run(project.python, "-m", "pip", "uninstall", "--yes", "pluggy")
    done = project.env_py("setup", "--backend", backend, check=False, env={"UV_NO_CACHE": "1"})
    assert done.returncode == 1
    assert "a downloaded file does not match its hash in the lock" in done.stderr
    assert project.env_py("check", check=False).returncode == 1


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


MARKERS = [
    ("", True),
    ("sys_platform == 'win32'", False),
    ("sys_platform == 'linux'", True),
    ("python_full_version < '3.12'", True),
    ("python_full_version >= '3.11.7'", True),
    ("python_version == '3.11'", True),
    ("python_version > '3.9' and platform_machine == 'x86_64'", True),
    ("sys_platform == 'darwin' or (os_name == 'posix' and implementation_name == 'cpython')", True),
    ("(sys_platform == 'win32' or sys_platform == 'darwin') and python_version >= '3.8'", False),
    ("platform_system != 'Windows' and 'linux' in sys_platform", True),
]


@pytest.mark.parametrize("marker, holds", MARKERS, ids=[m or "no-marker" for m, _ in MARKERS])
def test_markers_are_evaluated_like_pip_does(baked, marker, holds):
    from pip._vendor.packaging.markers import Marker

    env = {"python_version": "3.11", "python_full_version": "3.11.7", "implementation_name": "cpython",
           "implementation_version": "3.11.7", "os_name": "posix", "sys_platform": "linux",
           "platform_system": "Linux", "platform_machine": "x86_64", "platform_release": "",
           "platform_version": "", "platform_python_implementation": "CPython"}
    env_py = load_module("env_py", baked(create_venv=False).path / "scripts/env.py")
    assert env_py.marker_holds(marker, env) is holds
    assert not marker or Marker(marker).evaluate(env) is holds


def test_setup_with_no_uv_anywhere_installs_the_locked_uv_with_pip_first(cookies):
    """A teammate with nothing but Python: the standard venv module, pip for the pinned uv, uv for the rest."""
    python = Path(sys.base_prefix) / "bin" / "python3"
    if subprocess.run([python, "-c", "import uv"], capture_output=True).returncode == 0:
        pytest.skip(f"{python} has uv installed")
    project = bake(cookies, create_venv=False)
    path = os.pathsep.join(p for p in clean_env()["PATH"].split(os.pathsep) if not (Path(p) / "uv").exists())
    done = project.run(python, "scripts/env.py", "setup", env={"PATH": path})
    assert "installing uv into venv/ with pip (as requirements-dev.lock pins it)" in done.stdout
    assert "(uv, hashes checked)" in done.stdout
    assert "\nuv = " not in (project.venv / "pyvenv.cfg").read_text()
    assert project.run(python, "scripts/env.py", "check", env={"PATH": path}).returncode == 0
