package org.tempora.train;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeSet;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.tempora.config.ConfigLoader;
import org.tempora.config.ExperimentConfig;
import org.tempora.data.Batch;
import org.tempora.data.BatchSource;
import org.tempora.io.Npy;
import org.tempora.io.Npz;
import org.tempora.model.ModelFactory;
import org.tempora.model.TemporaModel;
import org.tempora.nn.Parameter;

/**
 * Training-step parity with PyTorch (docs/engine.md, "Training-step parity with PyTorch"): from the same initial
 * weights and the same fixed batches (no augmentation, dropout, mixup or noise; constant learning rate), 20 AdamW
 * steps of tempora's own training step ({@link Trainer#step}: forward, cross-entropy plus DiffRes's guide loss,
 * backward, {@link AdamW} with decoupled weight decay and, for FFTP, global-norm clipping) give the same loss at every
 * step and the same parameters and BatchNorm buffers at the end as {@code torch.optim.AdamW} on PyTorch modules
 * that mirror tempora's (tools/parity/train_parity.py, which wrote {@code src/test/resources/parity}). This
 * checks every gradient of four models end to end: AST with square patches, AST with FFTP tokens, DiffRes + AST, and
 * Audio Mamba (bidirectional v2; run with each scan algorithm, all against the same reference).
 *
 * <p>The reference ran in float64 from float32 initial values, so it is the exact trajectory to ~1e-15 and every
 * deviation below is tempora's float32 arithmetic. Tolerances (about 10× to 40× the deviations measured on the
 * project machine, listed in docs/engine.md):
 * <ul>
 *   <li>loss, every step: {@code |Δ| ≤ 1e-5} (AST, AuM; measured ≤ 2.4e-7) and {@code ≤ 2e-5} (DiffRes; measured
 *       1.4e-6, its gradients being far more sensitive to rounding);</li>
 *   <li>every parameter and BatchNorm buffer after the last step: {@code max|Δ| ≤ 2e-5 + 0.005·max|p₂₀ − p₀|}, i.e.
 *       0.5 % of how far the reference moved that tensor (measured: at most 0.17 %);</li>
 *   <li>exception: the key rows of {@code attn.qkv.bias} have a mathematically zero gradient (softmax is invariant
 *       to a per-query constant), so in float32 their "gradient" is rounding noise that Adam turns into steps of up
 *       to lr; they are only checked to stay within {@code lr·steps/2} (measured: at most lr·steps/5);</li>
 *   <li>{@code num_batches_tracked} exactly, and tempora's weight-decay split equals the reference's.</li>
 * </ul>
 * A wrong gradient, a missing loss term, a wrong optimiser constant or a wrong BatchNorm update moves the tensors it
 * touches by a sizeable fraction of their movement: the ε placement of the fused Adam update that this test found
 * moved Audio Mamba's {@code A_log} by half of its movement and AST's {@code fc1.weight} by 3 %. Run with
 * {@code -Dtempora.parityReport=true} to print the deviations.
 *
 * <p>If a case matches bit for bit for some steps and then jumps away by 0.02–0.1 in loss, it is the sporadic wrong
 * training step on this machine described in docs/engine.md (same section, item 3): that step really was wrong.
 */
class TrainingParityTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final double LOSS_TOL = 1e-5;
    private static final double LOSS_TOL_DIFFRES = 2e-5;
    private static final double PARAM_ATOL = 2e-5;
    private static final double PARAM_RTOL = 0.005;

    @TempDir
    Path dir;

    private static Thread gcStorm;

    /**
     * {@code -Dtempora.gcStorm=true}: a background thread calls {@code System.gc()} every 2 ms while the cases run.
     * Before the fix of DJL's scalar ops ({@code Ops.mul}/{@code Ops.div}) this failed every case on an idle machine,
     * as the rare wrong steps under CPU load did (docs/engine.md, "What the test found", item 3); it now passes. Off
     * by default; the assertions are the same either way.
     */
    @org.junit.jupiter.api.BeforeAll
    static void startGcStorm() {
        if (!Boolean.getBoolean("tempora.gcStorm")) return;
        gcStorm = new Thread(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                System.gc();
                try {
                    Thread.sleep(2);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "gc-storm");
        gcStorm.setDaemon(true);
        gcStorm.start();
    }

    @org.junit.jupiter.api.AfterAll
    static void stopGcStorm() {
        if (gcStorm != null) gcStorm.interrupt();
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"ast-square,", "ast-fftp,", "diffres-ast,", "aum,sequential", "aum,parallel", "aum,chunked"})
    void twentyAdamWStepsMatchPyTorch(String name, String scan) {
        Path caseDir = resource("/parity/" + name);
        JsonNode c = json(caseDir.resolve("case.json"));
        List<String> sets = new ArrayList<>();
        c.get("sets").forEach(s -> sets.add(s.asText()));
        if (scan != null) sets.add("backbone.scan=" + scan);
        if (scan != null && scan.equals("chunked")) sets.add("backbone.scan_chunk=8");
        ExperimentConfig cfg = ConfigLoader.load(null, null, sets);
        JsonNode in = c.get("input");
        int frames = in.get("frames").asInt();
        int bins = in.get("bins").asInt();
        int classes = in.get("classes").asInt();
        int batchSize = in.get("batch").asInt();
        FixedBatches batches = new FixedBatches(Npz.read(caseDir.resolve(c.get("batches").get("file").asText()).normalize()),
                c.get("batches").get("decode"), frames, bins, classes);
        Map<String, Npy.Array> init = Npz.read(caseDir.resolve("init.npz"));
        Map<String, Npy.Array> ref = Npz.read(caseDir.resolve("final.npz"));
        double lr = c.get("optimizer").get("lr").asDouble();
        assertThat(cfg.train().lr()).isEqualTo(lr);
        assertThat(cfg.train().gradClip()).isEqualTo(c.get("optimizer").get("grad_clip").asDouble());

        try (NDManager m = Engine.getInstance().newBaseManager()) {
            TemporaModel model = ModelFactory.build(cfg,
                    new ModelFactory.Input(frames, bins, classes, in.get("norm_mean").asDouble(), in.get("norm_std").asDouble()), m);
            model.load(init, caseDir.resolve("init.npz").toString());
            assertDecaySplit(model, c);

            Trainer trainer = new Trainer(cfg, model, batches, batches, false, new RunFiles(dir), null);
            LrSchedule schedule = new LrSchedule(cfg.train().schedule(), cfg.train().lr(), 1, c.get("steps").asInt());
            model.train(true);
            JsonNode refLoss = c.get("loss");
            JsonNode order = c.get("batch_of_step");
            double lossTol = name.startsWith("diffres") ? LOSS_TOL_DIFFRES : LOSS_TOL;
            double[] lossDev = new double[order.size()];
            long t0 = System.nanoTime();
            for (int s = 0; s < order.size(); s++) {
                int b = order.get(s).asInt();
                int[] idx = new int[batchSize];
                for (int i = 0; i < batchSize; i++) idx[i] = b * batchSize + i;
                double loss = trainer.step(batches.batch(idx, false, null), schedule.lr(0, s), trainer.lossName(), new LinkedHashMap<>());
                lossDev[s] = loss - refLoss.get(s).asDouble();
            }
            double seconds = (System.nanoTime() - t0) / 1e9;

            Map<String, NDArray> state = model.stateDict();
            assertThat(new TreeSet<>(state.keySet())).isEqualTo(new TreeSet<>(ref.keySet()));
            List<Deviation> devs = new ArrayList<>();
            for (Map.Entry<String, NDArray> e : state.entrySet()) {
                Npy.Array want = ref.get(e.getKey());
                if (want.floats() == null) {
                    assertThat(e.getValue().toLongArray()).as(e.getKey()).containsExactly(want.i64());
                } else {
                    devs.add(Deviation.of(e.getKey(), e.getValue().toFloatArray(), want.f32(), init.get(e.getKey()).f32()));
                }
            }
            if (Boolean.getBoolean("tempora.parityReport")) report(name, scan, lossDev, lossTol, devs, seconds);

            for (int s = 0; s < lossDev.length; s++) {
                assertThat(Math.abs(lossDev[s])).as("%s: |loss - PyTorch| at step %d (PyTorch %.8f)", name, s,
                        refLoss.get(s).asDouble()).isLessThanOrEqualTo(lossTol);
            }
            for (Deviation d : devs) {
                assertThat(d.max).as("%s: max |tempora - PyTorch| of %s after %d steps (it moved %.3g)", name, d.key,
                        order.size(), d.moved).isLessThanOrEqualTo(d.tolerance());
                assertThat(d.maxKeyRows).as("%s: key rows of %s (zero gradient in exact arithmetic)", name, d.key)
                        .isLessThanOrEqualTo(0.5 * lr * order.size());
            }
        }
    }

    /**
     * How far one tensor ended from the reference: {@code max} over its elements (without the key rows of a
     * {@code qkv.bias}, kept apart in {@code maxKeyRows}), and how far the reference moved it from the start.
     */
    private record Deviation(String key, double max, double maxKeyRows, double moved) {
        static Deviation of(String key, float[] got, float[] want, float[] start) {
            boolean qkvBias = key.endsWith("attn.qkv.bias");
            double max = 0;
            double keyRows = 0;
            double moved = 0;
            for (int i = 0; i < want.length; i++) {
                double d = Math.abs((double) got[i] - want[i]);
                if (qkvBias && i >= want.length / 3 && i < 2 * want.length / 3) keyRows = Math.max(keyRows, d);
                else max = Math.max(max, d);
                moved = Math.max(moved, Math.abs((double) want[i] - start[i]));
            }
            return new Deviation(key, max, keyRows, moved);
        }

        double tolerance() {
            return PARAM_ATOL + PARAM_RTOL * moved;
        }
    }

    private static void report(String name, String scan, double[] lossDev, double lossTol, List<Deviation> devs, double seconds) {
        double worstLoss = 0;
        for (double d : lossDev) worstLoss = Math.max(worstLoss, Math.abs(d));
        Deviation worst = devs.stream().max(java.util.Comparator.comparingDouble(d -> d.max / d.tolerance())).orElseThrow();
        double worstAbs = devs.stream().mapToDouble(Deviation::max).max().orElse(0);
        double worstKeyRows = devs.stream().mapToDouble(Deviation::maxKeyRows).max().orElse(0);
        Deviation worstRel = devs.stream().filter(d -> d.moved > 0).max(java.util.Comparator.comparingDouble(d -> d.max / d.moved)).orElseThrow();
        System.out.printf(Locale.ROOT, "%s%s: %d steps in %.2f s; max |Δloss| %.2e (tol %.0e); max |Δparam| %.2e; "
                        + "closest to tolerance: %s (max|Δ| %.2e, moved %.2e, %.0f %% of tol); largest |Δ|/moved: %s %.2e; "
                        + "qkv key rows %.2e%n",
                name, scan == null ? "" : " (" + scan + " scan)", lossDev.length, seconds, worstLoss, lossTol, worstAbs,
                worst.key, worst.max, worst.moved, 100 * worst.max / worst.tolerance(), worstRel.key,
                worstRel.max / worstRel.moved, worstKeyRows);
        StringBuilder per = new StringBuilder("  Δloss per step:");
        for (double d : lossDev) per.append(String.format(Locale.ROOT, " %.1e", d));
        System.out.println(per);
    }

    /** The optimiser's weight-decay split (tempora's {@link Parameter#decay()}) is the one the reference used. */
    private static void assertDecaySplit(TemporaModel model, JsonNode c) {
        List<String> decay = new ArrayList<>();
        List<String> noDecay = new ArrayList<>();
        for (Map.Entry<String, Parameter> e : model.parameters().entrySet()) (e.getValue().decay() ? decay : noDecay).add(e.getKey());
        List<String> refDecay = new ArrayList<>();
        List<String> refNoDecay = new ArrayList<>();
        c.get("decay").forEach(n -> refDecay.add(n.asText()));
        c.get("no_decay").forEach(n -> refNoDecay.add(n.asText()));
        assertThat(new TreeSet<>(decay)).as("parameters with weight decay").isEqualTo(new TreeSet<>(refDecay));
        assertThat(new TreeSet<>(noDecay)).as("parameters without weight decay").isEqualTo(new TreeSet<>(refNoDecay));
    }

    /** The fixture's batches: int8 codes q (x = q·scale + offset, exact in float32) and labels, served as is. */
    private static final class FixedBatches implements BatchSource {
        private final float[][] x;
        private final int[] labels;
        private final int frames;
        private final int bins;
        private final int classes;

        FixedBatches(Map<String, Npy.Array> npz, JsonNode decode, int frames, int bins, int classes) {
            Npy.Array q = npz.get("q");
            long[] codes = q.i64();
            long[] y = npz.get("y").i64();
            float scale = (float) decode.get("scale").asDouble();
            float offset = (float) decode.get("offset").asDouble();
            int per = frames * bins;
            this.x = new float[y.length][per];
            this.labels = new int[y.length];
            for (int e = 0; e < y.length; e++) {
                labels[e] = (int) y[e];
                for (int i = 0; i < per; i++) x[e][i] = codes[e * per + i] * scale + offset;
            }
            this.frames = frames;
            this.bins = bins;
            this.classes = classes;
        }

        public int size() {
            return labels.length;
        }

        public int frames() {
            return frames;
        }

        public int bins() {
            return bins;
        }

        public int numClasses() {
            return classes;
        }

        public int[] labels(int i) {
            return new int[] {labels[i]};
        }

        public Batch batch(int[] idx, boolean augment, SplittableRandom rng) {
            int per = frames * bins;
            float[] xs = new float[idx.length * per];
            float[] ys = new float[idx.length * classes];
            for (int k = 0; k < idx.length; k++) {
                System.arraycopy(x[idx[k]], 0, xs, k * per, per);
                ys[k * classes + labels[idx[k]]] = 1f;
            }
            return new Batch(xs, idx.length, frames, bins, ys, classes, idx);
        }
    }

    private static Path resource(String name) {
        URL url = TrainingParityTest.class.getResource(name);
        if (url == null) throw new IllegalStateException("missing test resource " + name);
        try {
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static JsonNode json(Path file) {
        try {
            return JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
