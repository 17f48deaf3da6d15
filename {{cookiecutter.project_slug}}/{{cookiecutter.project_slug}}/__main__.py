{%- if cookiecutter.starter_requirements == "machine-learning" -%}
"""Runs as `python -m {{ cookiecutter.project_slug }}`.

Without a command it prints a greeting (the image's command); its commands are the worked example:

    train OUT_DIR [--seed N]                    fit the model, write it and its test set to OUT_DIR
    predict OUT_DIR [CSV] [--allow-mismatch]    check the environment, then predict

Predictions go to stdout, one per line; notes, warnings and errors go to stderr.
"""

import argparse
import os
import sys
from pathlib import Path

from {{ cookiecutter.project_slug }} import greeting


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m {{ cookiecutter.project_slug }}",
        description="Without a command: print a greeting. With one: the model example.",
    )
    commands = parser.add_subparsers(dest="command")
    train = commands.add_parser("train", help="train the example model into OUT_DIR")
    train.add_argument("out_dir", type=Path, metavar="OUT_DIR", help="its files are replaced")
    train.add_argument(
        "--seed", type=int, default=0, help="seed of all randomness, 0 to 4294967295 (default 0)"
    )
    predict = commands.add_parser("predict", help="check the environment, then predict")
    predict.add_argument("out_dir", type=Path, metavar="OUT_DIR")
    predict.add_argument(
        "csv",
        type=Path,
        nargs="?",
        metavar="CSV",
        help="features, with the columns of OUT_DIR/test.csv (default: that file)",
    )
    predict.add_argument(
        "--allow-mismatch",
        action="store_true",
        help="use the model even if this environment differs from its own",
    )
    args = parser.parse_args(argv)
    if args.command is None:
        print(greeting())
        return 0
    try:  # scikit-learn loads only for these commands
        from {{ cookiecutter.project_slug }} import (
            model,
            reproducibility,
        )
    except ModuleNotFoundError as missing:  # a package of the lock removed from the venv
        print(
            f"error: {missing}: `python3 scripts/env.py check` names what differs from the locks",
            file=sys.stderr,
        )
        return 1

    try:
        if args.command == "train":
            command = " ".join([parser.prog, *(argv or sys.argv[1:])])
            model.train(args.out_dir, args.seed, command)
            files = f"{model.MODEL}, {model.TEST_SET}, {model.ENVIRONMENT}"
            print(f"trained; wrote {files} in {args.out_dir}", file=sys.stderr)
            return 0
        try:
            fitted, notes, _ = model.load(args.out_dir)
        except reproducibility.EnvironmentMismatch as mismatch:
            if not args.allow_mismatch:
                fix = (
                    "bring this one back to the locks (`python3 scripts/env.py setup`)"
                    if reproducibility.lock_drift()
                    else "this one matches the locks, so the model was made with others: train"
                    " it again, or check out the commit it records, then run setup"
                )
                print(
                    f"error: {mismatch}\nThe model was trained in another environment: {fix}."
                    " --allow-mismatch uses it anyway.",
                    file=sys.stderr,
                )
                return 1
            warning = f"warning: {mismatch}\nUsing the model anyway (--allow-mismatch)."
            print(warning, file=sys.stderr)
            fitted, notes, _ = model.load(args.out_dir, check=False)
        for note in notes:
            print(f"note: {note}", file=sys.stderr)
        for label in model.predict(fitted, args.csv or args.out_dir / model.TEST_SET):
            print(label)
        sys.stdout.flush()
    except model.ModelError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # `predict ... | head`: the reader has what it wanted
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
{%- else -%}
"""Prints a greeting{% if cookiecutter.starter_requirements != "web-api" %} (the image's command){% endif %}.

Run as `python -m {{ cookiecutter.project_slug }}`.
"""

from {{ cookiecutter.project_slug }} import greeting


def main() -> None:
    print(greeting())


if __name__ == "__main__":
    main()
{%- endif %}
