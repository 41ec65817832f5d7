#!/usr/bin/python3
"""Reference values for org.tempora.eval.Metrics from scikit-learn and SciPy.

Writes src/test/resources/fixtures/metrics/sklearn_cases.json. Every score is a float32 value (stored as the
exact double of that float), so Java reads exactly what sklearn saw. Run with Debian's python
(apt-get install -y python3-sklearn; bookworm: scikit-learn 1.2.1, SciPy 1.10.1, NumPy 1.24.2):

    /usr/bin/python3 tools/gen_metric_fixtures.py

Conventions encoded here (the Java side documents the same ones):
- AP / AUC of a class that is undefined (AP: no positive; AUC: no positive or no negative) is stored as null.
  sklearn returns 0 for AP with no positives (with a warning) and raises for AUC; tempora returns NaN and the
  macro means skip such classes, reporting how many were skipped.
- d' = sqrt(2) * norm.ppf(mAUC), as AST computes it from the mean AUC.
- top-k is stored twice: with sklearn's tie rule (top_k_accuracy_score: reversed stable argsort, so among equal
  scores the higher class index ranks first) and with tempora's default rule (numpy stable argsort of -score:
  the lower class index ranks first, consistent with argmax).
- Per-class precision/recall/F1 use zero_division=0; the macro/weighted averages use sklearn's default label set
  (classes that occur in the labels or the predictions).
"""
import json
import pathlib
import warnings

import numpy as np
import scipy
import sklearn
from scipy.stats import norm
from sklearn.metrics import (accuracy_score, average_precision_score, confusion_matrix,
                             precision_recall_fscore_support, roc_auc_score, top_k_accuracy_score)

warnings.simplefilter("ignore")
OUT = pathlib.Path(__file__).resolve().parent.parent / "src/test/resources/fixtures/metrics/sklearn_cases.json"
rng = np.random.default_rng(20240611)


def f32(a):
    return np.asarray(a, dtype=np.float32)


def flist(a):
    return [float(v) for v in np.asarray(a, dtype=np.float32).ravel()] if np.ndim(a) == 1 else \
        [[float(v) for v in row] for row in np.asarray(a, dtype=np.float32)]


def ap_or_none(t, s):
    return float(average_precision_score(t, s)) if t.any() else None


def auc_or_none(t, s):
    return float(roc_auc_score(t, s)) if t.any() and not t.all() else None


# ---------------------------------------------------------------- binary AP / AUC
def binary(name, score, target):
    s = f32(score)
    t = np.asarray(target, dtype=bool)
    return dict(name=name, score=flist(s), target=[bool(v) for v in t], ap=ap_or_none(t, s), auc=auc_or_none(t, s))


binary_cases = []
n = 50
binary_cases.append(binary("random_continuous", rng.normal(size=n), rng.random(n) < 0.3))
binary_cases.append(binary("ties_quantised", np.round(rng.random(60), 1), rng.random(60) < 0.4))
binary_cases.append(binary("heavy_ties_3_levels", rng.integers(0, 3, 40) / 2.0, rng.random(40) < 0.5))
s = rng.normal(size=30)
t = s > np.median(s)
binary_cases.append(binary("perfect_ranking", s, t))
binary_cases.append(binary("reversed_ranking", -s, t))
binary_cases.append(binary("all_scores_equal", np.full(20, 0.25), rng.random(20) < 0.5))
t = np.zeros(25, dtype=bool)
t[7] = True
binary_cases.append(binary("single_positive", rng.random(25), t))
t = np.zeros(200, dtype=bool)
t[rng.choice(200, 5, replace=False)] = True
binary_cases.append(binary("imbalanced_5_of_200", rng.normal(size=200) + 0.8 * t, t))
binary_cases.append(binary("logits_with_ties", np.round(rng.normal(scale=3, size=80)), rng.random(80) < 0.35))
binary_cases.append(binary("no_positives", rng.random(15), np.zeros(15, dtype=bool)))
binary_cases.append(binary("all_positive", rng.random(15), np.ones(15, dtype=bool)))

# ---------------------------------------------------------------- multi-label mAP / mAUC / d'
def multilabel(name, scores, targets):
    sc = f32(scores)
    tg = np.asarray(targets, dtype=bool)
    aps = [ap_or_none(tg[:, c], sc[:, c]) for c in range(sc.shape[1])]
    aucs = [auc_or_none(tg[:, c], sc[:, c]) for c in range(sc.shape[1])]
    ap_def = [a for a in aps if a is not None]
    auc_def = [a for a in aucs if a is not None]
    m_auc = float(np.mean(auc_def))
    return dict(name=name, scores=flist(sc), targets=tg.astype(int).tolist(), ap=aps, auc=aucs,
                mAP=float(np.mean(ap_def)), ap_skipped=len(aps) - len(ap_def),
                mAUC=m_auc, auc_skipped=len(aucs) - len(auc_def),
                d_prime=float(norm.ppf(m_auc) * np.sqrt(2.0)))


