"""A worked example: a model that carries the environment it was trained in.

`train` fits a small pipeline on scikit-learn's bundled wine data (no download) and writes
OUT_DIR/model.pkl, OUT_DIR/test.csv (the held-out rows) and OUT_DIR/environment.json (the
fingerprint, the seed, the command, the time). The same seed gives the same bytes.
`predict` refuses to load the model where the environment differs from its fingerprint.
Model files are pickles: loading one runs code, so only load models from a trusted source.
"""

from __future__ import annotations

import json
import pickle
import sys
import time
from pathlib import Path

import pandas as pd
from sklearn.datasets import load_wine
from sklearn.ensemble import RandomForestClassifier
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from {{ cookiecutter.project_slug }} import reproducibility

MODEL, TEST_SET, ENVIRONMENT = "model.pkl", "test.csv", "environment.json"


def train(out_dir: Path, seed: int) -> int:
    reproducibility.seed_everything(seed)
    data = load_wine(as_frame=True)
    x_train, x_test, y_train, _ = train_test_split(
        data.data, data.target, test_size=0.25, random_state=seed, stratify=data.target)
    model = make_pipeline(StandardScaler(), RandomForestClassifier(random_state=seed, n_jobs=1))
    model.fit(x_train, y_train)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / MODEL).write_bytes(pickle.dumps(model, protocol=5))
    x_test.to_csv(out_dir / TEST_SET, index=False, lineterminator="\n")
    record = {
        "fingerprint": reproducibility.fingerprint(),
        "seed": seed,
        "command": " ".join(["python -m {{ cookiecutter.project_slug }}", *sys.argv[1:]]),
        "trained_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),  # never compared
    }
    (out_dir / ENVIRONMENT).write_text(json.dumps(record, indent=2) + "\n")
    print(f"trained on {len(x_train)} rows; wrote {MODEL}, {TEST_SET}, {ENVIRONMENT} in {out_dir}",
          file=sys.stderr)
    return 0


def fail(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 1


def predict(out_dir: Path, csv: Path | None, allow_mismatch: bool) -> int:
    """Prints one predicted class per line on stdout; everything else goes to stderr."""
    try:
        recorded = json.loads((out_dir / ENVIRONMENT).read_text())["fingerprint"]
        if not isinstance(recorded, dict):
            raise TypeError
    except OSError as error:
        return fail(f"cannot read {out_dir / ENVIRONMENT} ({error.strerror}): train a model first")
    except (ValueError, KeyError, TypeError):
        return fail(f"{out_dir / ENVIRONMENT} is not an environment record written by `train`")
    try:
        for note in reproducibility.verify(recorded):
            print(f"note: {note}", file=sys.stderr)
    except reproducibility.EnvironmentMismatch as mismatch:
        if not allow_mismatch:
            return fail(f"{mismatch}\nThe model was trained in another environment. Make this one"
                        " match (`python3 scripts/env.py setup`), or pass --allow-mismatch to use"
                        " it anyway.")
        print(f"warning: {mismatch}\nUsing the model anyway (--allow-mismatch).", file=sys.stderr)
    try:
        model = pickle.loads((out_dir / MODEL).read_bytes())
        features = pd.read_csv(csv or out_dir / TEST_SET)
    except OSError as error:
        return fail(f"cannot read {error.filename} ({error.strerror})")
    for label in model.predict(features):
        print(label)
    return 0
