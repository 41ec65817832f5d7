package org.tempora.train;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.tempora.config.ConfigLoader;
import org.tempora.config.ExperimentConfig;
import org.tempora.data.Batch;
import org.tempora.data.BatchSource;
import org.tempora.model.ModelFactory;
import org.tempora.model.TemporaModel;

/**
 * Native memory stays flat: after a warm-up step, further training steps leave no new arrays in the model's
 * manager (every per-batch intermediate, gradient wrapper and norm temporary is freed), for every backbone and
 * resolution stage. A leak here grows RSS by a copy of the model per step.
 */
class NoLeakTest {
    @TempDir
    Path dir;

    /** A source of random batches (nothing is learned; only memory is watched). */
    static BatchSource random(int frames, int bins, int classes) {
        return new BatchSource() {
            public int size() { return 8; }
            public int frames() { return frames; }
            public int bins() { return bins; }
            public int numClasses() { return classes; }
            public int[] labels(int i) { return new int[] {i % classes}; }
            public Batch batch(int[] idx, boolean augment, SplittableRandom rng) {
                SplittableRandom r = new SplittableRandom(idx[0]);
                float[] x = new float[idx.length * frames * bins];
                for (int i = 0; i < x.length; i++) x[i] = (float) (r.nextDouble() * 4 - 8);
                float[] y = new float[idx.length * classes];
                for (int k = 0; k < idx.length; k++) y[k * classes + idx[k] % classes] = 1;
                return new Batch(x, idx.length, frames, bins, y, classes, idx);
            }
        };
    }

    @ParameterizedTest
    @ValueSource(strings = {"ast", "ast-diffres", "ast-avgpool", "ast-fftp", "aum"})
    void stepsDoNotAccumulateArrays(String variant) {
        List<String> sets = new java.util.ArrayList<>(List.of("backbone.dim=32", "backbone.depth=1", "backbone.heads=2", "train.grad_clip=1.0"));
        switch (variant) {
            case "ast-diffres" -> sets.addAll(List.of("resolution.kind=diffres", "resolution.reduction=0.5"));
            case "ast-avgpool" -> sets.addAll(List.of("resolution.kind=avgpool", "resolution.reduction=0.5"));
            case "ast-fftp" -> sets.addAll(List.of("tokens.kind=fftp", "tokens.fftp_width=8", "tokens.fftp_stride=4"));
            case "aum" -> sets.addAll(List.of("backbone.kind=aum", "backbone.size=micro", "backbone.dim=32", "backbone.depth=1",
                    "backbone.bimamba=v2"));
            default -> { }
        }
        ExperimentConfig cfg = ConfigLoader.load("demo", null, sets);
        try (NDManager m = Engine.getInstance().newBaseManager()) {
            TemporaModel model = ModelFactory.build(cfg, new ModelFactory.Input(64, 64, 4, -6, 5), m);
            BatchSource src = random(64, 64, 4);
            Trainer t = new Trainer(cfg, model, src, src, false, new RunFiles(dir), null);
            model.train(true);
            t.step(src.batch(new int[] {0, 1, 2, 3}, false, null), 1e-3, "ce", new LinkedHashMap<>());
            int after1 = m.getManagedArrays().size();
            for (int s = 1; s <= 3; s++) t.step(src.batch(new int[] {s, s + 1, s + 2, s + 3}, false, null), 1e-3, "ce", new LinkedHashMap<>());
            assertThat(m.getManagedArrays().size()).as(variant + ": arrays in the model manager after 3 more steps").isEqualTo(after1);
        }
    }
}
