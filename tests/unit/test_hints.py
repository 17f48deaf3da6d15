"""Installers' messages and the hints they get (real uv 0.13 and pip 23–26 output), the index
settings handed to uv, secrets masked: scripts/hints.py and scripts/installers.py, no bake."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from helpers import scripts_module

hints = scripts_module("hints")
installers = scripts_module("installers")
Venv = scripts_module("venvs").Venv

CAPTURED = Path(__file__).parent / "installer-output"
INDEXES = "check the network and the index settings (PIP_INDEX_URL, PIP_EXTRA_INDEX_URL, pip.conf)"
# Every captured failure (see installer-output/README.md): the words its hint must hold, and
# whether the hint is proven by the output, so that the installer's own lines may be left out.
# None: the installer succeeded (exit 0: pip past a dead extra index, a pinned yanked version),
# so env.py asks for no hint.
EXPECTED = {
    "dead-extra-index.uv-compile": ("http://127.0.0.1:9/simple/six/ cannot be reached", True),
    "dead-extra-index.uv-sync": ("http://127.0.0.1:9/simple/six/ cannot be reached", True),
    "dead-extra-index.pip23-install": None,
    "dead-extra-index.pip26-install": None,
    "dead-index.uv-compile": ("http://127.0.0.1:9/simple/six/ cannot be reached", True),
    "dead-index.uv-sync": ("http://127.0.0.1:9/simple/six/ cannot be reached", True),
    "dead-index.pip23-install": ("an index cannot be reached (Connection refused; pip asked"
                                 " http://127.0.0.1:9/simple)", False),
    "dead-index.pip26-install": ("127.0.0.1:9 cannot be reached", True),
    "dead-index-no-retries.uv-compile": ("http://127.0.0.1:9/simple/six/ cannot be reached", True),
    "dead-index-no-retries.uv-sync": ("http://127.0.0.1:9/simple/six/ cannot be reached", True),
    "dead-index-no-retries.pip23-install": ("no version of six==1.17.0 was found on http://127.0.0.1:9/simple", False),
    "dead-index-no-retries.pip26-install": ("no version of six==1.17.0 was found on http://127.0.0.1:9/simple", False),
    "tls.uv-compile": ("the certificate of https://127.0.0.1:8443/simple", True),
    "tls.uv-sync": ("the certificate of https://127.0.0.1:8443/simple", True),
    "tls.pip23-install": ("the certificate of https://127.0.0.1:8443/simple", True),
    "tls.pip26-install": ("the certificate of https://127.0.0.1:8443/simple", True),
    "index-404.uv-compile": ("no version of six was found: check its line in requirements*.txt and the"
                             " index settings", False),
    "index-404.uv-sync": ("no version of six was found", False),
    "index-404.pip23-install": ("no version of six==1.17.0 was found on http://127.0.0.1:8404/simple", False),
    "index-404.pip26-install": ("no version of six==1.17.0 was found on http://127.0.0.1:8404/simple", False),
    "dns.uv-compile": ("the host no-such-host.invalid cannot be found (DNS)", True),
    "dns.uv-sync": ("the host no-such-host.invalid cannot be found (DNS)", True),
    "dns.pip23-install": ("an index cannot be reached (Name or service not known; pip asked"
                          " https://no-such-host.invalid/simple)", False),
    "dns.pip26-install": ("the host no-such-host.invalid cannot be found (DNS)", True),
    "no-such-version.uv-compile": ("no version of networkx==0.0.0.1 was found", False),
    "no-such-version.uv-sync": ("no version of networkx==0.0.0.1 was found", False),
    "no-such-version.pip23-install": ("no version of networkx==0.0.0.1 was found", False),
    "no-such-version.pip26-install": ("no version of networkx==0.0.0.1 was found", False),
    "no-such-package.uv-compile": ("no version of no-such-package-f7c1e9 was found", False),
    "no-such-package.uv-sync": ("no version of no-such-package-f7c1e9 was found", False),
    "no-such-package.pip23-install": ("no version of no-such-package-f7c1e9==1.0 was found", False),
    "no-such-package.pip26-install": ("no version of no-such-package-f7c1e9==1.0 was found", False),
    "conflict.uv-compile": ("ask for versions that cannot go together", False),
    "conflict.pip23-install": ("ask for versions that cannot go together", False),
    "conflict.pip26-install": ("ask for versions that cannot go together", False),
    "yanked.uv-compile": ("every version of only-yanked that fits is yanked", True),
    "yanked.uv-sync": None,
    "yanked.pip23-install": None,
    "yanked.pip26-install": None,
    "hash-mismatch.uv-sync": ("a downloaded file does not match its hash in the lock", False),
    "hash-mismatch.pip23-install": ("a downloaded file does not match its hash in the lock", False),
    "hash-mismatch.pip26-install": ("a downloaded file does not match its hash in the lock", False),
    "offline.uv-compile": ("uv is offline (UV_OFFLINE)", True),
    "offline.uv-sync": ("uv is offline (UV_OFFLINE)", True),
    "disk-full.uv-compile": ("the disk is full (writing /project/.tmpXXXXXX)", True),
    "disk-full.uv-sync": ("the disk is full (writing /project/venv/lib/python3.11/site-packages/six-1.17.0"
                          ".dist-info/RECORD)", True),
    "disk-full.pip23-install": ("the disk is full: free some space", True),
    "disk-full.pip26-install": ("the disk is full: free some space", True),
    "disk-full-cache.uv-compile": ("the disk is full (writing /cache/CACHEDIR.TAG)", True),
    "disk-full-cache.uv-sync": ("the disk is full (writing /cache/.tmpXXXXXX/python/get_interpreter_info.py)",
                                True),
}


def test_every_captured_failure_has_its_expected_hint():
    assert set(EXPECTED) == {path.stem for path in CAPTURED.glob("*.txt")}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_a_hint_names_what_the_installers_output_names_and_claims_no_more(name):
    output = (CAPTURED / f"{name}.txt").read_text()
    if EXPECTED[name] is None:  # the README's table says it exited 0
        assert re.search(rf"(?m)^\| {re.escape(name)}\.txt \|.*\| 0 \|$", (CAPTURED / "README.md").read_text())
        return
    found = hints.explain(output)
    words, proven = EXPECTED[name]
    assert found is not None and words in found.text, found
    assert found.proven is proven
    assert "pypi.org" not in found.text or "pypi.org" in output  # never a default index


def test_an_unproven_hint_comes_after_the_installers_own_last_lines(tmp_path, capsys):
    """What env.py prints for a failure it cannot prove: uv's words, then the one line."""
    project = scripts_module("project").Project(tmp_path, lambda cmd, env=None: subprocess.CompletedProcess(
        cmd, 1, (CAPTURED / "index-404.uv-compile.txt").read_text()))
    with pytest.raises(scripts_module("project").EnvError) as raised:
        installers.Installer(project, Path("uv")).run(["uv", "pip", "compile"], "writing requirements.lock")
    assert "Because six was not found in the package registry" in capsys.readouterr().err
    assert str(raised.value).startswith("writing requirements.lock failed (exit status 1): no version of six")


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
    assert installers.index_options(venv) == ["--index=https://mirror/simple", "--index=https://team/simple",
                                              "--default-index=https://mirror/simple",
                                              "--index-strategy", "unsafe-best-match"]
    monkeypatch.setenv("PIP_INDEX_URL", "https://from-env/simple")  # the environment wins, as in pip
    assert installers.index_options(Venv(tmp_path / "venv"))[0] == "--index=https://from-env/simple"
    monkeypatch.setenv("UV_DEFAULT_INDEX", "https://uv-own/simple")  # uv's own settings: left to uv
    assert installers.index_options(Venv(tmp_path / "venv")) == []
