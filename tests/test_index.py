"""The team's pip index settings reach uv too: a package only a team index has, a dead index.

pip reads PIP_INDEX_URL, PIP_EXTRA_INDEX_URL and its config files itself; uv reads none of
them, so scripts/env.py hands them over. The machine's own pip configuration is switched off
here (PIP_CONFIG_FILE=os.devnull), so that only the settings each test makes are in play.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import urllib.request
import zipfile
from pathlib import Path

import pytest
from helpers import bake, served

LOCKS = ["requirements.lock", "requirements-dev.lock"]
WHEEL = "teamonly_tool-1.0-py3-none-any.whl"


def make_wheel(path: Path) -> None:
    """A minimal pure-Python wheel of `teamonly-tool` 1.0, a package no public index has."""
    files = {
        "teamonly_tool/__init__.py": b"VALUE = 42\n",
        "teamonly_tool-1.0.dist-info/METADATA": b"Metadata-Version: 2.1\nName: teamonly-tool\nVersion: 1.0\n",
        "teamonly_tool-1.0.dist-info/WHEEL": b"Wheel-Version: 1.0\nGenerator: tests\nRoot-Is-Purelib: true\n"
                                             b"Tag: py3-none-any\n",
    }
    record = [f"{name},sha256={base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b'=').decode()},"
              f"{len(data)}" for name, data in files.items()]
    files["teamonly_tool-1.0.dist-info/RECORD"] = ("\n".join(record + ["teamonly_tool-1.0.dist-info/RECORD,,"])
                                                   + "\n").encode()
    with zipfile.ZipFile(path, "w") as wheel:  # a fixed date: the same bytes every time, as pip's
        for name, data in files.items():    # HTTP cache may serve an earlier run's copy of the URL
            wheel.writestr(zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0)), data)


@pytest.fixture
def team_index(tmp_path):
    """A PEP 503 index on loopback that holds only teamonly-tool; yields its URL."""
    root = tmp_path / "index"
    (root / "simple/teamonly-tool").mkdir(parents=True)
    (root / "files").mkdir()
    make_wheel(root / "files" / WHEEL)
    digest = hashlib.sha256((root / "files" / WHEEL).read_bytes()).hexdigest()
    (root / "simple/teamonly-tool/index.html").write_text(
        f'<html><body><a href="../../files/{WHEEL}#sha256={digest}">{WHEEL}</a></body></html>\n')
    (root / "simple/index.html").write_text('<html><body><a href="teamonly-tool/">teamonly-tool</a></body></html>\n')
    with served(root) as url:
        yield f"{url}/simple"


@pytest.mark.parametrize("backend", ["uv", "pip"])
def test_a_package_from_the_teams_extra_index_is_locked_and_installed(cookies, team_index, backend):
    project = bake(cookies, create_venv=False, init_git=False)
    with open(project.path / "requirements.txt", "a") as requirements:
        requirements.write("teamonly-tool       # only on the team's index\n")
    env = {"PIP_CONFIG_FILE": os.devnull, "PIP_EXTRA_INDEX_URL": team_index}
    assert project.env_py("lock", check=False, env={"PIP_CONFIG_FILE": os.devnull}).returncode == 1  # PyPI alone
    project.env_py("lock", env=env)
    assert "\nteamonly-tool==1.0 " in (project.path / "requirements.lock").read_text()
    project.env_py("setup", "--backend", backend, env=env)
    assert project.run(project.python, "-c", "import teamonly_tool; print(teamonly_tool.VALUE)").stdout == "42\n"


def test_a_dead_index_is_one_line_naming_it_without_its_secret_and_the_locks_stay(cookies):
    project = bake(cookies, init_git=False)
    with open(project.path / "requirements.txt", "a") as requirements:
        requirements.write("six\n")
    before = {lock: (project.path / lock).read_bytes() for lock in LOCKS}
    dead = {"PIP_CONFIG_FILE": os.devnull, "PIP_INDEX_URL": "http://team:s3cret-token@127.0.0.1:9/simple",
            "UV_HTTP_RETRIES": "0", "UV_NO_CACHE": "1"}
    done = project.env_py("lock", check=False, env=dead)
    assert done.returncode == 1
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("env.py: lock stopped: writing requirements.lock failed")
    assert "http://127.0.0.1:9/simple/six/ cannot be reached" in last and "team" not in last
    assert "s3cret-token" not in done.stdout + done.stderr
    assert {lock: (project.path / lock).read_bytes() for lock in LOCKS} == before


def test_a_mirror_holding_one_file_of_a_version_does_not_hide_the_others_from_the_lock(cookies, tmp_path):
    """A team's extra index that holds a single Linux wheel of a version PyPI has for every
    platform (a partial mirror): the lock still carries every platform's files, from PyPI."""
    project = bake(cookies, create_venv=False, init_git=False)
    dev_lock = project.path / "requirements-dev.lock"
    version = re.search(r"(?m)^pyyaml==(\S+)", dev_lock.read_text()).group(1)
    ask = urllib.request.Request("https://pypi.org/simple/pyyaml/",
                                 headers={"Accept": "application/vnd.pypi.simple.v1+json"})
    with urllib.request.urlopen(ask, timeout=60) as answer:  # PyPI's own list of the version's files
        files = [f for f in json.load(answer)["files"] if f"-{version}" in f["filename"] and not f.get("yanked")]
    linux = next(f for f in files if re.search(r"-cp311-cp311-manylinux.*x86_64\.whl$", f["filename"]))
    page = tmp_path / "mirror/simple/pyyaml/index.html"
    page.parent.mkdir(parents=True)
    page.write_text(f'<html><body><a href="{linux["url"]}#sha256={linux["hashes"]["sha256"]}">'
                    f'{linux["filename"]}</a></body></html>\n')
    with served(tmp_path / "mirror") as url:
        env = {"PIP_CONFIG_FILE": os.devnull, "PIP_EXTRA_INDEX_URL": f"{url}/simple", "UV_NO_CACHE": "1"}
        project.env_py("lock", "--upgrade", env=env)  # --upgrade: every entry taken afresh from the indexes
    entry = re.search(r"(?ms)^pyyaml==.*?(?=^\S)", dev_lock.read_text()).group(0)
    assert entry.count("--hash=") == len(files) > 1
