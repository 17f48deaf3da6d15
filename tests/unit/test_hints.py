"""Installers' messages and the hints they get (real uv 0.13 and pip 23–26 output), the index
settings handed to uv, secrets masked: scripts/hints.py and scripts/installers.py, no bake."""

from __future__ import annotations

import os

import pytest
from helpers import scripts_module

hints = scripts_module("hints")
installers = scripts_module("installers")
Venv = scripts_module("venvs").Venv

OFFLINE = "http://127.0.0.1:9/simple/networkx/ cannot be reached"
# (id, what the installer printed, words of the hint, or None for no hint, whether it is certain)
MESSAGES = [
    ("uv-no-such-version",
     "error: No solution found when resolving dependencies\n  cause: Because there is no version of"
     " networkx==0.0.0.1 and you require networkx==0.0.0.1, we can conclude that your requirements are"
     " unsatisfiable.", "no version of networkx==0.0.0.1 was found on the index", False),
    ("uv-no-such-version-connector",
     "error: No solution found when resolving dependencies\n  cause: Because there is no version of"
     " mysql-connector-python==0.0.1 and you require mysql-connector-python==0.0.1, we can conclude that"
     " your requirements are unsatisfiable.", "no version of mysql-connector-python==0.0.1 was found", False),
    ("uv-no-such-package",
     "error: No solution found when resolving dependencies\n  cause: Because no-such-package-f7c1e9 was not"
     " found in the package registry and you require no-such-package-f7c1e9, we can conclude that your"
     " requirements are unsatisfiable.", "no version of no-such-package-f7c1e9 was found", False),
    ("uv-conflict",
     "error: No solution found when resolving dependencies\n  cause: Because pandas==3.0.0 depends on"
     " numpy>=2 and you require numpy<2, we can conclude that your requirements are unsatisfiable.",
     "cannot go together", False),
    ("uv-connection-refused",
     "error: Request failed after 3 retries in 11.2s\n  cause: Failed to fetch: http://127.0.0.1:9/simple/networkx/\n"
     "  cause: error sending request for url (http://127.0.0.1:9/simple/networkx/)\n  cause: client error (Connect)\n"
     "  cause: tcp connect error\n  cause: Connection refused (os error 111)", OFFLINE, True),
    ("uv-dns",
     "error: Failed to fetch: http://no-such-host.invalid/simple/networkx/\n  cause: error sending request for url"
     " (http://no-such-host.invalid/simple/networkx/)\n  cause: client error (Connect)\n  cause: dns error\n"
     "  cause: failed to lookup address information: Name or service not known",
     "the host no-such-host.invalid cannot be found (DNS)", True),
    ("uv-timeout",
     "error: Failed to fetch: http://127.0.0.1:8999/simple/networkx/\n  cause: error sending request for url"
     " (http://127.0.0.1:8999/simple/networkx/)\n  cause: operation timed out",
     "http://127.0.0.1:8999/simple/networkx/ cannot be reached", True),
    ("uv-offline-mode",
     "error: No solution found when resolving dependencies\n  cause: Because numpy==2.4.6 needs to be downloaded"
     " from a registry and you require numpy==2.4.6, we can conclude that your requirements are unsatisfiable.\n\n"
     "hint: Packages were unavailable because the network was disabled.", "uv is offline (UV_OFFLINE)", True),
    ("uv-hash-mismatch",
     "  cause: Hash mismatch for `pluggy==1.7.0`\n\n         Expected:\n           sha256:0000\n\n         Computed:\n"
     "           sha256:7dd7", "does not match its hash in the lock", False),
    ("uv-cache-not-writable",
     "error: Failed to initialize cache at `/nonexistent/.cache/uv`\n  cause: failed to create directory"
     " `/nonexistent/.cache/uv`: Permission denied (os error 13)",
     "uv cannot write its cache (/nonexistent/.cache/uv): set UV_CACHE_DIR", True),
    ("uv-disk-full",
     "error: Failed to install: numpy-2.4.6-cp311-cp311-manylinux_2_27_x86_64.whl (numpy==2.4.6)\n  cause: failed"
     " to write to file `/p/venv/lib/python3.11/site-packages/numpy/core/x.so`: No space left on device (os error 28)",
     "the disk is full", True),
    ("uv-build-failure-of-a-networking-package",
     "  × Failed to build `mysql-connector-python==8.0.0`\n  ├─▶ The build backend returned an error\n"
     "  ╰─▶ Call to `setuptools.build_meta.build_wheel` failed (exit status: 1)", None, False),
    ("pip-hash-mismatch",
     "ERROR: THESE PACKAGES DO NOT MATCH THE HASHES FROM THE REQUIREMENTS FILE. If you have updated the package"
     " versions, please update the hashes.\n    pluggy==1.7.0 from https://files.pythonhosted.org/...",
     "does not match its hash in the lock", False),
    ("pip-connection-refused",
     "WARNING: Retrying (Retry(total=0, connect=None, read=None, redirect=None, status=None)) after connection"
     " broken by 'NewConnectionError('<pip._vendor.urllib3.connection.HTTPConnection object at 0x7f5c>: Failed to"
     " establish a new connection: [Errno 111] Connection refused')': /simple/networkx/\nERROR: Could not find a"
     " version that satisfies the requirement networkx==0.0.0.1 (from versions: none)\nERROR: No matching"
     " distribution found for networkx==0.0.0.1", "a package index cannot be reached (NewConnectionError)", False),
    ("pip-no-such-version",
     "ERROR: Could not find a version that satisfies the requirement networkx==0.0.0.1 (from versions: 3.5, 3.6)\n"
     "ERROR: No matching distribution found for networkx==0.0.0.1",
     "no version of networkx==0.0.0.1 was found on the index", False),
]


@pytest.mark.parametrize("log, words, certain", [pytest.param(*row[1:], id=row[0]) for row in MESSAGES])
def test_each_installer_message_gets_the_right_hint_or_none(monkeypatch, log, words, certain):
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("PIP_INDEX_URL", "http://127.0.0.1:9/simple")
    found = hints.explain(log)
    if words is None:
        assert found is None
    else:
        assert found is not None and words in found.text, found
        assert found.proven is certain  # only a proven hint may hide the installer's output


def test_secrets_in_index_urls_are_masked():
    assert hints.hide_secrets("see https://team:s3cret@index.example/simple and http://host/x") == (
        "see https://team:****@index.example/simple and http://host/x")


def test_pip_settings_become_uv_options_with_pips_index_strategy(monkeypatch, tmp_path):
    config = tmp_path / "pip.conf"
    config.write_text("[global]\nindex-url = https://mirror/simple\n[install]\nextra-index-url = https://team/simple\n")
    monkeypatch.setenv("PIP_CONFIG_FILE", str(config))
    for name in ("PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "UV_INDEX_URL", "UV_DEFAULT_INDEX", "UV_INDEX",
                 "UV_EXTRA_INDEX_URL"):
        monkeypatch.delenv(name, raising=False)
    venv = Venv(tmp_path / "venv")
    assert installers.index_options(venv) == ["--index-url", "https://mirror/simple", "--extra-index-url",
                                              "https://team/simple", "--index-strategy", "unsafe-best-match"]
    monkeypatch.setenv("PIP_INDEX_URL", "https://from-env/simple")  # the environment wins, as in pip
    assert installers.index_options(Venv(tmp_path / "venv"))[:2] == ["--index-url", "https://from-env/simple"]
    monkeypatch.setenv("UV_DEFAULT_INDEX", "https://uv-own/simple")  # uv's own settings: left to uv
    assert installers.index_options(Venv(tmp_path / "venv")) == []
