"""A worked example: a model that carries the environment it was trained in.

`train` fits a small pipeline on scikit-learn's bundled wine data (no download) and writes
OUT_DIR/model.pkl, OUT_DIR/test.csv (the held-out rows) and OUT_DIR/environment.json (the
fingerprint, the seed, the command, the time). The same seed gives the same bytes.
`predict` refuses to load the model where the environment differs from its fingerprint.
Model files are pickles: loading one runs code, so only load models from a trusted source.
Replace the data and the pipeline with your own; keep the fingerprint around them.
"""

from __future__ import annotations

import json
import os
import pickle
import time
from pathlib import Path
from typing import Any

import pandas as pd
from sklearn.datasets import load_wine
from sklearn.ensemble import RandomForestClassifier
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from {{ cookiecutter.project_slug }} import reproducibility

MODEL, TEST_SET, ENVIRONMENT = "model.pkl", "test.csv", "environment.json"


class ModelError(Exception):
    """A problem with a model folder or its input, said in one line."""


def train(out_dir: str | Path, seed: int = 0, command: str | None = None) -> None:
    """Trains the example model into `out_dir` (its files are replaced, all or none).

    Refuses a venv that differs from requirements.lock: the image, which installs that lock,
    could never load the model.
    """
    out_dir = Path(out_dir)
    drift = reproducibility.lock_drift()
    if drift:
        raise ModelError(
            "this venv differs from requirements.lock (" + "; ".join(drift) + "):"
            " run `python3 scripts/env.py setup` first"
        )
    reproducibility.seed_everything(seed)
    data = load_wine(as_frame=True)
    x_train, x_test, y_train, _ = train_test_split(
        data.data, data.target, test_size=0.25, random_state=seed, stratify=data.target
    )
    model = make_pipeline(StandardScaler(), RandomForestClassifier(random_state=seed, n_jobs=1))
    model.fit(x_train, y_train)
    record = {
        "fingerprint": reproducibility.fingerprint(),
        "seed": seed,
        "command": command,
        "trained_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }  # never compared
    files = {
        MODEL: pickle.dumps(model, protocol=5),
        TEST_SET: x_test.to_csv(index=False, lineterminator="\n").encode(),
        ENVIRONMENT: (json.dumps(record, indent=2) + "\n").encode(),
    }
    # Each file is written in full beside the old one, then swapped in: a full disk or a
    # crash leaves the previous model whole.
    written = []
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        for name, data in files.items():
            written.append(out_dir / f".{name}.new")
            written[-1].write_bytes(data)
        for name in files:
            os.replace(out_dir / f".{name}.new", out_dir / name)
    except OSError as error:
        for path in written:
            path.unlink(missing_ok=True)
        raise ModelError(f"cannot write {error.filename or out_dir} ({error.strerror})") from None


def load(out_dir: str | Path, *, check: bool = True) -> tuple[Any, list[str], dict[str, Any]]:
    """The model of `out_dir`, once its environment record agrees with this environment.

    Returns the model, the notes (differences that do not change results) and the record.
    Raises ModelError, or EnvironmentMismatch (not with `check=False`: then nothing is compared).
    """
    out_dir = Path(out_dir)
    try:
        record = json.loads((out_dir / ENVIRONMENT).read_text())
        if not isinstance(record["fingerprint"].get("packages"), dict):
            raise TypeError
    except OSError as error:
        raise ModelError(
            f"cannot read {out_dir / ENVIRONMENT} ({error.strerror}): train a model there first"
        ) from None
    except (ValueError, KeyError, TypeError, AttributeError):
        raise ModelError(
            f"{out_dir / ENVIRONMENT} is not an environment record written by `train`"
        ) from None
    notes = reproducibility.verify(record["fingerprint"]) if check else []
    try:
        return pickle.loads((out_dir / MODEL).read_bytes()), notes, record
    except OSError as error:
        raise ModelError(f"cannot read {out_dir / MODEL} ({error.strerror})") from None
    except Exception:  # unpickling other bytes can raise almost anything
        raise ModelError(f"{out_dir / MODEL} is not a model written by `train`") from None


def predict(model: Any, csv: str | Path) -> list[Any]:
    """The model's class for each row of `csv`, whose columns are matched by name. A row
    with an empty or non-numeric value is refused, naming the column and the line."""
    try:
        features = pd.read_csv(csv, dtype=str, keep_default_na=False)
    except OSError as error:
        raise ModelError(f"cannot read {csv} ({error.strerror})") from None
    except ValueError as error:  # pandas: empty or malformed
        raise ModelError(f"{csv} is not a CSV of features: {error}") from None
    names = list(model.feature_names_in_)
    missing = [name for name in names if name not in features.columns]
    if missing or features.empty:
        raise ModelError(
            f"{csv} has no rows"
            if not missing
            else f"{csv} lacks the column(s) {', '.join(missing)}"
        )
    numbers = features[names].apply(pd.to_numeric, errors="coerce")
    for name in names:
        bad = numbers[name].isna()
        if bad.any():
            row = int(bad.to_numpy().argmax())
            value = features[name].iloc[row]
            what = "an empty value" if not value.strip() else f"{value!r}, not a number,"
            raise ModelError(f"{csv}: column {name!r} has {what} on line {row + 2}")
    return list(model.predict(numbers).tolist())
