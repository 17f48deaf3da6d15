"""The captured installer output (tests/unit/installer-output/, written by
maintenance/capture_installer_output.py) is there, holds no path of the machine that made it,
and each file shows the failure its name claims."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

FOLDER = Path(__file__).parent / "installer-output"
# A path of the capturing machine, where the stand-ins /project, /cache, /usr/local belong.
MACHINE_PATH = re.compile(r"(?<![\w.])/(?:tmp|work|root|home|scratch)/")
PIPS = ("pip23-install", "pip26-install")
# kind -> {command(s): the words that prove the failure}
PROOF: dict[str, dict[tuple[str, ...], tuple[str, ...]]] = {
    "dead-extra-index": {
        ("uv-compile", "uv-sync"): ("Failed to fetch: http://127.0.0.1:9/simple/six/", "Connection refused"),
        # pip warns, then installs from PyPI alone.
        PIPS: ("http://127.0.0.1:9/simple", "Connection refused", "Successfully installed six-1.17.0"),
    },
    "dead-index": {
        ("uv-compile", "uv-sync"): ("Request failed after 3 retries", "http://127.0.0.1:9/simple/six/"),
        ("pip23-install",): ("Looking in indexes: http://127.0.0.1:9/simple", "Connection refused"),
        ("pip26-install",): ("host='127.0.0.1', port=9", "Connection refused"),
    },
    "dead-index-no-retries": {
        ("uv-compile", "uv-sync"): ("Failed to fetch: http://127.0.0.1:9/simple/six/", "Connection refused"),
        # Nothing but the index and "none": the same as a package the index lacks.
        PIPS: ("Looking in indexes: http://127.0.0.1:9/simple", "(from versions: none)"),
    },
    "tls": {
        ("uv-compile", "uv-sync"): ("https://127.0.0.1:8443/simple/six/", "invalid peer certificate: UnknownIssuer"),
        PIPS: ("https://127.0.0.1:8443/simple/six/", "CERTIFICATE_VERIFY_FAILED"),
    },
    "index-404": {
        ("uv-compile", "uv-sync"): ("six was not found in the package registry",),
        PIPS: ("Looking in indexes: http://127.0.0.1:8404/simple", "(from versions: none)"),
    },
    "dns": {
        ("uv-compile", "uv-sync"): ("https://no-such-host.invalid/simple/six/", "dns error"),
        ("pip23-install",): ("Looking in indexes: https://no-such-host.invalid/simple", "Name or service not known"),
        ("pip26-install",): ("Failed to resolve 'no-such-host.invalid'",),
    },
    "no-such-version": {
        ("uv-compile", "uv-sync"): ("there is no version of networkx==0.0.0.1",),
        PIPS: ("No matching distribution found for networkx==0.0.0.1",),
    },
    "no-such-package": {
        ("uv-compile", "uv-sync"): ("no-such-package-f7c1e9 was not found in the package registry",),
        PIPS: ("No matching distribution found for no-such-package-f7c1e9==1.0",),
    },
    "conflict": {
        ("uv-compile",): ("requests==2.32.3 depends on urllib3>=1.21.1,<3", "you require urllib3==1.20"),
        PIPS: ("requests 2.32.3 depends on urllib3<3 and >=1.21.1", "ResolutionImpossible"),
    },
    "yanked": {
        ("uv-compile",): ("only-yanked==1.0 was yanked (reason: withdrawn by its author)",),
        # An exact pin of a yanked file installs, with a warning.
        ("uv-sync",): ("`only-yanked==1.0` is yanked",),
        PIPS: ("The candidate selected for download or install is a yanked version", "Successfully installed"),
    },
    "hash-mismatch": {
        ("uv-sync",): ("Hash mismatch for `six==1.17.0`",),
        PIPS: ("THESE PACKAGES DO NOT MATCH THE HASHES",),
    },
    "offline": {("uv-compile", "uv-sync"): ("six was not found in the cache", "the network was disabled")},
    "disk-full": {
        ("uv-compile",): ("`/project/", "No space left on device (os error 28)"),
        ("uv-sync",): ("/project/venv/", "No space left on device (os error 28)"),
        PIPS: ("[Errno 28] No space left on device",),
    },
    "disk-full-cache": {("uv-compile", "uv-sync"): ("`/cache/", "No space left on device (os error 28)")},
}
EXPECTED = {
    f"{kind}.{command}.txt": words
    for kind, by_command in PROOF.items()
    for commands, words in by_command.items()
    for command in commands
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_capture_shows_its_failure_and_no_machine_path(name):
    text = (FOLDER / name).read_text(encoding="utf-8")
    assert text.strip(), f"{name} is empty"
    assert not MACHINE_PATH.search(text), f"{name} holds a path of the capturing machine"
    missing = [words for words in EXPECTED[name] if words not in text]
    assert not missing, f"{name} lacks {missing}"


def test_the_folder_holds_the_captures_and_the_readme_names_each():
    assert sorted(path.name for path in FOLDER.glob("*.txt")) == sorted(EXPECTED)
    readme = (FOLDER / "README.md").read_text(encoding="utf-8")
    assert [name for name in EXPECTED if f"| {name} |" not in readme] == []
