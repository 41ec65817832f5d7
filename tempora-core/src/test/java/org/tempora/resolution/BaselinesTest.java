package org.tempora.resolution;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.tempora.ConfigException;
import org.tempora.config.ConfigLoader;
import org.tempora.config.ExperimentConfig;
import org.tempora.config.ResolutionSpec;

/** The fixed-resolution baselines against direct re-computations, and the stage factory. */
class BaselinesTest {

    static float[] random(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) (r.nextDouble() * 10 - 8);
        return x;
    }

    @Test
    void adaptiveWindowsArePyTorchs() {
        // AdaptiveAvgPool1d(3) over 5 frames: [0,2), [1,4), [3,5)
        assertThat(AdaptivePooling.window(0, 5, 3)).containsExactly(0, 2);
        assertThat(AdaptivePooling.window(1, 5, 3)).containsExactly(1, 4);
        assertThat(AdaptivePooling.window(2, 5, 3)).containsExactly(3, 5);
        assertThat(AdaptivePooling.window(3, 128, 64)).containsExactly(6, 8);
    }

    @ParameterizedTest
    @CsvSource({"128, 0.5", "100, 0.25", "37, 0.6", "10, 0.0"})
    void poolingMatchesDirectWindows(int frames, double delta) {
        int bins = 5;
        int b = 2;
        float[] x = random(b * frames * bins, frames);
        int t = ResolutionStages.outputFrames(frames, delta);
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray in = m.create(x, new Shape(b, frames, bins));
            float[] avg = new AdaptivePooling(AdaptivePooling.Mode.AVG, frames, bins, delta).forward(in, true).features().toFloatArray();
            float[] max = new AdaptivePooling(AdaptivePooling.Mode.MAX, frames, bins, delta).forward(in, true).features().toFloatArray();
            NDArray am = new AdaptivePooling(AdaptivePooling.Mode.AVGMAX, frames, bins, delta).forward(in, true).features();
            assertThat(am.getShape()).isEqualTo(new Shape(b, 1, t, bins));
            float[] both = am.toFloatArray();
            float[] energy = new AdaptivePooling(AdaptivePooling.Mode.ENERGY, frames, bins, delta).forward(in, true).features().toFloatArray();
            for (int s = 0; s < b; s++) {
                for (int i = 0; i < t; i++) {
                    int[] w = AdaptivePooling.window(i, frames, t);
                    for (int f = 0; f < bins; f++) {
                        double sum = 0;
                        double mx = Double.NEGATIVE_INFINITY;
                        double power = 0;
                        for (int j = w[0]; j < w[1]; j++) {
                            power += Math.exp(x[(s * frames + j) * bins + f]);
                            sum += x[(s * frames + j) * bins + f];
                            mx = Math.max(mx, x[(s * frames + j) * bins + f]);
                        }
                        int o = (s * t + i) * bins + f;
                        assertThat((double) avg[o]).isCloseTo(sum / (w[1] - w[0]), within(1e-5));
                        assertThat((double) max[o]).isEqualTo((double) (float) mx);
                        assertThat((double) both[o]).isCloseTo(sum / (w[1] - w[0]) + mx, within(2e-5));
                        // the power-domain mean lies between the log-domain mean and the max
                        double lme = Math.log(power / (w[1] - w[0]) + 1e-12);
                        assertThat((double) energy[o]).isCloseTo(lme, within(1e-5)).isBetween(sum / (w[1] - w[0]) - 1e-5, mx + 1e-5);
                    }
                }
            }
        }
    }

    /**
     * DiffRes's avg channel with every score at the uniform rate t/T (T a multiple of t) is {@code energypool}: the
     * fixed baseline that keeps DiffRes's averaging domain and drops its learned resampling.
     */
    @ParameterizedTest
    @CsvSource({"40, 0.5", "96, 0.5", "96, 0.75", "60, 0.75"})
    void energyPoolingIsDiffResAverageAtUniformScores(int frames, double delta) {
        assertPoolingIsDiffResAtUniformScores(AdaptivePooling.Mode.ENERGY, frames, delta, 17 + frames,
                (w, in) -> DiffResOps.averageChannel(w, in.exp()));
    }

    /** DiffRes's logavg channel at the uniform rate t/T (T a multiple of t) is plain average pooling. */
    @ParameterizedTest
    @CsvSource({"40, 0.5", "96, 0.5", "96, 0.75", "60, 0.75"})
    void averagePoolingIsDiffResLogAverageAtUniformScores(int frames, double delta) {
        assertPoolingIsDiffResAtUniformScores(AdaptivePooling.Mode.AVG, frames, delta, 19 + frames, DiffResOps::logAverageChannel);
    }

    /** Pooling in {@code mode} equals {@code channel} of the warp that every score at t/T builds, to 1e-5. */
    private static void assertPoolingIsDiffResAtUniformScores(AdaptivePooling.Mode mode, int frames, double delta, long seed,
                                                             BiFunction<DiffResOps.Warp, NDArray, NDArray> channel) {
        int bins = 6;
        int b = 2;
        int t = ResolutionStages.outputFrames(frames, delta);
        assertThat(frames % t).isZero();
        float[] x = random(b * frames * bins, seed);
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray in = m.create(x, new Shape(b, frames, bins));
            float[] pooled = new AdaptivePooling(mode, frames, bins, delta).forward(in, true).features().toFloatArray();
            NDArray score = m.full(new Shape(b, frames), t / (float) frames);
            float[] diffres = channel.apply(DiffResOps.warp(score, t), in).toFloatArray();
            assertThat(pooled).hasSameSizeAs(diffres);
            for (int i = 0; i < pooled.length; i++) {
                assertThat((double) pooled[i]).as("value %d", i).isCloseTo(diffres[i], within(1e-5));
            }
        }
    }

    @Test
    void uniformIndicesAreIntLinspace() {
        // int(numpy.linspace(0, T-1, t)), computed in double by numpy
        assertThat(UniformSampling.indices(128, 64)).startsWith(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22).endsWith(122, 124, 127);
        assertThat(UniformSampling.indices(100, 75)).startsWith(0, 1, 2, 4, 5, 6, 8, 9, 10, 12, 13, 14).endsWith(96, 97, 99);
        assertThat(UniformSampling.indices(10, 4)).containsExactly(0, 3, 6, 9);
        assertThat(UniformSampling.indices(10, 1)).containsExactly(0);
        try (NDManager m = NDManager.newBaseManager()) {
            float[] x = random(20 * 3, 1);
            float[] y = new UniformSampling(20, 0.5).forward(m.create(x, new Shape(1, 20, 3)), false).features().toFloatArray();
            long[] idx = UniformSampling.indices(20, 10);
            for (int i = 0; i < 10; i++) {
                for (int f = 0; f < 3; f++) assertThat(y[i * 3 + f]).isEqualTo(x[(int) idx[i] * 3 + f]);
            }
        }
    }

    /** Independent SimPF: naive 2-D DHT (ortho), crop of the time rows, DHT again; times the √(t/T) gain. */
    static double[][] simpf(double[][] x, int h) {
        int frames = x.length;
        int w = x[0].length;
        double[][] d = dht2(x);
        int ch = (h + 1) / 2;
        int hc = h % 2 == 1 ? ch - 1 : ch;
        double[][] crop = new double[h][];
        for (int i = 0; i < ch; i++) crop[i] = d[i];
        for (int i = 0; i < hc; i++) crop[ch + i] = d[frames - hc + i];
        double[][] y = dht2(crop);
        double g = Math.sqrt((double) h / frames);
        for (double[] row : y) for (int n = 0; n < w; n++) row[n] *= g;
        return y;
    }

    static double[][] dht2(double[][] x) {
        int a = x.length;
        int b = x[0].length;
        double[][] y = new double[a][b];
        for (int u = 0; u < a; u++) {
            for (int v = 0; v < b; v++) {
                double s = 0;
                for (int k = 0; k < a; k++) {
                    for (int l = 0; l < b; l++) {
                        double ph = 2 * Math.PI * ((double) u * k / a + (double) v * l / b);
                        s += x[k][l] * (Math.cos(ph) + Math.sin(ph));
                    }
                }
                y[u][v] = s / Math.sqrt((double) a * b);
            }
        }
        return y;
    }

    @ParameterizedTest
    @CsvSource({"10, 6, 0.5", "10, 6, 0.6", "12, 7, 0.5", "9, 5, 0.6", "16, 8, 0.0", "24, 16, 0.75"})
    void spectralPoolingEqualsTheDhtCrop(int frames, int bins, double delta) {
        int t = ResolutionStages.outputFrames(frames, delta);
        float[] x = random(frames * bins, 7);
        double[][] xd = new double[frames][bins];
        for (int k = 0; k < frames; k++) for (int n = 0; n < bins; n++) xd[k][n] = x[k * bins + n];
        double[][] want = simpf(xd, t);
        try (NDManager m = NDManager.newBaseManager()) {
            SpectralPooling sp = new SpectralPooling(m, frames, bins, delta);
            float[] y = sp.forward(m.create(x, new Shape(1, frames, bins)), false).features().toFloatArray();
            for (int i = 0; i < t; i++) {
                for (int n = 0; n < bins; n++) assertThat((double) y[i * bins + n]).as("y[%d,%d]", i, n).isCloseTo(want[i][n], within(2e-5));
            }
            if (delta == 0.0) for (int i = 0; i < x.length; i++) assertThat(y[i]).isCloseTo(x[i], within(2e-5f)); // full crop = identity
        }
    }

    @Test
    void spectralPoolingKeepsAConstantAndIsDifferentiable() {
        try (NDManager m = NDManager.newBaseManager()) {
            SpectralPooling sp = new SpectralPooling(m, 128, 8, 0.5);
            NDArray x = m.full(new Shape(2, 128, 8), -4.5f);
            x.setRequiresGradient(true);
            NDArray y;
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                y = sp.forward(x, true).features();
                gc.backward(y.sum());
            }
            for (float v : y.toFloatArray()) assertThat(v).isCloseTo(-4.5f, within(1e-4f));
            // gradient of the sum = Aᵀ·1 (+ mirror): the transpose map, finite and not all zero
            float[] g = x.getGradient().toFloatArray();
            for (float v : g) assertThat(Float.isFinite(v)).isTrue();
            assertThat(g[0]).isNotZero();
        }
    }

    @Test
    void fshiftPlanDoublesTheHopAtHalfTheFrames() {
        FshiftPlan p = FshiftPlan.of(10, 128, 0.5);
        assertThat(p.frameShiftMs()).isEqualTo(20.0);
        assertThat(p.targetFrames()).isEqualTo(64);
        assertThat(p.shiftSamples(16000)).isEqualTo(320);
        FshiftPlan q = FshiftPlan.of(10, 128, 0.25);
        assertThat(q.targetFrames()).isEqualTo(96);
        assertThat(q.shiftSamples(16000)).isEqualTo(213);
        ExperimentConfig cfg = ConfigLoader.load(null, null, List.of("resolution.kind=fshift", "resolution.reduction=0.75"));
        ExperimentConfig c = FshiftPlan.applyTo(cfg);
        assertThat(c.features().frameShiftMs()).isEqualTo(40.0);
        assertThat(c.features().targetFrames()).isEqualTo(32);
        assertThat(cfg.features().targetFrames()).as("original untouched").isEqualTo(128);
        assertThatThrownBy(() -> FshiftPlan.of(10, 128, 1.0)).isInstanceOf(ConfigException.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"diffres", "avgpool", "maxpool", "avgmax", "energypool", "uniform", "spectral", "fshift"})
    void factoryBuildsEveryKind(String kind) {
        ExperimentConfig cfg = ConfigLoader.load(null, null, List.of("resolution.kind=" + kind, "resolution.reduction=0.5"));
        try (NDManager m = NDManager.newBaseManager()) {
            ResolutionStage st = ResolutionStages.build(cfg, 40, 16, m, 3);
            int t = kind.equals("fshift") ? 40 : 20;
            int c = kind.equals("diffres") ? 3 : 1;
            assertThat(st.outputFrames()).isEqualTo(t);
            assertThat(st.outputChannels()).isEqualTo(c);
            assertThat(st.logMelChannels()).hasSize(c);
            assertThat(st.describe()).startsWith(kind);
            ResolutionStage.Output o = st.forward(m.create(random(2 * 40 * 16, 3), new Shape(2, 40, 16)), true);
            assertThat(o.features().getShape()).isEqualTo(new Shape(2, c, t, 16));
            assertThat(o.auxLoss() == null).isEqualTo(!kind.equals("diffres"));
            // docs/diffres.md's counts at T = 40, F = 16, t = 20 (windows of 2 frames): avgpool (Σ windows + t)·F,
            // maxpool Σ windows·F, avgmax both + t·F, energypool one exp per frame + avgpool's count + one log per
            // output, spectral 2·t·T·F twice (even t: mirror term) + t·F, none for uniform and fshift (data movement)
            switch (kind) {
                case "uniform", "fshift" -> assertThat(st.flopsPerExample()).isZero();
                case "avgpool" -> assertThat(st.flopsPerExample()).isEqualTo((40 + 20) * 16);
                case "maxpool" -> assertThat(st.flopsPerExample()).isEqualTo(40 * 16);
                case "avgmax" -> assertThat(st.flopsPerExample()).isEqualTo((40 + 20) * 16 + 40 * 16 + 20 * 16);
                case "energypool" -> assertThat(st.flopsPerExample()).isEqualTo(40 * 16 + (40 + 20) * 16 + 20 * 16);
                case "spectral" -> assertThat(st.flopsPerExample()).isEqualTo(2 * (2 * 20 * 40 * 16) + 20 * 16);
                default -> {
                    // the estimator alone (channel plan 16 → 8 → 1, two k = 5 convolutions per block over T = 40
                    // frames) is 2·40·5·(16·8 + 8·8 + 8·1 + 1·1) FLOPs; the warp and pooling add less than that again
                    double estimator = 2.0 * 40 * 5 * (16 * 8 + 8 * 8 + 8 + 1);
                    assertThat(st.flopsPerExample()).isGreaterThan(estimator).isLessThan(2 * estimator);
                }
            }
        }
    }

    @Test
    void factoryRejectsBadValues() {
        try (NDManager m = NDManager.newBaseManager()) {
            ExperimentConfig cfg = ExperimentConfig.defaults();
            assertThat(ResolutionStages.build(cfg, 40, 16, m, 0)).isNull();
            // the loader refuses a kind nobody registered, and bad values, with the key path
            assertThatThrownBy(() -> ConfigLoader.load(null, null, List.of("resolution.kind=wavelet"))).isInstanceOf(ConfigException.class)
                    .hasMessageContaining("bad value for 'resolution.kind': 'wavelet'");
            assertThatThrownBy(() -> ConfigLoader.load(null, null, List.of("resolution.kind=avgpool", "resolution.reduction=1.0")))
                    .isInstanceOf(ConfigException.class).hasMessageContaining("'resolution.reduction'");
            assertThatThrownBy(() -> ConfigLoader.load(null, null, List.of("resolution.kind=diffres", "resolution.channels=[avg, median]")))
                    .isInstanceOf(ConfigException.class).hasMessageContaining("median");
            assertThatThrownBy(() -> ConfigLoader.load(null, null, List.of("resolution.kind=diffres", "resolution.channels=[avg, avg]")))
                    .isInstanceOf(ConfigException.class).hasMessageContaining("repeats");
            assertThatThrownBy(() -> ConfigLoader.load(null, null, List.of("resolution.kind=diffres", "resolution.maxpool=fuzzy")))
                    .isInstanceOf(ConfigException.class).hasMessageContaining("fuzzy");
            assertThatThrownBy(() -> ConfigLoader.load(null, null, List.of("resolution.kind=diffres", "resolution.estimator_bn_epochs=-2")))
                    .isInstanceOf(ConfigException.class).hasMessageContaining("bad value for 'resolution.estimator_bn_epochs': -2");
            ExperimentConfig frozen = ConfigLoader.load(null, null, List.of("resolution.kind=diffres", "resolution.estimator_bn_epochs=5"));
            assertThat(((ResolutionSpec.DiffRes) frozen.resolution()).estimatorBnEpochs()).isEqualTo(5);
            assertThat(ResolutionStages.build(frozen, 40, 16, m, 0)).isInstanceOfSatisfying(DiffRes.class, d -> {
                d.startEpoch(4);
                assertThat(d.estimatorBatchStatistics()).isTrue();
                d.startEpoch(5);
                assertThat(d.estimatorBatchStatistics()).isFalse();
            });
            assertThatThrownBy(() -> ConfigLoader.load(null, null, List.of("resolution.kind=avgpool", "resolution.channels=[avg]")))
                    .isInstanceOf(ConfigException.class).hasMessage("unknown config key 'resolution.channels' in override 'resolution.channels=[avg]' (not a key of kind avgpool)");
            // the stage builder still checks what needs the data (and records a caller built by hand)
            ExperimentConfig pool = cfg.withResolution(new ResolutionSpec.Pooling("avgpool", 0.99));
            assertThatThrownBy(() -> ResolutionStages.build(pool, 40, 16, m, 0)).isInstanceOf(ConfigException.class).hasMessageContaining("no frame");
            ExperimentConfig whole = cfg.withResolution(new ResolutionSpec.Pooling("avgpool", 1.0));
            assertThatThrownBy(() -> ResolutionStages.build(whole, 40, 16, m, 0)).isInstanceOf(ConfigException.class).hasMessageContaining("reduction");
            ExperimentConfig median = cfg.withResolution(new ResolutionSpec.DiffRes("diffres", 0.5, List.of("avg", "median"), false, "reference", -1));
            assertThatThrownBy(() -> ResolutionStages.build(median, 40, 16, m, 0)).isInstanceOf(ConfigException.class).hasMessageContaining("median");
        }
    }
}
