"""reproducibility.py: what counts as a mismatch, and what is only a note."""

import copy
import json
import random
import sys
from typing import Any

import numpy as np
import pytest

from {{ cookiecutter.project_slug }}.reproducibility import (
    EnvironmentMismatch,
    fingerprint,
    seed_everything,
    verify,
)


@pytest.fixture(scope="module")
def here() -> dict[str, Any]:
    return fingerprint()


def test_seed_everything_repeats_every_source_of_randomness() -> None:
    def draw() -> tuple[list[float], float, float]:
        rng = seed_everything(7)
        return rng.random(3).tolist(), np.random.random(), random.random()

    assert draw() == draw()


def test_the_fingerprint_records_python_and_the_installed_runtime_packages(
    here: dict[str, Any],
) -> None:
    assert here["python"] == "{}.{}".format(*sys.version_info)
    assert here["packages"]["numpy"] == np.__version__
    assert len(here["lock_sha256"]) == 64
    assert json.loads(json.dumps(here)) == here


def test_the_same_environment_verifies_without_notes(here: dict[str, Any]) -> None:
    assert verify(here) == []


def test_every_mismatch_is_listed_in_one_exception(here: dict[str, Any]) -> None:
    recorded = copy.deepcopy(here)
    recorded["python"] = "3.1"
    recorded["packages"]["numpy"] = "0.0.1"
    recorded["packages"]["left-pad"] = "1.0"
    del recorded["packages"]["pandas"]
    with pytest.raises(EnvironmentMismatch) as raised:
        verify(recorded)
    message = str(raised.value)
    assert f"python: recorded 3.1, here {here['python']}" in message
    assert f"numpy: recorded 0.0.1, here {np.__version__}" in message
    assert "left-pad: recorded 1.0, here absent" in message
    assert f"pandas: recorded absent, here {here['packages']['pandas']}" in message


def test_os_machine_and_patch_level_python_are_notes_only(here: dict[str, Any]) -> None:
    recorded = dict(here, os="Elsewhere", machine="m68k", python_full=here["python"] + ".999")
    notes = verify(recorded)
    assert f"os: recorded Elsewhere, here {here['os']}" in notes
    assert f"machine: recorded m68k, here {here['machine']}" in notes
    assert f"python_full: recorded {here['python']}.999, here {here['python_full']}" in notes


def test_without_strict_a_mismatch_is_a_warning(here: dict[str, Any]) -> None:
    recorded = copy.deepcopy(here)
    recorded["packages"]["numpy"] = "0.0.1"
    with pytest.warns(UserWarning, match="numpy: recorded 0.0.1"):
        verify(recorded, strict=False)
