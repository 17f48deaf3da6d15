"""Captures what uv and pip print when a generated project's scripts/env.py meets each kind of
failure, into tests/unit/installer-output/<kind>.<command>.txt, so that tests can hold env.py's
hints to real output.

    .venv/bin/python maintenance/capture_installer_output.py [--python python3.11]

Runs the commands env.py runs, with the pinned uv (installed into a scratch venv) and two pips:
the one `python -m venv` gives on --python (23.2.1 on 3.11.7) and a current one. The indexes are
PyPI and stand-ins on 127.0.0.1 (closed, untrusted TLS, 404, a yanked package). Needs root (a full
disk is a small tmpfs), openssl (the certificates) and PyPI. In the files, the scratch folders
are /project and /cache, the ports fixed ones; durations stay as printed.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import functools
import hashlib
import http.server
import io
import os
import re
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import zipfile
from pathlib import Path
from typing import NamedTuple

OUT = Path(__file__).resolve().parent.parent / "tests" / "unit" / "installer-output"
UV_VERSION, PIP_NEW = "0.13.9", "26.3"
# Ports as the files show them: a closed one, the TLS index, the 404 index, the yanked index.
SHOWN_PORTS = {"closed": 9, "tls": 8443, "e404": 8404, "yanked": 8407}
RUNS = {
    "uv-compile": "uv pip compile requirements.txt -o requirements.lock --universal --generate-hashes --no-header"
                  " --quiet --python-version 3.11",
    "uv-sync": "uv pip sync --require-hashes requirements-dev.lock --python venv/bin/python",
    "pip-install": "venv/bin/python -m pip install --require-hashes -r requirements-dev.lock",
}
ALL, UV, LOCKED = ("uv-compile", "uv-sync", "pip23-install", "pip26-install"), ("uv-compile", "uv-sync"), (
    "uv-sync", "pip23-install", "pip26-install")
SIX, ZERO = "six==1.17.0\n", "0" * 64


class Case(NamedTuple):
    kind: str
    what: str  # for the README
    commands: tuple[str, ...] = ALL
    requirements: str = SIX
    lock: str | None = None  # requirements-dev.lock; None: six's true lock
    index: str | None = None  # a key of the loopback servers, or a URL; None: PyPI
    extra: str | None = None
    env: dict[str, str] | None = None
    disk: str | None = None  # "project" or "cache": that folder is a full tmpfs


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


class NotFound(Quiet):
    def do_GET(self) -> None:
        self.send_error(404)


def serve(handler: type, folder: Path, tls: ssl.SSLContext | None = None) -> int:
    """A loopback server in a thread; its port."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=str(folder)))
    if tls:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server.server_address[1]


def yanked_index(root: Path) -> str:
    """A PEP 503 index whose one package, only-yanked, has one file, yanked. Returns its sha256."""
    files = {"only_yanked.py": b"", "only_yanked-1.0.dist-info/METADATA":
             b"Metadata-Version: 2.1\nName: only-yanked\nVersion: 1.0\n",
             "only_yanked-1.0.dist-info/WHEEL": b"Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n"}
    record = [f"{name},sha256={base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b'=').decode()},"
              f"{len(data)}\n" for name, data in files.items()]
    files["only_yanked-1.0.dist-info/RECORD"] = "".join([*record, "only_yanked-1.0.dist-info/RECORD,,\n"]).encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as wheel:
        for name, data in files.items():  # fixed dates: the same bytes, so the same hash, every time
            wheel.writestr(zipfile.ZipInfo(name, (2020, 1, 1, 0, 0, 0)), data)
    name, sha = "only_yanked-1.0-py3-none-any.whl", hashlib.sha256(buffer.getvalue()).hexdigest()
    (root / "files").mkdir(parents=True)
    (root / "files" / name).write_bytes(buffer.getvalue())
    (root / "simple" / "only-yanked").mkdir(parents=True)
    (root / "simple" / "only-yanked" / "index.html").write_text(
        f'<!DOCTYPE html>\n<html><body>\n<a href="/files/{name}#sha256={sha}"'
        f' data-yanked="withdrawn by its author">{name}</a>\n</body></html>\n')
    (root / "simple" / "index.html").write_text('<a href="only-yanked/">only-yanked</a>\n')
    return sha


def tls_context(folder: Path) -> ssl.SSLContext:
    """A certificate for 127.0.0.1 signed by a CA nobody trusts: what a TLS-inspecting company proxy shows."""
    def openssl(*args: object) -> None:
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", *map(str, args)],
                       check=True, capture_output=True)

    openssl("-subj", "/CN=Company proxy CA", "-keyout", folder / "ca.key", "-out", folder / "ca.pem")
    openssl("-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-addext", "basicConstraints=CA:FALSE",
            "-CA", folder / "ca.pem", "-CAkey", folder / "ca.key", "-keyout", folder / "key.pem",
            "-out", folder / "cert.pem")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(folder / "cert.pem", folder / "key.pem")
    return context


