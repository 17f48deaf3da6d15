"""The production image, built for real and proven to hold exactly what the venv holds.

What is real: the baked Dockerfile, unchanged, built by buildah (daemonless, chroot isolation,
vfs storage), both stages, the hash-checked pip install from the index, and every check below,
run inside the built image.

What is stood in: `python:X.Y-slim-trixie@sha256:...` cannot be pulled here, so a minimal
Debian root file system (debootstrap: python3, python3-venv, python-is-python3,
ca-certificates) is tagged under that name in a buildah storage of the tests' own (never the
machine's), and the baked Dockerfile's digest is replaced by the stand-in's own. It is Debian
12, whose Python is 3.11.2 like this test run's (Debian 13's is 3.13), so it stands in for
`python:3.11-slim-trixie` only. The host's CA bundle is mounted into build steps, for networks
that reach the index through an inspecting proxy.

Run alone with `pytest -m image`. Costs (base, each build) are printed at the end of the run.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import shlex
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from helpers import bake, lock_entries, normalize_line

MISSING = ("buildah and debootstrap are not installed (Debian: apt-get install buildah debootstrap)"
           if not (shutil.which("buildah") and shutil.which("debootstrap"))
           else "buildah with chroot isolation and debootstrap need root" if os.geteuid() != 0 else None)
if MISSING and os.environ.get("CI"):
    pytest.fail(f"CI must run the image tests: {MISSING}", pytrace=False)  # .ci/run installs them
pytestmark = [pytest.mark.image, pytest.mark.skipif(bool(MISSING), reason=MISSING or "")]

STAND_IN_PYTHON = "3.11"
BASE = f"docker.io/library/python:{STAND_IN_PYTHON}-slim-trixie"
CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "reproducible-python-template"
CA_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")


def storage(driver: str) -> list[str]:
    """buildah's storage options: a store of the tests' own, per storage driver."""
    return ["--root", str(CACHE / f"storage-{driver}"), "--runroot", str(CACHE / f"run-{driver}"),
            "--storage-driver", driver]


def pick_storage() -> list[str]:
    """overlay where the kernel allows it (fast); vfs, which copies every layer whole, elsewhere."""
    CACHE.mkdir(parents=True, exist_ok=True)
    trial = subprocess.run(["buildah", *storage("overlay"), "from", "scratch"], capture_output=True, text=True)
    if trial.returncode == 0:
        subprocess.run(["buildah", *storage("overlay"), "rm", trial.stdout.strip()], capture_output=True)
        return storage("overlay")
    return storage("vfs")


STORAGE = [] if MISSING else pick_storage()


def buildah(*args, check=True) -> subprocess.CompletedProcess:
    done = subprocess.run(["buildah", *STORAGE, *args], capture_output=True, text=True,
                          env={**os.environ, "BUILDAH_ISOLATION": "chroot"})
    if check and done.returncode != 0:
        raise AssertionError(f"buildah {' '.join(args)} exited {done.returncode}\n{done.stdout}\n{done.stderr}")
    return done


@pytest.fixture(scope="session")
def stand_in_base(tmp_path_factory):
    """Makes the stand-in base once per machine (kept in CACHE), under a lock shared by workers."""
    CACHE.mkdir(parents=True, exist_ok=True)
    with open(CACHE / "base.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if buildah("inspect", "--type", "image", BASE, check=False).returncode == 0:
            return BASE
        started = time.perf_counter()
        rootfs = tmp_path_factory.mktemp("rootfs")
        subprocess.run(["debootstrap", "--variant=minbase",
                        "--include=python3,python3-venv,python-is-python3,ca-certificates",
                        "bookworm", str(rootfs), "http://deb.debian.org/debian"],
                       check=True, capture_output=True)
        container = buildah("from", "scratch").stdout.strip()
        buildah("copy", "--quiet", container, str(rootfs), "/")
        buildah("config", "--env", "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                "--env", "LANG=C.UTF-8", "--cmd", "python3",
                "--label", "stand-in=debootstrap bookworm minbase with Debian's python3", container)
        buildah("commit", "--quiet", "--format", "docker", container, BASE)
        buildah("rm", container)
        shutil.rmtree(rootfs, ignore_errors=True)
        COSTS.append(f"stand-in base {BASE} made in {time.perf_counter() - started:.0f} s")
        return BASE


class Image:
    """A baked project's image: built once, then inspected by running commands in it."""

    def __init__(self, project, tag):
        self.project, self.tag = project, tag

    def build(self, *options, tag: str = "") -> tuple[float, str]:
        """`docker build -t TAG .`, as the README says (`options` replace the default ones)."""
        volume = ["-v", f"{CA_BUNDLE}:{CA_BUNDLE}:ro"] if CA_BUNDLE.exists() else []
        started = time.perf_counter()
        done = buildah("bud", "--pull-never", *(options or ["--format", "docker", "--layers"]), *volume,
                       "-t", tag or self.tag, str(self.project.path))
        return time.perf_counter() - started, done.stdout

    def run(self, *cmd, user=None, volume=None) -> subprocess.CompletedProcess:
        container = buildah("from", "--pull-never", self.tag).stdout.strip()
        options = (["--user", user] if user else []) + (["--volume", volume] if volume else [])
        try:
            return buildah("run", *options, container, "--", *cmd, check=False)
        finally:
            buildah("rm", container)

    def config(self) -> dict:
        """The image's configuration (Docker format: User, Cmd, Healthcheck, Labels...)."""
        return json.loads(buildah("inspect", "--type", "image", self.tag).stdout)["Docker"]["config"]


