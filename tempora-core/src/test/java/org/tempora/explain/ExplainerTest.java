package org.tempora.explain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDManager;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.tempora.InvalidInputException;
import org.tempora.config.ConfigLoader;
import org.tempora.config.ExperimentConfig;
import org.tempora.model.ModelFactory;
import org.tempora.model.TemporaModel;
import org.tempora.resolution.DiffRes;

/**
 * The explanation of a tiny random DiffRes model: consistent scores, boundaries and summary (tempora-report's
 * ExplainChartTest checks the picture).
 */
class ExplainerTest {
    static final int T = 60;
    static final int F = 32;

    static TemporaModel model(NDManager m, String kind) {
        ExperimentConfig cfg = ConfigLoader.load("diffres-0.5", null, List.of("backbone.size=micro", "resolution.kind=" + kind));
        return ModelFactory.build(cfg, new ModelFactory.Input(T, F, 4, -5.0, 4.0), m);
    }

    /** Loud noise, then digital silence (frames 20-35), then a tone; the last 6 frames are padding (0). */
    static float[] clip() {
        SplittableRandom r = new SplittableRandom(3);
        float[] x = new float[T * F];
        for (int j = 0; j < T; j++) {
            for (int f = 0; f < F; f++) {
                float v;
                if (j >= 54) v = 0f;
                else if (j >= 20 && j < 36) v = -15.9f;
                else if (j < 20) v = (float) (r.nextDouble() * 6 - 2);
                else v = f == 10 ? 6f : -6f + (float) r.nextDouble();
                x[j * F + f] = v;
            }
        }
        return x;
    }

    @Test
    void explainsARandomModel() {
        try (NDManager m = NDManager.newBaseManager(); TemporaModel model = model(m.newSubManager(), "diffres")) {
            Explainer.Explanation e = Explainer.explain(model, clip(), T, F, 54, 0.01);
            int t = 30;
            assertThat(e.outFrames()).isEqualTo(t);
            double total = 0;
            for (float v : e.score()) total += v;
            assertThat(total).isCloseTo(t, within(1.0));

            Explainer.Summary s = e.summary();
            double bucketSum = 0;
            double fractions = 0;
            for (Explainer.Bucket b : s.buckets()) {
                bucketSum += b.outputFrames();
                fractions += b.fraction();
            }
            assertThat(s.buckets()).hasSize(3); // 0.6 s in quarter seconds
            assertThat(bucketSum).isCloseTo(total, within(1e-4));
            assertThat(fractions).isCloseTo(1.0, within(1e-9));
            double first = 0;
            for (int j = 0; j < 25; j++) first += e.score()[j];
            assertThat(s.buckets().get(0).outputFrames()).isCloseTo(first, within(1e-4));

            // most/least resolved: the extreme 6-frame windows of the audio part
            double best = -1;
            double worst = 2;
            for (int k = 0; k + 6 <= 54; k++) {
                double mean = 0;
                for (int j = k; j < k + 6; j++) mean += e.score()[j] / 6.0;
                best = Math.max(best, mean);
                worst = Math.min(worst, mean);
            }
            assertThat(s.mostResolved().meanScore()).isCloseTo(best, within(1e-6));
            assertThat(s.leastResolved().meanScore()).isCloseTo(worst, within(1e-6));
            assertThat(s.mostResolved().relativeRate()).isCloseTo(best / 0.5, within(1e-5));
            assertThat(s.mostResolved().endFrame() - s.mostResolved().startFrame()).isEqualTo(6);
            assertThat(s.mostResolved().endFrame()).isLessThanOrEqualTo(54);

            int merged = 0;
            for (float v : e.score()) if (v < 0.25) merged++;
            assertThat(s.mergeThreshold()).isEqualTo(0.25);
            assertThat(s.mergedFraction()).isEqualTo(merged / (double) T);
            assertThat(s.text()).contains("most resolved").contains("merged").contains("padding");

            double[] b = e.boundaries();
            assertThat(b).hasSize(t + 1);
            assertThat(b[0]).isZero();
            for (int i = 1; i <= t; i++) assertThat(b[i]).isGreaterThanOrEqualTo(b[i - 1]);
            assertThat(b[t]).isLessThanOrEqualTo(T);
        }
    }

    @Test
    void showsTheAverageChannelTheModelOutputs() {
        try (NDManager m = NDManager.newBaseManager()) {
            TemporaModel ref = model(m.newSubManager(), "diffres");
            ExperimentConfig cfg = ConfigLoader.load("diffres-0.5", null,
                    List.of("backbone.size=micro", "resolution.kind=diffres", "resolution.channels=[logavg]"));
            TemporaModel log = ModelFactory.build(cfg, new ModelFactory.Input(T, F, 4, -5.0, 4.0), m.newSubManager());
            Explainer.Explanation a = Explainer.explain(ref, clip(), T, F, 54, 0.01);
            Explainer.Explanation b = Explainer.explain(log, clip(), T, F, 54, 0.01);
            assertThat(a.outputChannel()).isEqualTo(DiffRes.Channel.AVG);
            assertThat(b.outputChannel()).isEqualTo(DiffRes.Channel.LOGAVG);
            // the logavg model's picture holds the weighted mean of the log values under the scores it reports
            assertThat(b.output()).hasSameSizeAs(a.output());
            float[] sb = b.score();
            int t = b.outFrames();
            double[] mass = new double[t];
            double[][] lin = new double[t][F];
            double[][] lg = new double[t][F];
            double c = 0;
            float[] x = clip();
            for (int j = 0; j < T; j++) {
                double lo = c;
                c += sb[j];
                for (int i = (int) Math.floor(lo); i < t && i < c; i++) {
                    double w = Math.min(c, i + 1) - Math.max(lo, i);
                    if (w <= 0) continue;
                    mass[i] += w;
                    for (int f = 0; f < F; f++) lg[i][f] += w * x[j * F + f];
                }
            }
            for (int i = 0; i < t; i++) {
                if (mass[i] < 1e-6) continue;
                for (int f = 0; f < F; f++) {
                    assertThat((double) b.output()[i * F + f]).as("cell %d bin %d", i, f).isCloseTo(lg[i][f] / mass[i], within(1e-3));
                }
            }
        }
    }

    @Test
    void boundariesOfTheWorkedExample() {
        // s = [0.5, 0.75, 0.25, 0.5]: boundary 1 lies 2/3 into frame 1 (c = 0.5 → 1.25), boundary 2 at the end
        assertThat(Explainer.boundaries(new float[] {0.5f, 0.75f, 0.25f, 0.5f}, 2)).containsExactly(new double[] {0, 1 + 0.5 / 0.75, 4}, within(1e-6));
    }

    @Test
    void refusesAModelWithoutDiffRes() {
        try (NDManager m = NDManager.newBaseManager(); TemporaModel model = model(m.newSubManager(), "avgpool")) {
            assertThatThrownBy(() -> Explainer.explain(model, clip(), T, F, T, 0.01))
                    .isInstanceOf(InvalidInputException.class).hasMessageContaining("no DiffRes stage").hasMessageContaining("avgpool");
        }
    }
}