N, C = 60, 8
tg = rng.random((N, C)) < 0.25
tg[:, 5] = False                       # a class with no positives: skipped by mAP and mAUC
tg[:, 6] = True                        # a class with no negatives: AP = 1, AUC undefined
sc = rng.normal(size=(N, C)) + 1.2 * tg
sc[:, 2] = np.round(sc[:, 2])          # a class with many ties
sc[:, 3] = np.where(tg[:, 3], 2.0, -2.0) + 0.01 * rng.random(N)   # perfect class
ml_cases = [multilabel("mixed_8_classes", sc, tg)]
probs = 1.0 / (1.0 + np.exp(-(rng.normal(size=(40, 5)) + 2.0 * (rng.random((40, 5)) < 0.3))))
tg2 = rng.random((40, 5)) < 0.3
tg2[0, :] = True
ml_cases.append(multilabel("probabilities_5_classes", np.round(probs, 2), tg2))

# ---------------------------------------------------------------- single-label top-k, confusion, P/R/F1
def topk_index_order(scores, labels, k):
    order = np.argsort(-scores, axis=1, kind="stable")[:, :k]
    return float(np.mean([labels[i] in order[i] for i in range(len(labels))]))


def single(name, scores, labels, C):
    sc = f32(scores)
    y = np.asarray(labels, dtype=int)
    pred = np.argmax(sc, axis=1)
    ks = [k for k in (1, 2, 3, 5) if k < C]
    p, r, f, sup = precision_recall_fscore_support(y, pred, labels=list(range(C)), zero_division=0)
    avg = {}
    for a in ("macro", "weighted"):
        ap, ar, af, _ = precision_recall_fscore_support(y, pred, average=a, zero_division=0)
        avg[a] = dict(precision=float(ap), recall=float(ar), f1=float(af))
    return dict(name=name, classes=C, scores=flist(sc), labels=y.tolist(),
                topk_sklearn={str(k): float(top_k_accuracy_score(y, sc, k=k, labels=list(range(C)))) for k in ks},
                topk_index_order={str(k): topk_index_order(sc, y, k) for k in ks},
                accuracy=float(accuracy_score(y, pred)),
                confusion=confusion_matrix(y, pred, labels=list(range(C))).tolist(),
                precision=p.tolist(), recall=r.tolist(), f1=f.tolist(), support=sup.tolist(),
                macro=avg["macro"], weighted=avg["weighted"])


N, C = 100, 10
y = rng.integers(0, C, N)
sc = rng.normal(size=(N, C))
sc[np.arange(N), y] += 1.0
sl_cases = [single("random_10_classes", sc, y, C)]
N, C = 80, 6
y = rng.integers(0, C, N)
sc = np.round(rng.random((N, C)) * 3) / 3       # 4 levels → many ties, also in top-1
sc[np.arange(N), y] += (rng.random(N) < 0.5) / 3
sl_cases.append(single("ties_6_classes", sc, y, C))
N, C = 50, 7                                     # class 6 never occurs and is never predicted; class 5 never predicted
y = rng.integers(0, 6, N)
sc = rng.normal(size=(N, C))
sc[np.arange(N), y] += 1.5
sc[:, 5] -= 10.0
sc[:, 6] -= 10.0
sl_cases.append(single("absent_classes_7", sc, y, C))
y = np.arange(12) % 4
sl_cases.append(single("perfect_4_classes", np.eye(4)[y] * 5.0 - 1.0, y, 4))

# ---------------------------------------------------------------- normal quantile and CDF
ps = [1e-300, 1e-100, 1e-20, 1e-10, 1e-6, 1e-3, 0.01, 0.02425, 0.025, 0.1, 0.25, 0.4999, 0.5, 0.5001, 0.6,
      0.75, 0.9, 0.97575, 0.98, 0.99, 0.999, 0.999999, 1 - 1e-10]
ps += sorted(rng.random(30).tolist())
ppf = [dict(p=p, x=float(norm.ppf(p))) for p in ps]
xs = [-37.5, -20.0, -8.0, -5.0, -3.3, -2.0, -1.0, -0.3, 0.0, 0.2, 0.7, 1.5, 2.5, 3.6, 6.0, 9.0]
cdf = [dict(x=x, p=float(norm.cdf(x))) for x in xs]

doc = dict(generator="tools/gen_metric_fixtures.py",
           versions=dict(sklearn=sklearn.__version__, scipy=scipy.__version__, numpy=np.__version__),
           binary=binary_cases, multilabel=ml_cases, singlelabel=sl_cases, ppf=ppf, cdf=cdf)
OUT.parent.mkdir(parents=True, exist_ok=True)
OUT.write_text(json.dumps(doc, separators=(",", ":")) + "\n")
print("wrote", OUT, OUT.stat().st_size, "bytes")
