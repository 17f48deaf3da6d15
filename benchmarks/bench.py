"""Bake-to-ready time of the template, against the bare tools and a peer in the same run.

    .venv/bin/python benchmarks/bench.py [--runs 5] [--starters none data-science]

"Ready" is a project whose two locks are there and whose venv holds the dev lock. For each
starter set it times, in rounds that alternate between the variants (after one warm-up
round, so package caches are warm; the order turns by one each round):

  (b) bake, uv on PATH            cookiecutter --no-input ... (the hook finds uv)
  (p) peer: uv init + uv add      uv init --python X.Y, uv add <requirements.txt's packages>,
                                  uv add --dev <requirements-dev.txt's packages>
  (f) floor for (b)               a render-only bake (create_venv=false), then uv venv --seed
                                  and uv pip sync of its two locks
  (g) floor, the bake's way       the same with setup's choices: no seed (the lock pins pip),
                                  files from uv's cache (--offline), as a warm cache allows
  (a) bake, no uv on PATH         cookiecutter installed in a venv of its own, uv not on PATH
                                  (setup uses the uv it installed once for this machine)
  (c) floor for (a)               python -m venv, pip install --require-hashes of the two locks
  (e) render only                 the bake with create_venv=false: cookiecutter's own share

and prints the commands, the medians and the ratios b/p, b/f, b/g and a/c. It is not a test: it
passes or fails nothing. Needs the template's requirements-dev.txt installed, and the
package index.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from uv import find_uv_bin

TEMPLATE = Path(__file__).resolve().parent.parent
UV = find_uv_bin()
PYTHON_VERSION = "{}.{}".format(*sys.version_info)
# The interpreter this venv was made from (not a pyenv shim, which costs a shell start per call).
BASE_PYTHON = str(Path(sys.base_prefix) / "bin" / f"python{PYTHON_VERSION}")
LOCKS = ["requirements.lock", "requirements-dev.lock"]


def bake(cookiecutter: list[str], starter: str, out: Path, *answers: str) -> list[str]:
    return [*cookiecutter, "--no-input", "-o", str(out), str(TEMPLATE), f"starter_requirements={starter}", *answers]


def packages(requirements: Path) -> list[str]:
    """The requirement lines of a hand-kept file, comments and `-r` lines left out."""
    lines = (line.split("#")[0].strip() for line in requirements.read_text().splitlines())
    return [line for line in lines if line and not line.startswith("-")]


def peer(files: Path) -> list[list[str]]:
    runtime, dev = packages(files / "requirements.txt"), packages(files / "requirements-dev.txt")
    return [[UV, "init", "--quiet", "--python", PYTHON_VERSION, "."],
            *([[UV, "add", "--quiet", *runtime]] if runtime else []),  # the `none` starter has none
            [UV, "add", "--quiet", "--dev", *dev]]


def floor_uv(own_way: bool = False) -> list[list[str]]:
    seed, offline = ([], ["--offline"]) if own_way else (["--seed"], [])
    return [[UV, "venv", *seed, "--quiet", "--python", BASE_PYTHON, "venv"],
            [UV, "pip", "sync", "--quiet", *offline, "--require-hashes", "--python", "venv/bin/python", *LOCKS]]


def floor_pip() -> list[list[str]]:
    return [[BASE_PYTHON, "-m", "venv", "venv"],
            ["venv/bin/python", "-m", "pip", "install", "--quiet", "--require-hashes", "-r", LOCKS[0], "-r", LOCKS[1]]]


def without_uv() -> dict:
    """PATH with no folder that holds a uv."""
    path = os.pathsep.join(p for p in os.environ["PATH"].split(os.pathsep) if not (Path(p) / "uv").exists())
    return {"PATH": path}


def clean_env(extra: dict) -> dict:
    """This machine's pip configuration switched off (uv's floor would not read it, setup
    would): every variant reads the same one index."""
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "ENV_PY_BACKEND")}
    return {**env, "PIP_CONFIG_FILE": os.devnull, **extra}


def timed(commands: list[list[str]], cwd: Path, env: dict | None = None) -> float:
    started = time.perf_counter()
    for command in commands:
        subprocess.run(command, cwd=cwd, env=clean_env(env or {}), check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def one_round(starter: str, scratch: Path, plain_cookiecutter: list[str], n: int) -> dict[str, float]:
    """One timing of each variant. The order turns by one each round, so that no variant always
    runs right after the heavy pip floor (c), whose disk writes slow down what follows it."""
    own = [sys.executable, "-m", "cookiecutter"]
    files = scratch / f"files-{starter}" / "my_project"  # its requirements and locks

    def baked(label: str, command: list[str], env: dict | None = None) -> float:
        out = scratch / f"{label}-{starter}-{n}"
        seconds = timed([bake(command, starter, out)], scratch, env)
        assert (out / "my_project/venv").is_dir(), f"bake ({label}) made no venv"
        return seconds

    def floor(label: str, own_way: bool = False) -> float:
        render = scratch / f"{label}-{starter}-{n}"
        started = time.perf_counter()
        subprocess.run(bake(own, starter, render, "create_venv=false"), check=True, stdout=subprocess.DEVNULL)
        return time.perf_counter() - started + timed(floor_uv(own_way), render / "my_project")

    def in_folder(label: str, commands: list[list[str]], env: dict | None = None, locks: bool = False) -> float:
        work = scratch / f"{label}-{starter}-{n}"
        work.mkdir()
        for lock in LOCKS if locks else []:
            shutil.copy(files / lock, work / lock)
        return timed(commands, work, env)

    variants = {
        "b": lambda: baked("b", own),
        "e": lambda: timed([bake(own, starter, scratch / f"e-{starter}-{n}", "create_venv=false")], scratch),
        "p": lambda: in_folder("p", peer(files)),
        "f": lambda: floor("f"),
        "g": lambda: floor("g", own_way=True),
        "a": lambda: baked("a", plain_cookiecutter, without_uv()),
        "c": lambda: in_folder("c", floor_pip(), without_uv(), locks=True),
    }
    order = list(variants)
    order = order[n % len(order):] + order[:n % len(order)]
    return {label: variants[label]() for label in order}


def describe_machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    uv = subprocess.run([UV, "--version"], capture_output=True, text=True).stdout.strip()
    return f"{os.cpu_count()} cores, {cpu}; Python {platform.python_version()}; {uv}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="timed rounds per starter (default 5)")
    parser.add_argument("--starters", nargs="+", default=["none", "data-science"])
    args = parser.parse_args()
    print(f"machine: {describe_machine()}")
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        scratch = Path(tmp)
        # Cookiecutter as most people install it: in a venv of its own, with no uv in it.
        subprocess.run([BASE_PYTHON, "-m", "venv", scratch / "cookiecutter"], check=True)
        subprocess.run([scratch / "cookiecutter/bin/python", "-m", "pip", "install", "--quiet", "cookiecutter~=2.7"],
                       check=True)
        plain = [str(scratch / "cookiecutter/bin/cookiecutter")]
        for starter in args.starters:
            files = scratch / f"files-{starter}"
            subprocess.run(bake([sys.executable, "-m", "cookiecutter"], starter, files, "create_venv=false"),
                           check=True, stdout=subprocess.DEVNULL)
            print(f"\n{starter}: peer (p):", *(" ".join(map(str, c)) for c in peer(files / "my_project")),
                  sep="\n    ")
            one_round(starter, scratch, plain, 0)  # warm-up: fills the pip and uv caches
            samples = {k: [] for k in "bpfgace"}
            for n in range(1, args.runs + 1):
                for label, seconds in one_round(starter, scratch, plain, n).items():
                    samples[label].append(seconds)
            rows.append((starter, {k: statistics.median(v) for k, v in samples.items()}))
    print("\nfloor (f): a render-only bake, then", *(" ".join(map(str, c)) for c in floor_uv()), sep="\n    ")
    print("floor (g): a render-only bake, then", *(" ".join(map(str, c)) for c in floor_uv(True)), sep="\n    ")
    print("floor (c):", *(" ".join(map(str, c)) for c in floor_pip()), sep="\n    ")
    print(f"\nmedians of {args.runs} runs, seconds (warm caches)\n")
    print("| starter | (b) bake, uv | (p) peer | b/p | (f) floor | b/f | (g) floor, the bake's way | b/g "
          "| (a) bake, no uv | (c) floor | a/c | (e) render only |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for starter, m in rows:
        print(f"| {starter} | {m['b']:.2f} | {m['p']:.2f} | {m['b'] / m['p']:.2f} | {m['f']:.2f} "
              f"| {m['b'] / m['f']:.2f} | {m['g']:.2f} | {m['b'] / m['g']:.2f} "
              f"| {m['a']:.2f} | {m['c']:.2f} | {m['a'] / m['c']:.2f} | {m['e']:.2f} |")


if __name__ == "__main__":
    main()
