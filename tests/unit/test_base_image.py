"""The base image's digest, asked of a registry on loopback that speaks Docker Hub's token
dance; and the refresh of the digests the template ships, with no real registry."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys

import pytest
from helpers import TEMPLATE, StandInRegistry, copy_template, load_module, scripts_module

pythons = scripts_module("pythons")
EnvError = scripts_module("project").EnvError


@pytest.fixture
def stand_in():
    registry = StandInRegistry()
    yield registry
    registry.close()


def test_a_digest_is_asked_with_the_token_the_registry_hands_out(stand_in):
    assert pythons.image_digest("3.12-slim-trixie", stand_in.url) == stand_in.digest("3.12-slim-trixie")
    assert stand_in.asked == ["3.12-slim-trixie"]


def test_a_tag_the_registry_lacks_or_a_registry_out_of_reach_is_one_line(stand_in):
    with pytest.raises(EnvError, match="answered 404 for python:3.99-does-not-exist"):
        pythons.image_digest("3.99-does-not-exist", stand_in.url)
    with pytest.raises(EnvError, match=r"cannot ask http://127.0.0.1:9 for python:3.12-slim-trixie"):
        pythons.image_digest("3.12-slim-trixie", "http://127.0.0.1:9")


def test_the_shipped_digests_are_real_looking_and_cover_every_shipped_python():
    data = json.loads((TEMPLATE / "template_data" / "base-images.json").read_text())
    refresh = load_module("refresh_locks", TEMPLATE / "maintenance" / "refresh_locks.py")
    assert list(data["digests"]) == refresh.PYTHONS and data["debian"] == "trixie"
    for digest in data["digests"].values():
        assert re.fullmatch(r"sha256:[0-9a-f]{64}", digest)
    assert len(set(data["digests"].values())) == len(refresh.PYTHONS)


def test_the_refresh_of_the_shipped_digests_asks_the_registry_for_each_python(stand_in, tmp_path):
    template = copy_template(tmp_path / "template")
    done = subprocess.run([sys.executable, "maintenance/refresh_locks.py", "--base-images-only"], cwd=template,
                          env={"PATH": "/usr/bin:/bin", "ENV_PY_REGISTRY": stand_in.url}, capture_output=True,
                          text=True)
    assert done.returncode == 0, done.stderr
    data = json.loads((template / "template_data" / "base-images.json").read_text())
    assert data["digests"] == {v: stand_in.digest(f"{v}-slim-trixie") for v in data["digests"]}
    assert sorted(stand_in.asked) == [f"{v}-slim-trixie" for v in data["digests"]]
    shutil.rmtree(template)