def lock_pins_for_linux(lock: Path, python_full_version: str) -> set[str]:
    """The lock's `name==version` entries whose markers hold in the image (Linux, its Python)."""
    from pip._vendor.packaging.markers import Marker

    env = {"sys_platform": "linux", "platform_system": "Linux", "os_name": "posix",
           "python_full_version": python_full_version,
           "python_version": ".".join(python_full_version.split(".")[:2])}
    pins = set()
    for requirement, _ in lock_entries(lock):
        pin, _, marker = requirement.partition(";")
        if not marker.strip() or Marker(marker.strip()).evaluate(env):
            pins.add(normalize_line(pin))
    return pins


# Build costs, reported at the end of the run (see report_costs).
COSTS: list[str] = []


@pytest.fixture(autouse=True)
def report_costs(request):
    yield
    while COSTS:
        request.node.user_properties.append(("cost", COSTS.pop(0)))


BAKES = [
    pytest.param("none", id="default"),
    pytest.param("data-science", id="data-science"),
    pytest.param("machine-learning", id="machine-learning"),
    pytest.param("web-api", id="web-api"),
]


@pytest.fixture(scope="session")
def images(cookies_session, stand_in_base):
    """image(starter): a baked project's image, built once per worker. The projects are this
    fixture's own: the image tests change them (the base, a secret, source edits, commits)."""
    forget_builds()  # every layer but the base's is built in this run
    built = {}

    def get(starter) -> Image:
        if starter not in built:
            project = bake(cookies_session, starter_requirements=starter)
            if (project.path / ".python-version").read_text().strip() != STAND_IN_PYTHON:
                pytest.skip(f"the stand-in base has Python {STAND_IN_PYTHON} only")
            stand_in(project.path / "Dockerfile")
            # Things that must never reach the image: the build context holds all three.
            (project.path / ".env").write_text("SECRET=do-not-ship\n")
            project.run("git", "init", "-q")
            assert project.python.exists()
            image = Image(project, f"localhost/test-{starter}:latest")
            seconds, _ = image.build()
            built[starter] = image
            COSTS.append(f"image {starter}: first build {seconds:.0f} s")
        return built[starter]

    yield get
    forget_builds()


def stand_in(dockerfile: Path) -> None:
    """The baked base, pinned by its real digest, is replaced by the stand-in's own digest."""
    text = dockerfile.read_text()
    assert len(re.findall(rf"(?m)^FROM python:{STAND_IN_PYTHON}-slim-trixie@sha256:[0-9a-f]{{64}}", text)) == 2
    digest = buildah("images", "--digests", "--format", "{{.Digest}}", BASE).stdout.split()[0]
    dockerfile.write_text(re.sub(r"@sha256:[0-9a-f]{64}", f"@{digest}", text))


def forget_builds():
    """Removes every image and cached layer but the stand-in base."""
    buildah("rm", "--all", check=False)
    names = buildah("images", "--format", "{{.Name}}:{{.Tag}}", check=False).stdout.split()
    for name in names:
        if name != BASE and not name.endswith(":<none>"):
            buildah("rmi", "--force", name, check=False)
    buildah("rmi", "--prune", check=False)


@pytest.mark.parametrize("starter", BAKES)
def test_image_runs_as_a_non_root_user(images, starter):
    image = images(starter)
    uid = image.run("id", "-u")
    assert uid.returncode == 0 and int(uid.stdout) > 0
    assert image.config()["User"].isdigit()  # numeric: no name lookup needed


@pytest.mark.parametrize("starter", BAKES)
def test_image_holds_exactly_the_runtime_lock_and_the_venvs_runtime_set(images, starter):
    """The dev == prod proof."""
    image = images(starter)
    freeze = image.run("pip", "freeze")
    assert freeze.returncode == 0, freeze.stderr
    in_image = {normalize_line(line) for line in freeze.stdout.split()}
    python = image.run("python", "-c", "import platform; print(platform.python_version())").stdout.strip()
    assert in_image == lock_pins_for_linux(image.project.path / "requirements.lock", python)
    names = {line.split("==")[0] for line in in_image}
    in_venv = {line for line in image.project.freeze() if line.split("==")[0] in names}
    assert in_image == in_venv
    check = image.run("python", "scripts/env.py", "check", "--runtime")
    assert check.returncode == 0 and "in sync: /opt/venv" in check.stdout, check.stdout + check.stderr


