package org.tempora.run;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import java.util.LinkedHashMap;
import java.util.Map;
import org.tempora.eval.Stopwatch;
import org.tempora.config.ExperimentConfig;
import org.tempora.data.Batch;
import org.tempora.data.BatchSource;
import org.tempora.eval.EvalResult;
import org.tempora.model.TemporaModel;

/** Metrics of scored examples, and the cost of a model: analytic FLOPs and measured speed. */
public final class Evaluation {
    private Evaluation() {}

    public static EvalResult result(float[][] logits, BatchSource source, boolean multiLabel) {
        int n = source.size();
        if (!multiLabel) {
            int[] labels = new int[n];
            for (int i = 0; i < n; i++) labels[i] = source.labels(i)[0];
            return EvalResult.singleLabel(logits, labels, source.numClasses());
        }
        boolean[][] t = new boolean[n][source.numClasses()];
        for (int i = 0; i < n; i++) for (int l : source.labels(i)) t[i][l] = true;
        return EvalResult.multiLabel(logits, t);
    }

    /**
     * FLOPs per example (forward; a training step costs ≈ 3×), tokens, batched-inference throughput and the
     * latency of one clip (median of repeated runs after warm-up, on the configured threads).
     */
    public static Map<String, Object> costs(ExperimentConfig cfg, TemporaModel model, BatchSource source, int batchSize) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("tokens", model.tokens());
        m.put("gflops_per_clip", model.flopsPerExample() / 1e9);
        m.put("gflops_backbone", model.backboneFlops() / 1e9);
        m.put("gflops_resolution", (model.flopsPerExample() - model.backboneFlops()) / 1e9);
        int b = Math.min(batchSize, source.size());
        int[] idx = new int[b];
        for (int i = 0; i < b; i++) idx[i] = i;
        Batch batch = source.batch(idx, false, null);
        Batch one = source.batch(new int[] {0}, false, null);
        boolean was = JniUtils.isGradMode();
        JniUtils.setGradMode(false);
        model.train(false);
        try {
            double tb = Stopwatch.median(1, 3, () -> forward(model, batch));
            double t1 = Stopwatch.median(3, 15, () -> forward(model, one));
            m.put("inference_examples_per_s", b / tb);
            m.put("latency_ms_single_clip", t1 * 1000);
        } finally {
            JniUtils.setGradMode(was);
        }
        return m;
    }

    private static void forward(TemporaModel model, Batch b) {
        try (NDManager sub = model.manager().newSubManager()) {
            NDArray x = sub.create(b.x(), new Shape(b.size(), b.frames(), b.bins()));
            model.forward(x, false).logits().toFloatArray();
        }
    }
}
