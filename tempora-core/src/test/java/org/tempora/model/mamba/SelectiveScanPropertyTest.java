package org.tempora.model.mamba;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/**
 * The three scan algorithms agree with each other and with an independent plain-Java float64 loop, in value and (through
 * DJL autograd) in every gradient, on random inputs: short and long sequences, chunk sizes that do and do not divide L,
 * weak and very strong decays. Strong decays also check numerical stability: nothing overflows in the chunked form
 * even where the cumulative log-decay of a chunk is far below −88 (the float32 exp range), which would break the
 * factorised form exp(S_l)·exp(−S_j).
 */
class SelectiveScanPropertyTest {

    /** Random scan arguments; {@code decay} scales Δ_raw and A_log (0 weak … 2 very strong). */
    record Args(int b, int e, int n, int len, double[] u, double[] deltaRaw, double[] a, double[] bm, double[] cm,
                double[] d, double[] z, double[] bias, double[] r) {
        static Args random(long seed, int b, int e, int n, int len, int decay) {
            SplittableRandom rng = new SplittableRandom(seed);
            double[] aArr = new double[e * n];
            for (int i = 0; i < aArr.length; i++) {
                double aLog = decay == 0 ? -3 + rng.nextDouble() * 2 : decay == 1 ? rng.nextDouble() * 2.8 : 2 + rng.nextDouble() * 2;
                aArr[i] = -Math.exp(aLog);
            }
            double[] dRaw = fill(rng, b * e * len, 1.0);
            if (decay == 2) for (int i = 0; i < dRaw.length; i++) dRaw[i] = 10 + 50 * rng.nextDouble(); // Δ up to 60 → ΔA ≈ −3000
            return new Args(b, e, n, len, fill(rng, b * e * len, 1), dRaw, aArr, fill(rng, b * n * len, 1),
                    fill(rng, b * n * len, 1), fill(rng, e, 1), fill(rng, b * e * len, 1), fill(rng, e, 0.5),
                    fill(rng, b * e * len, 1));
        }

        static double[] fill(SplittableRandom rng, int size, double scale) {
            double[] v = new double[size];
            for (int i = 0; i < size; i++) v[i] = scale * org.tempora.nn.Init.gaussian(rng);
            return v;
        }
    }

    /** Result of one run: output and the gradients of sum(out·R) w.r.t. u, Δ_raw, A, B, C, D, z, Δ_bias (flattened). */
    record Run(double[] out, double[][] grads) {}