@pytest.mark.parametrize("starter", BAKES)
def test_image_starts_the_app(images, starter):
    image = images(starter)
    module = image.run("python", "-m", "my_project")
    assert module.returncode == 0 and module.stdout == "Hello from my_project\n"
    if starter == "web-api":
        command = shlex.join(image.config()["Cmd"])
        health = image.config()["Healthcheck"]["Test"]
        assert health[0] == "CMD" and "/health" in health[-1]
        probe = ("import sys, time, urllib.request\n"
                 "for _ in range(100):\n"
                 "    try:\n"
                 "        answer = urllib.request.urlopen('http://127.0.0.1:8000/health', timeout=2)\n"
                 "        sys.exit(print(answer.read().decode()))\n"
                 "    except OSError:\n"
                 "        time.sleep(0.2)\n"
                 "sys.exit(1)\n")
        script = f'{command} >/dev/null 2>&1 & python -c "$0"; status=$?; kill $!; exit $status'
        answer = image.run("sh", "-c", script, probe)
        assert answer.returncode == 0 and answer.stdout.strip() == '{"status":"ok"}', answer.stderr


@pytest.mark.parametrize("starter", BAKES)
def test_image_leaves_out_the_venv_git_env_caches_and_compilers(images, starter):
    image = images(starter)
    absent = ["/usr/src/app/venv", "/usr/src/app/.git", "/usr/src/app/.env", "/root/.cache/pip",
              "/usr/bin/gcc", "/usr/bin/cc"]
    script = 'for p in "$@"; do [ -e "$p" ] && echo "$p"; done; true'
    found = image.run("sh", "-c", script, "sh", *absent, user="0")
    assert found.returncode == 0 and found.stdout == ""
    assert image.run("test", "-f", "/usr/src/app/scripts/env.py").returncode == 0


def test_a_source_change_reuses_the_dependency_layer(images):
    image = images("data-science")
    package = image.project.path / "my_project" / "__init__.py"
    original = package.read_text()
    package.write_text(original + f"\n# a change to the source only: {time.time_ns()}\n")
    try:
        seconds, log = image.build()
    finally:  # the bake is shared with other modules' tests (ruff format among them)
        package.write_text(original)
    COSTS.append(f"image data-science: rebuild after a source change {seconds:.0f} s")
    steps = re.split(r"\n(?=(?:\[\d+/\d+\] )?STEP \d+/\d+: )", log)
    install = next(s for s in steps if "pip install --require-hashes" in s)
    source = next(s for s in steps if s.split("\n")[0].endswith("COPY . ."))
    assert "Using cache" in install
    assert "Using cache" not in source


def test_a_model_trained_in_the_venv_predicts_the_same_in_the_image(images, tmp_path):
    """The promise of the template, end to end: laptop and container give the same numbers."""
    image = images("machine-learning")
    project, model = image.project, tmp_path / "model"
    project.run(project.python, "-m", "my_project", "train", model, "--seed", "3")
    in_venv = project.run(project.python, "-m", "my_project", "predict", model)
    for path in [model, *model.iterdir()]:
        path.chmod(0o755 if path.is_dir() else 0o644)  # readable by the image's non-root user
    in_image = image.run("python", "-m", "my_project", "predict", "/model", volume=f"{model}:/model:ro")
    assert in_image.returncode == 0, in_image.stderr
    assert in_image.stdout == in_venv.stdout and in_venv.stdout.strip()
    # The image's Debian Python is another patch level: a note, never a refusal.
    assert "note: python_full: recorded" in in_image.stderr and "error" not in in_image.stderr
    assert "PYTHONHASHSEED=0" in image.config()["Env"]


def image_id(tag: str) -> str:
    return buildah("inspect", "--type", "image", "--format", "{{.FromImageID}}", tag).stdout.strip()


def test_two_builds_of_one_commit_give_one_image_and_a_source_edit_another(images):
    """SOURCE_DATE_EPOCH from the last commit, as README.md and the generated CI build it."""
    image = images("data-science")  # OCI format drops HEALTHCHECK: a starter without one
    project = image.project
    project.run("git", "add", "--all")
    project.run("git", "-c", "user.name=T", "-c", "user.email=t@example.org", "commit", "--quiet", "-m", "x")
    epoch = project.run("git", "log", "-1", "--format=%ct").stdout.strip()
    options = ["--format", "oci", "--layers=false", "--timestamp", epoch, "--build-arg", f"SOURCE_DATE_EPOCH={epoch}"]
    seconds = [image.build(*options, tag=f"localhost/repro-{n}:latest")[0] for n in (1, 2)]
    COSTS.append(f"image data-science: reproducible builds {seconds[0]:.0f} s, {seconds[1]:.0f} s")
    assert image_id("localhost/repro-1:latest") == image_id("localhost/repro-2:latest")
    package = project.path / "my_project" / "__init__.py"
    package.write_text(package.read_text() + "# an edit\n")
    image.build(*options, tag="localhost/repro-3:latest")
    assert image_id("localhost/repro-3:latest") != image_id("localhost/repro-1:latest")


def test_importing_the_data_starters_packages_in_the_image_prints_nothing(images):
    """The non-root user has no home: matplotlib gets MPLCONFIGDIR, or it warns at import."""
    image = images("data-science")
    done = image.run("python", "-c", "import numpy, pandas, matplotlib.pyplot")
    assert done.returncode == 0 and done.stderr == "", done.stderr
