#!/usr/bin/python3
"""Hold a seeded validation split out of an AudioSet-layout training list (issue #13 item 5).

AST validates on the evaluation set when a dataset has no validation list, and tempora does the same by default
(README, data layouts). For the converged SpecMask comparison on mixtures that would pick each run's epoch and stop
it on the test clips, so this script writes two new lists beside the dataset's own and leaves every existing file
as it was:

    holdout_valid.py DATASET_DIR [--valid N] [--seed S] [--train train.json]
      -> DATASET_DIR/train-fit.json    the training list without the held-out clips (original order)
         DATASET_DIR/valid-holdout.json N clips drawn with random.Random("holdout-valid:S") (original order)

Train with --set data.audioset_train=train-fit.json --set data.audioset_valid=valid-holdout.json. The script
refuses to overwrite either file if it exists with different contents; rerunning it with the same arguments is a
no-op. The new files are readable by everyone (0644, less the umask), as the recipe's own. Exit codes: 0 written
or already identical, 2 bad input (or an output that cannot be read or written), 3 an output exists and differs.
"""
import argparse
import json
import os
import random
import sys
import tempfile


def fail(code, path, problem):
    print(f"holdout_valid: {path}: {problem}", file=sys.stderr)
    sys.exit(code)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dataset")
    ap.add_argument("--valid", type=int, default=500, help="clips to hold out (default 500)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--train", default="train.json", help="the training list to split (default train.json)")
    a = ap.parse_args()

    src = os.path.join(a.dataset, a.train)
    try:
        with open(src, encoding="utf-8") as f:
            data = json.load(f)["data"]
    except FileNotFoundError:
        fail(2, src, "no such file")
    except (ValueError, KeyError, TypeError) as e:
        fail(2, src, f"not an AudioSet JSON list ({e})")
    if not 0 < a.valid < len(data):
        fail(2, src, f"--valid {a.valid} must be between 1 and {len(data) - 1} (the list has {len(data)} clips)")

    held = set(random.Random(f"holdout-valid:{a.seed}").sample(range(len(data)), a.valid))
    outputs = {
        "train-fit.json": {"data": [c for i, c in enumerate(data) if i not in held]},
        "valid-holdout.json": {"data": [c for i, c in enumerate(data) if i in held]},
    }
    texts = {name: json.dumps(obj, indent=1) + "\n" for name, obj in outputs.items()}
    for name, text in texts.items():
        path = os.path.join(a.dataset, name)
        if os.path.lexists(path):
            try:
                with open(path, encoding="utf-8") as f:
                    same = f.read() == text
            except (OSError, UnicodeDecodeError) as e:
                fail(2, path, f"exists and cannot be read ({e}); not overwritten")
            if not same:
                fail(3, path, "exists with other contents; not overwritten (remove it yourself if it is stale)")
    for name, text in texts.items():
        path = os.path.join(a.dataset, name)
        if os.path.lexists(path):
            continue
        umask = os.umask(0)
        os.umask(umask)
        tmp = None
        try:
            fd, tmp = tempfile.mkstemp(dir=a.dataset, prefix=f".{name}.")
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(text)
            os.chmod(tmp, 0o666 & ~umask)
            os.link(tmp, path)  # unlike a rename, fails if the name appeared since the check above
        except FileExistsError:
            fail(3, path, "appeared while writing; not overwritten")
        except OSError as e:
            fail(2, path, f"cannot write ({e})")
        finally:
            if tmp is not None and os.path.exists(tmp):
                os.unlink(tmp)  # our own temporary file, never a file we did not write
    print(f"{a.dataset}: train-fit.json {len(data) - a.valid} clips, valid-holdout.json {a.valid} clips "
          f"(seed {a.seed}, from {a.train})")


if __name__ == "__main__":
    main()
