"""What a reproducible image build costs, against the build the README gave before.

    sudo .venv/bin/python benchmarks/bench_image.py [--runs 5] [--starter data-science]

A project is baked, its base swapped for the image tests' stand-in (tests/test_image.py
makes it: run `pytest -m image` once first), and it is built with buildah, alternating:

  (t) today's build          buildah bud --format docker --layers, with no layer cached
  (r) reproducible build     buildah bud --format oci --layers=false --timestamp $SDE
                             --build-arg SOURCE_DATE_EPOCH=$SDE (SDE: the last commit's time)

Both start with pip's cache mount warm (a warm-up round fills it) and no layer of the
project's. It prints the medians, the ratio r/t, and whether the reproducible builds all
gave one image. It is not a test: it passes or fails nothing. Needs root, buildah, and the
package index.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TEMPLATE = Path(__file__).resolve().parent.parent
CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "reproducible-python-template"
BASE = "docker.io/library/python:3.11-slim-trixie"
CA_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")


def buildah(*args: str) -> str:
    storage = ["--root", str(CACHE / "storage-overlay"), "--runroot", str(CACHE / "run-overlay"),
               "--storage-driver", "overlay"]
    done = subprocess.run(["buildah", *storage, *args], capture_output=True, text=True, check=True,
                          env={**os.environ, "BUILDAH_ISOLATION": "chroot"})
    return done.stdout


def build(project: Path, tag: str, *options: str) -> float:
    volume = ["-v", f"{CA_BUNDLE}:{CA_BUNDLE}:ro"] if CA_BUNDLE.exists() else []
    started = time.perf_counter()
    buildah("bud", "--pull-never", *options, *volume, "-t", tag, str(project))
    return time.perf_counter() - started


def forget(tags: list[str]) -> None:
    """Removes the project's images and cached layers, never the base."""
    for tag in tags:
        try:
            buildah("rmi", "--force", tag)
        except subprocess.CalledProcessError:
            pass
    buildah("rmi", "--prune")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--starter", default="data-science")
    args = parser.parse_args()
    digest = buildah("images", "--digests", "--format", "{{.Digest}}", BASE).split()[0]
    with tempfile.TemporaryDirectory(prefix="bench-image-") as tmp:
        subprocess.run([sys.executable, "-m", "cookiecutter", "--no-input", "-o", tmp, str(TEMPLATE),
                        f"starter_requirements={args.starter}", "python_version=3.11", "create_venv=false"],
                       check=True, stdout=subprocess.DEVNULL)
        project = Path(tmp) / "my_project"
        dockerfile = project / "Dockerfile"
        dockerfile.write_text(re.sub(r"@sha256:[0-9a-f]{64}", f"@{digest}", dockerfile.read_text()))
        epoch = subprocess.run(["git", "log", "-1", "--format=%ct"], cwd=project, capture_output=True, text=True,
                               check=True).stdout.strip()
        today = ["--format", "docker", "--layers"]
        reproducible = ["--format", "oci", "--layers=false", "--timestamp", epoch, "--build-arg",
                        f"SOURCE_DATE_EPOCH={epoch}"]
        build(project, "localhost/bench:warm", *today)  # warm-up: pip's cache mount
        forget(["localhost/bench:warm"])
        samples: dict[str, list[float]] = {"t": [], "r": []}
        images = set()
        for n in range(args.runs):
            samples["t"].append(build(project, f"localhost/bench:t{n}", *today))
            forget([f"localhost/bench:t{n}"])
            samples["r"].append(build(project, f"localhost/bench:r{n}", *reproducible))
            images.add(buildah("inspect", "--type", "image", "--format", "{{.FromImageID}}", f"localhost/bench:r{n}"))
            forget([f"localhost/bench:r{n}"])
    t, r = statistics.median(samples["t"]), statistics.median(samples["r"])
    print(f"\n{args.starter}, medians of {args.runs} alternating runs, seconds\n")
    print("| (t) today's build | (r) reproducible build | r/t | one image from every (r) |")
    print("|---|---|---|---|")
    print(f"| {t:.1f} | {r:.1f} | {r / t:.2f} | {'yes' if len(images) == 1 else 'no: ' + str(len(images))} |")


if __name__ == "__main__":
    main()
