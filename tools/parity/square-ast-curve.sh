#!/usr/bin/env bash
# Square-patch AST learning curve, tempora against the PyTorch mirror (issue #10, item 5).
#
#   tools/parity/square-ast-curve.sh OUT_DIR [extra SquareAstCurve options, e.g. --set train.epochs=36]
#
# Environment (defaults in brackets):
#   STEPS [1000]        steps tempora trains, and the length of order.npy / lr.npy
#   TORCH_STEPS [STEPS] steps the PyTorch mirror trains (size it to the time you have: `... time OUT_DIR`)
#   EVAL_EVERY [50]     validation every this many steps (and after the last)
#   TRAIN_CLIPS [1024]  seeded subset of the training split (0 = all 7980)
#   VALID_CLIPS [512]   seeded subset of the validation split (0 = all 1015)
#   SEED [0]            model init, subsets and batch order
#   DATA [/work/data/kws35]
#   SKIP_BUILD          set to skip `mvn test-compile` and the class path file
#   ONLY                java | torch | compare: run one stage only
#
# The JVM gets what ./tempora gives it: MKL_CBWR=AUTO,STRICT MKL_DYNAMIC=FALSE, -Dai.djl.offline=true,
# --add-modules jdk.incubator.vector, -Xss8m. PyTorch is Debian's (/usr/bin/python3), 2 threads, float32.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
out="${1:?usage: $0 OUT_DIR [SquareAstCurve options]}"
shift
cd "$here"
STEPS="${STEPS:-1000}"
TORCH_STEPS="${TORCH_STEPS:-$STEPS}"
EVAL_EVERY="${EVAL_EVERY:-50}"
cp_file=tempora-core/target/square-ast-cp.txt
if [ -z "${SKIP_BUILD:-}" ]; then
  mvn -B -q -o test-compile -pl tempora-core -am && mvn -B -q -o -f tempora-core/pom.xml dependency:build-classpath -Dmdep.outputFile=target/square-ast-cp.txt
fi
mkdir -p "$out"
if [ -z "${ONLY:-}" ] || [ "$ONLY" = java ]; then
  MKL_CBWR=AUTO,STRICT MKL_DYNAMIC=FALSE java -Xss8m -Dai.djl.offline=true -Djava.awt.headless=true \
    -Dorg.slf4j.simpleLogger.defaultLogLevel=error --add-modules jdk.incubator.vector \
    -cp "tempora-core/target/classes:tempora-core/target/test-classes:$(cat "$cp_file")" org.tempora.tools.SquareAstCurve \
    --data "${DATA:-/work/data/kws35}" --out "$out" --steps "$STEPS" --eval-every "$EVAL_EVERY" \
    --train-clips "${TRAIN_CLIPS:-1024}" --valid-clips "${VALID_CLIPS:-512}" --seed "${SEED:-0}" "$@" \
    2>&1 | grep --line-buffered -v '^WARNING: Using incubator modules' | tee "$out/tempora.log"
fi
if [ -z "${ONLY:-}" ] || [ "$ONLY" = torch ]; then
  /usr/bin/python3 tools/parity/square_ast_curve.py train "$out" --steps "$TORCH_STEPS" --threads 2 2>&1 | tee "$out/torch.log"
fi
if [ -z "${ONLY:-}" ] || [ "$ONLY" = torch ] || [ "$ONLY" = compare ]; then
  /usr/bin/python3 tools/parity/square_ast_curve.py compare "$out" | tee "$out/compare.txt"
fi
