package org.tempora.bench;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.tempora.model.mamba.SelectiveScan;

/**
 * JMH: the selective scan of one mixer direction ({@link SelectiveScan#scan}: softplus, recurrence, D skip, gate) on
 * DJL/libtorch, sequential vs chunked closed form, forward alone and forward + backward (autograd, every input a
 * leaf). Sizes per {@code @Param}; the defaults keep the chunked form's saved decays ({@code batch·channels·16·L·Q}
 * floats) under about 0.6 GB at L = 4096.
 *
 * <pre>
 *   ./tempora bench jmh ScanJmh -f 1 -wi 1 -i 3
 *   ./tempora bench jmh ScanJmh -p length=513 -p channels=384 -p scan=sequential,chunked:16   # one AuM-mini layer
 *   ./tempora bench jmh ScanJmh -jvmArgsAppend -Dai.djl.pytorch.num_threads=1                   # single thread
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Dai.djl.offline=true", "-Xss8m", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn"})
public class ScanJmh {
    /** Sequence length L. */
    @Param({"64", "256", "1024", "4096"})
    public int length;

    /** {@code sequential} or {@code chunked:Q}. */
    @Param({"sequential", "parallel", "chunked:16", "chunked:32"})
    public String scan;

    /** Batch B. */
    @Param({"1"})
    public int batch;

    /** Inner channels E (AuM-mini: 384, AuM-base: 1536). */
    @Param({"64"})
    public int channels;

    /** State size n (AuM: 16). */
    @Param({"16"})
    public int states;

    private NDManager manager;
    private SelectiveScan.Mode mode;
    private float[] u;
    private float[] deltaRaw;
    private float[] a;
    private float[] bc;
    private float[] d;
    private float[] bias;

    @Setup(Level.Trial)
    public void setup() {
        manager = org.tempora.nn.Devices.newManager();
        String[] s = scan.split(":");
        mode = SelectiveScan.Mode.parse(s[0], s.length > 1 ? Integer.parseInt(s[1]) : 1);
        SplittableRandom rng = new SplittableRandom(42);
        int bel = batch * channels * length;
        u = gaussian(rng, bel, 1f);
        deltaRaw = gaussian(rng, bel, 1f);
        bc = gaussian(rng, batch * states * length, 1f);
        d = gaussian(rng, channels, 1f);
        bias = new float[channels];
        a = new float[channels * states];
        for (int e = 0; e < channels; e++) {
            bias[e] = (float) Math.log(Math.expm1(0.01 + 0.09 * rng.nextDouble())); // Δ ≈ U(0.01, 0.1), as initialised
            for (int k = 0; k < states; k++) a[e * states + k] = -(k + 1); // S4D-real A
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        manager.close();
    }

    private static float[] gaussian(SplittableRandom rng, int n, float scale) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) (scale * rng.nextGaussian());
        return v;
    }

    /** The scan's arguments as fresh leaves in a per-invocation manager (so nothing accumulates across calls). */
    private NDArray[] inputs(NDManager m, boolean grad) {
        NDArray[] in = {
            m.create(u, new Shape(batch, channels, length)),
            m.create(deltaRaw, new Shape(batch, channels, length)),
            m.create(a, new Shape(channels, states)),
            m.create(bc, new Shape(batch, states, length)),
            m.create(bc, new Shape(batch, states, length)),
            m.create(d, new Shape(channels)),
            m.create(deltaRaw, new Shape(batch, channels, length)),
            m.create(bias, new Shape(channels))};
        if (grad) for (NDArray x : in) x.setRequiresGradient(true);
        return in;
    }

    @Benchmark
    public float forward() {
        try (NDManager m = manager.newSubManager()) {
            NDArray[] x = inputs(m, false);
            return SelectiveScan.scan(x[0], x[1], x[2], x[3], x[4], x[5], x[6], x[7], mode).sum().getFloat();
        }
    }

    @Benchmark
    public float forwardBackward() {
        try (NDManager m = manager.newSubManager()) {
            NDArray[] x = inputs(m, true);
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray loss = SelectiveScan.scan(x[0], x[1], x[2], x[3], x[4], x[5], x[6], x[7], mode).sum();
                gc.backward(loss);
                return x[1].getGradient().sum().getFloat();
            }
        }
    }
}