    static Run run(Args x, SelectiveScan.Mode mode, DataType type) {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray[] leaves = {
                create(m, x.u, type, x.b, x.e, x.len), create(m, x.deltaRaw, type, x.b, x.e, x.len),
                create(m, x.a, type, x.e, x.n), create(m, x.bm, type, x.b, x.n, x.len), create(m, x.cm, type, x.b, x.n, x.len),
                create(m, x.d, type, x.e), create(m, x.z, type, x.b, x.e, x.len), create(m, x.bias, type, x.e)};
            for (NDArray l : leaves) l.setRequiresGradient(true);
            NDArray r = create(m, x.r, type, x.b, x.e, x.len);
            NDArray out;
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                out = SelectiveScan.scan(leaves[0], leaves[1], leaves[2], leaves[3], leaves[4], leaves[5], leaves[6], leaves[7], mode);
                gc.backward(out.mul(r).sum());
            }
            double[][] g = new double[leaves.length][];
            for (int i = 0; i < leaves.length; i++) g[i] = toDouble(leaves[i].getGradient());
            return new Run(toDouble(out), g);
        }
    }

    static NDArray create(NDManager m, double[] v, DataType type, long... shape) {
        NDArray a = m.create(v, new Shape(shape));
        return type == DataType.FLOAT64 ? a : a.toType(type, false);
    }

    static double[] toDouble(NDArray a) {
        return a.toType(DataType.FLOAT64, false).toDoubleArray();
    }

    /** Independent oracle: the reference recurrence in plain Java, float64. */
    static double[] oracle(Args x) {
        double[] out = new double[x.b * x.e * x.len];
        for (int bi = 0; bi < x.b; bi++) {
            for (int ei = 0; ei < x.e; ei++) {
                double[] h = new double[x.n];
                for (int l = 0; l < x.len; l++) {
                    int i = (bi * x.e + ei) * x.len + l;
                    double pre = x.deltaRaw[i] + x.bias[ei];
                    double delta = pre > 20 ? pre : Math.log1p(Math.exp(pre));
                    double y = 0;
                    for (int k = 0; k < x.n; k++) {
                        int bk = (bi * x.n + k) * x.len + l;
                        h[k] = Math.exp(delta * x.a[ei * x.n + k]) * h[k] + delta * x.bm[bk] * x.u[i];
                        y += x.cm[bk] * h[k];
                    }
                    y += x.d[ei] * x.u[i];
                    double z = x.z[i];
                    out[i] = y * z / (1 + Math.exp(-z));
                }
            }
        }
        return out;
    }

    static double maxAbs(double[] v) {
        double m = 0;
        for (double x : v) m = Math.max(m, Math.abs(x));
        return m;
    }

    static double maxDiff(double[] a, double[] b) {
        assertThat(a).hasSameSizeAs(b);
        double m = 0;
        for (int i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
        return m;
    }

    static void assertAllFinite(String what, double[] v) {
        for (double x : v) assertThat(Double.isFinite(x)).as(what + " finite").isTrue();
    }

    static final String[] GRAD_NAMES = {"u", "delta_raw", "A", "B", "C", "D", "z", "delta_bias"};

    /** Chunked vs sequential vs the oracle in float64, values and gradients (spec §6 item 5: 1e-6, float64). */
    @Property(tries = 100)
    void chunkedEqualsSequentialFloat64(@ForAll @IntRange(min = 1, max = 2) int b, @ForAll @IntRange(min = 1, max = 5) int e,
                                        @ForAll @IntRange(min = 1, max = 4) int n, @ForAll @IntRange(min = 1, max = 200) int len,
                                        @ForAll @IntRange(min = 1, max = 40) int chunk, @ForAll @IntRange(min = 0, max = 2) int decay,
                                        @ForAll long seed) {
        Args x = Args.random(seed, b, e, n, len, decay);
        Run seq = run(x, SelectiveScan.Mode.sequential(), DataType.FLOAT64);
        Run chk = run(x, SelectiveScan.Mode.chunked(chunk), DataType.FLOAT64);
        Run par = run(x, SelectiveScan.Mode.parallel(), DataType.FLOAT64);
        double[] ref = oracle(x);
        double scale = 1 + maxAbs(ref);
        assertThat(maxDiff(seq.out(), ref)).as("sequential vs oracle").isLessThanOrEqualTo(1e-9 * scale);
        assertThat(maxDiff(chk.out(), ref)).as("chunked vs oracle").isLessThanOrEqualTo(1e-9 * scale);
        assertThat(maxDiff(par.out(), ref)).as("parallel vs oracle").isLessThanOrEqualTo(1e-9 * scale);
        for (int i = 0; i < GRAD_NAMES.length; i++) {
            assertAllFinite("grad " + GRAD_NAMES[i], chk.grads()[i]);
            assertAllFinite("parallel grad " + GRAD_NAMES[i], par.grads()[i]);
            double gs = 1 + maxAbs(seq.grads()[i]);
            assertThat(maxDiff(chk.grads()[i], seq.grads()[i])).as("grad " + GRAD_NAMES[i]).isLessThanOrEqualTo(1e-9 * gs);
            assertThat(maxDiff(par.grads()[i], seq.grads()[i])).as("parallel grad " + GRAD_NAMES[i]).isLessThanOrEqualTo(1e-9 * gs);
        }
    }

    /** Long sequences in float32 (as training runs): chunked vs sequential within float32 rounding, all finite. */
    @Property(tries = 8)
    void longSequencesFloat32(@ForAll @IntRange(min = 600, max = 1100) int len, @ForAll @IntRange(min = 8, max = 64) int chunk,
                              @ForAll @IntRange(min = 0, max = 2) int decay, @ForAll long seed) {
        Args x = Args.random(seed, 1, 3, 4, len, decay);
        Run seq = run(x, SelectiveScan.Mode.sequential(), DataType.FLOAT32);
        Run chk = run(x, SelectiveScan.Mode.chunked(chunk), DataType.FLOAT32);
        Run par = run(x, SelectiveScan.Mode.parallel(), DataType.FLOAT32);
        double[] ref = oracle(x);
        assertAllFinite("chunked out", chk.out());
        assertThat(maxDiff(par.out(), ref)).as("parallel vs float64 oracle").isLessThanOrEqualTo(1e-4 * (1 + maxAbs(ref)));
        assertThat(maxDiff(chk.out(), ref)).as("chunked vs float64 oracle").isLessThanOrEqualTo(1e-4 * (1 + maxAbs(ref)));
        assertThat(maxDiff(seq.out(), ref)).as("sequential vs float64 oracle").isLessThanOrEqualTo(1e-4 * (1 + maxAbs(ref)));
        for (int i = 0; i < GRAD_NAMES.length; i++) {
            assertAllFinite("grad " + GRAD_NAMES[i], chk.grads()[i]);
            double gs = maxAbs(seq.grads()[i]);
            assertThat(maxDiff(chk.grads()[i], seq.grads()[i])).as("grad " + GRAD_NAMES[i]).isLessThanOrEqualTo(1e-4 * gs + 1e-5);
            assertAllFinite("parallel grad " + GRAD_NAMES[i], par.grads()[i]);
            assertThat(maxDiff(par.grads()[i], seq.grads()[i])).as("parallel grad " + GRAD_NAMES[i]).isLessThanOrEqualTo(1e-4 * gs + 1e-5);
        }
    }

    /**
     * A chunk whose cumulative log-decay reaches about −10⁵: the factorised closed form would need exp(+10⁵) (inf in
     * any precision); the masked form stays finite and equals the recurrence, which here is h_l ≈ Δ_l B_l x_l.
     */
    @Test
    void strongDecayDoesNotOverflow() {
        Args x = Args.random(7, 2, 4, 3, 64, 2);
        double minLogDecay = 0;
        for (int l = 0; l < x.len; l++) minLogDecay += (x.deltaRaw[l] + x.bias[0]) * x.a[0];
        assertThat(minLogDecay).as("cumulative log-decay over the chunk").isLessThan(-1e4);
        Run chk = run(x, SelectiveScan.Mode.chunked(64), DataType.FLOAT32);
        Run seq = run(x, SelectiveScan.Mode.sequential(), DataType.FLOAT32);
        Run par = run(x, SelectiveScan.Mode.parallel(), DataType.FLOAT32);
        double[] ref = oracle(x);
        assertAllFinite("out", chk.out());
        assertAllFinite("parallel out", par.out());
        assertThat(maxDiff(par.out(), ref)).isLessThanOrEqualTo(1e-4 * (1 + maxAbs(ref)));
        assertThat(maxDiff(chk.out(), ref)).isLessThanOrEqualTo(1e-4 * (1 + maxAbs(ref)));
        for (int i = 0; i < GRAD_NAMES.length; i++) {
            assertAllFinite("grad " + GRAD_NAMES[i], chk.grads()[i]);
            assertThat(maxDiff(chk.grads()[i], seq.grads()[i])).as("grad " + GRAD_NAMES[i])
                    .isLessThanOrEqualTo(1e-4 * maxAbs(seq.grads()[i]) + 1e-5);
        }
    }

    /**
     * Gradients of both algorithms against central differences of the plain-Java oracle (an autograd-independent
     * check), including L = 1 and a partial last chunk.
     */
    @Test
    void gradientsMatchFiniteDifferences() {
        for (int len : new int[] {1, 4, 7, 13}) {
            Args x = Args.random(100 + len, 1, 2, 2, len, 1);
            double[][] inputs = {x.u, x.deltaRaw, x.a, x.bm, x.cm, x.d, x.z, x.bias};
            for (SelectiveScan.Mode mode : new SelectiveScan.Mode[] {SelectiveScan.Mode.sequential(), SelectiveScan.Mode.chunked(3),
                    SelectiveScan.Mode.parallel()}) {
                Run r = run(x, mode, DataType.FLOAT64);
                for (int g = 0; g < inputs.length; g++) {
                    for (int i = 0; i < inputs[g].length; i++) {
                        double keep = inputs[g][i];
                        double h = 1e-6 * Math.max(1, Math.abs(keep));
                        inputs[g][i] = keep + h;
                        double up = loss(x);
                        inputs[g][i] = keep - h;
                        double down = loss(x);
                        inputs[g][i] = keep;
                        assertThat(r.grads()[g][i]).as("L=%d %s grad %s[%d]", len, mode, GRAD_NAMES[g], i)
                                .isCloseTo((up - down) / (2 * h), org.assertj.core.data.Offset.offset(1e-6 * (1 + Math.abs(r.grads()[g][i]))));
                    }
                }
            }
        }
    }

    static double loss(Args x) {
        double[] out = oracle(x);
        double s = 0;
        for (int i = 0; i < out.length; i++) s += out[i] * x.r[i];
        return s;
    }

    /** The chunk size only changes how the work is split, never the result (L = 1, Q ≥ L, Q = 1). */
    @Test
    void degenerateChunkSizes() {
        Args x = Args.random(3, 1, 2, 2, 9, 1);
        double[] ref = oracle(x);
        for (int q : new int[] {1, 2, 9, 10, 100}) {
            Run r = run(x, SelectiveScan.Mode.chunked(q), DataType.FLOAT64);
            assertThat(maxDiff(r.out(), ref)).as("Q = " + q).isLessThanOrEqualTo(1e-12 * (1 + maxAbs(ref)));
        }
        Args one = Args.random(4, 2, 3, 2, 1, 1);
        assertThat(maxDiff(run(one, SelectiveScan.Mode.chunked(16), DataType.FLOAT64).out(), oracle(one))).isLessThan(1e-12);
    }
}