def fill(folder: Path) -> None:
    """Writes to the tmpfs at `folder` until it is full to the last byte: the next write fails."""
    with contextlib.suppress(OSError), open(folder / "filler", "wb") as filler:
        while filler.write(b"\0" * 65536):
            filler.flush()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--python", default="python3.11", help="the Python whose venv gives the older pip")
    python = shutil.which(parser.parse_args().python) or parser.parse_args().python
    if os.geteuid() != 0:
        print("capture_installer_output.py: needs root, to mount the small tmpfs that plays a full disk")
        return 1
    scratch = Path(tempfile.mkdtemp(prefix="installer-output-"))
    project, cache = scratch / "project", scratch / "cache"
    # No index or cache setting of this machine: only what each case sets. Retries stay as a person
    # has them (they change what is printed), except in the case named no-retries.
    base = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "UV_"))}
    base |= {"PIP_CONFIG_FILE": os.devnull, "PIP_TIMEOUT": "5", "PIP_NO_INPUT": "1", "UV_NO_CONFIG": "1",
             "PIP_DISABLE_PIP_VERSION_CHECK": "1", "PIP_CACHE_DIR": str(cache), "UV_CACHE_DIR": str(cache),
             "TMPDIR": str(scratch)}

    def sh(*cmd: object) -> str:
        return subprocess.run([str(c) for c in cmd], check=True, capture_output=True, text=True, env=base).stdout

    try:
        # The tools: uv as the projects pin it, a venv with the older pip, and one with the current pip.
        sh(python, "-m", "venv", scratch / "tools")
        sh(scratch / "tools/bin/python", "-m", "pip", "install", "--quiet", f"uv=={UV_VERSION}")
        uv = scratch / "tools/bin/uv"
        venvs = {"pip23": scratch / "venv-pip23", "pip26": scratch / "venv-pip26"}
        for venv in venvs.values():
            sh(python, "-m", "venv", venv)
        sh(venvs["pip26"] / "bin/python", "-m", "pip", "install", "--quiet", f"pip=={PIP_NEW}")
        versions = {tool: sh(venv / "bin/python", "-m", "pip", "--version").split()[1] for tool, venv in venvs.items()}
        versions["uv"] = sh(uv, "--version").split()[1]
        prefix = sh(python, "-c", "import sys; print(sys.base_prefix)").strip()
        if not versions["pip23"].startswith("23."):
            print(f"capture_installer_output.py: {python} gives pip {versions['pip23']}, not 23: pass --python")
            return 1

        with socket.socket() as probe:  # a port nobody listens on
            probe.bind(("127.0.0.1", 0))
            ports = {"closed": probe.getsockname()[1]}
        ports |= {"e404": serve(NotFound, scratch), "tls": serve(Quiet, scratch, tls_context(scratch))}
        yanked_sha = yanked_index(scratch / "yanked")
        ports["yanked"] = serve(Quiet, scratch / "yanked")
        url = {key: f"{'https' if key == 'tls' else 'http'}://127.0.0.1:{port}/simple" for key, port in ports.items()}

        def lock(requirements: str, *more: str) -> str:
            (scratch / "in.txt").write_text(requirements)
            return sh(uv, "pip", "compile", scratch / "in.txt", "--universal", "--generate-hashes", "--no-header",
                      "--quiet", "--python-version", "3.11", *more)

        six_lock = lock(SIX)
        cases = [
            Case("dead-extra-index", "an extra index on a closed port, beside PyPI", extra="closed"),
            Case("dead-index", "the index on a closed port", index="closed"),
            Case("dead-index-no-retries", "the index on a closed port, no retries (as the template's tests run)",
                 index="closed", env={"PIP_RETRIES": "0", "UV_HTTP_RETRIES": "0"}),
            Case("tls", "an HTTPS index whose certificate an unknown CA signed", index="tls"),
            Case("index-404", "an index that answers 404 to everything", index="e404"),
            Case("dns", "an index whose host name does not resolve", index="https://no-such-host.invalid/simple"),
            Case("no-such-version", "networkx==0.0.0.1", requirements="networkx==0.0.0.1\n",
                 lock=f"networkx==0.0.0.1 \\\n    --hash=sha256:{ZERO}\n"),
            Case("no-such-package", "a name PyPI does not have", requirements="no-such-package-f7c1e9\n",
                 lock=f"no-such-package-f7c1e9==1.0 \\\n    --hash=sha256:{ZERO}\n"),
            # The lock, edited by hand, pins what conflicts, each with its true hashes.
            Case("conflict", "requests==2.32.3 with urllib3==1.20", ("uv-compile", "pip23-install", "pip26-install"),
                 "requests==2.32.3\nurllib3==1.20\n", lock("requests==2.32.3\nurllib3==1.20\nidna==3.10\n"
                                                          "charset-normalizer==3.4.1\ncertifi==2024.12.14\n",
                                                          "--no-deps")),
            Case("yanked", "an index whose only file of only-yanked is yanked (the lock pins it exactly)",
                 requirements="only-yanked\n", lock=f"only-yanked==1.0 \\\n    --hash=sha256:{yanked_sha}\n",
                 index="yanked"),
            Case("hash-mismatch", "the lock's hashes of six changed", LOCKED,
                 lock=re.sub(r"sha256:[0-9a-f]{8}", "sha256:00000000", six_lock)),
            Case("offline", "UV_OFFLINE=1 and an empty cache", UV, env={"UV_OFFLINE": "1"}),
            Case("disk-full", "the project folder on a full tmpfs", disk="project"),
            Case("disk-full-cache", "uv's cache (UV_CACHE_DIR) on a full tmpfs", UV, disk="cache"),
        ]

        def clean(text: str) -> str:
            """This machine's folders, ports, random names and object addresses become fixed stand-ins."""
            for path, shown in [(project, "/project"), (cache, "/cache"), (scratch, "/scratch"),
                                (prefix, "/usr/local")]:
                text = text.replace(str(path), shown)
            shown_port = {str(port): str(SHOWN_PORTS[key]) for key, port in ports.items()}
            text = re.sub(r"(127\.0\.0\.1:|port=)(\d+)", lambda m: m[1] + shown_port.get(m[2], m[2]), text)
            text = re.sub(r"\.tmp[A-Za-z0-9]{6}\b", ".tmpXXXXXX", text)
            text = re.sub(r"archive-v0/[\w-]{16,}", "archive-v0/XXXXXXXXXXXXXXXX", text)
            return re.sub(r"\b0x[0-9a-f]{8,}\b", "0x7f0000000000", text)

        OUT.mkdir(parents=True, exist_ok=True)
        for old in OUT.glob("*.txt"):
            old.unlink()
        rows = []
        for case in cases:
            index, extra = (url.get(key, key) if key else None for key in (case.index, case.extra))
            for command in case.commands:
                tool = command.split("-")[0]
                for folder in (project, cache):
                    subprocess.run(["umount", folder], capture_output=True)
                    shutil.rmtree(folder, ignore_errors=True)
                    folder.mkdir()
                disk = {"project": project, "cache": cache}.get(case.disk or "")
                if disk:
                    sh("mount", "-t", "tmpfs", "-o", "size=40m", "tmpfs", disk)
                (project / "requirements.txt").write_text(case.requirements)
                (project / "requirements-dev.lock").write_text(case.lock or six_lock)
                if command == "uv-sync":
                    sh(uv, "venv", "--quiet", "--python", python, project / "venv")
                elif tool != "uv":
                    shutil.copytree(venvs[tool], project / "venv", symlinks=True)
                if disk:
                    fill(disk)
                # uv gets the index as env.py hands it on; pip reads it from its settings.
                env = {k: v for k, v in (case.env or {}).items() if k.startswith("UV_" if tool == "uv" else "PIP_")}
                if tool == "uv":
                    options = ["--index-url", index] if index else []
                    options += ["--extra-index-url", extra, "--index-strategy", "unsafe-best-match"] if extra else []
                    cmd = [uv, *RUNS[command].split()[1:], *options]
                else:
                    env |= {"PIP_INDEX_URL": index} if index else {}
                    env |= {"PIP_EXTRA_INDEX_URL": extra} if extra else {}
                    options, cmd = [], [project / "venv/bin/python", *RUNS["pip-install"].split()[1:]]
                done = subprocess.run([str(c) for c in cmd], cwd=project, env=base | env, stdout=subprocess.PIPE,
                                      stderr=subprocess.STDOUT, text=True, errors="replace", timeout=600)
                if disk:
                    sh("umount", disk)
                text, name = clean(done.stdout), f"{case.kind}.{command}.txt"
                left = re.findall(r"(?:/tmp|/work|/root|/home|/scratch)/\S*", text)
                if left or not text.strip():
                    raise SystemExit(f"{name}: {'a path of this machine: ' + left[0] if left else 'no output'}")
                (OUT / name).write_text(text)
                settings = clean(" ".join([*(f"{k}={v}" for k, v in env.items()), *options]))
                rows.append(f"| {name} | {case.what} | {f'`{settings}`' if settings else '–'} "
                            f"| {tool[:3]} {versions[tool]} | {done.returncode} |")
                print(f"{name}: exit {done.returncode}")
        (OUT / "README.md").write_text("\n".join([
            "# What installers print when they fail",
            "",
            "Real output (stdout and stderr together) of the commands scripts/env.py runs, one kind of failure",
            "each, for the tests of its hints. Scratch folders are shown as /project (its venv /project/venv)",
            "and /cache; ports as 127.0.0.1:9 (closed), :8443 (TLS), :8404 (404), :8407 (yanked). Unless a",
            "row says otherwise, the project requires six==1.17.0 from PyPI. The commands:",
            "",
            *(f"- {command}: `{run}`" for command, run in RUNS.items()),
            "",
            "| file | what fails | index, environment | tool | exit |",
            "| --- | --- | --- | --- | --- |",
            *rows,
            "",
            "Regenerate them all, as root and with PyPI reachable (about 5 minutes):",
            "`.venv/bin/python maintenance/capture_installer_output.py`",
        ]) + "\n")
        return 0
    finally:
        for folder in (project, cache):
            subprocess.run(["umount", folder], capture_output=True)
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
