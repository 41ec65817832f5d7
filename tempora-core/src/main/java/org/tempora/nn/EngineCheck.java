package org.tempora.nn;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.norm.LayerNorm;
import ai.djl.training.GradientCollector;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.function.DoubleUnaryOperator;
import java.util.function.Function;
import java.util.stream.IntStream;

/**
 * The engine numerics self-check: every native op tempora relies on, forward and backward, at the shapes tempora
 * uses, against a float64 reference computed in plain Java from the same (float32-rounded) inputs.
 *
 * <p>Each {@link Case} is an op on seeded random inputs. The forward output is compared elementwise with the
 * reference; the gradient of {@code L = Σ G ⊙ op(inputs)} (G random) with respect to every differentiable input is
 * compared elementwise with the reference gradient: an analytic adjoint for the convolutions (their inputs are
 * large), central finite differences of the float64 reference for every other op. Errors are relative to the largest
 * reference magnitude, so a wrong element, a NaN or an Inf anywhere fails the case.
 *
 * <p>{@link Level#QUICK} is the cheap subset run once per process before training or inference (well under a
 * second); {@link Level#FULL} is the sweep the test suite and {@code tempora doctor} run (conv1d over channel counts
 * 1–160 including odd ones, kernel sizes, dilation, depthwise and grouped; conv2d at every patch geometry; the norms,
 * matmuls, attention, activations and the gather/index/cumsum ops of DiffRes, SpecMask and pooling).
 */
public final class EngineCheck {
    private EngineCheck() {}

    /** How much to check. */
    public enum Level { QUICK, FULL }

    /** Forward and gradient tolerances (relative to the largest reference magnitude): float32 arithmetic, ~1e3-term sums. */
    public static final double FORWARD_TOL = 2e-4;
    public static final double GRADIENT_TOL = 2e-3;

    /** One checked op at one shape. */
    public record Result(String op, String shape, double forwardError, double gradientError, int worstInput) {
        public boolean passed() {
            return forwardError <= FORWARD_TOL && gradientError <= GRADIENT_TOL;
        }

        @Override
        public String toString() {
            return String.format("%-10s %-40s fwd %.1e  grad %.1e%s  %s", op, shape, forwardError, gradientError,
                    worstInput < 0 ? "    " : " (in" + worstInput + ")", passed() ? "ok" : "WRONG");
        }
    }

    /** A float64 tensor: values in row-major order and a shape. */
    public record T(double[] v, long[] shape) {
        static T random(SplittableRandom r, double scale, long... shape) {
            double[] v = new double[Math.toIntExact(Arrays.stream(shape).reduce(1, (a, b) -> a * b))];
            for (int i = 0; i < v.length; i++) v[i] = (float) (r.nextGaussian() * scale); // exactly representable in float32
            return new T(v, shape);
        }
    }

    /** The analytic adjoint of a case: reference gradients of {@code Σ G ⊙ op(inputs)} for every input. */
    interface Adjoint {
        double[][] grads(List<T> in, double[] g);
    }

    /**
     * One op on fixed inputs. {@code engine} runs the op on DJL arrays; {@code reference} computes it in float64;
     * {@code differentiable[i]} says whether input i gets a gradient check; {@code adjoint} (nullable) replaces
     * finite differences.
     */
    public record Case(String op, String shape, List<T> inputs, boolean[] differentiable,
                       Function<NDList, NDArray> engine, Function<List<T>, double[]> reference, Adjoint adjoint) {
        @Override
        public String toString() {
            return op + " " + shape;
        }
    }

    /** Runs every case of a level and returns one result per case (nothing is thrown for a wrong op). */
    public static List<Result> run(Level level) {
        return run(cases(level));
    }

    /** Runs the given cases and returns one result per case. */
    public static List<Result> run(List<Case> cases) {
        String simulated = simulatedWrongOp();
        List<Result> out = new ArrayList<>();
        try (NDManager m = Devices.newManager()) {
            for (Case c : cases) {
                Result x = check(c, m);
                if (c.op().equals(simulated)) x = new Result(x.op(), x.shape(), Double.POSITIVE_INFINITY, x.gradientError(), 0);
                out.add(x);
            }
        }
        return out;
    }

    /**
     * {@code -Dtempora.engineCheck=simulate-wrong:OP} reports every case of the op named OP (as {@code tempora doctor
     * --verbose} names it: {@code conv1d}, {@code native-conv2d}, …) as wrong, with an infinite forward error, after
     * running it. It exists for tests: what tempora does on a wrong engine (exit 4, one line, nothing trained) must be
     * tested on every CPU, including those where every op is right.
     */
    public static final String SIMULATE_PREFIX = "simulate-wrong:";

    private static String simulatedWrongOp() {
        String v = System.getProperty(CHECK_PROPERTY, "");
        return v.startsWith(SIMULATE_PREFIX) ? v.substring(SIMULATE_PREFIX.length()) : null;
    }

    private static volatile List<Result> processCheck;

    /**
     * {@code -Dtempora.engineCheck=off} skips the start-up gate. It exists only to time the broken native path
     * against the fix (BENCHMARKS.md); results computed with it on a CPU that fails the check are wrong.
     * {@code simulate-wrong:OP} is for tests ({@link #SIMULATE_PREFIX}).
     */
    public static final String CHECK_PROPERTY = "tempora.engineCheck";

    /**
     * The gate training and inference pass through: runs the {@link Level#QUICK} check once per process (about a
     * tenth of a second) and throws {@link EngineException} naming the first wrong op, so that nothing trains on
     * wrong gradients or serves wrong scores. Later calls return at once.
     */
    public static void requireHealthy() {
        if ("off".equals(System.getProperty(CHECK_PROPERTY))) return;
        List<Result> r = processCheck;
        if (r == null) {
            synchronized (EngineCheck.class) {
                if (processCheck == null) processCheck = run(Level.QUICK);
                r = processCheck;
            }
        }
        requirePassed(r);
    }

    /** Forgets the once-per-process result, so the next {@link #requireHealthy()} checks again (after changing
     *  {@code tempora.conv}, say). */
    public static synchronized void forgetCheck() {
        processCheck = null;
    }

    /** Throws {@link EngineException} naming the first failed result, if any. */
    public static void requirePassed(List<Result> results) {
        for (Result x : results) {
            if (!x.passed()) {
                throw new EngineException(String.format(Locale.ROOT,
                        "the numerical engine is wrong on this CPU: %s %s gives a %s error of %.2g (tolerance %.0e); "
                                + "nothing was trained or scored (run 'tempora doctor' for the full check)",
                        x.op(), x.shape().strip(), x.forwardError() > FORWARD_TOL ? "forward" : "gradient",
                        x.forwardError() > FORWARD_TOL ? x.forwardError() : x.gradientError(),
                        x.forwardError() > FORWARD_TOL ? FORWARD_TOL : GRADIENT_TOL));
            }
        }
    }

    /** The cases of a level, in a fixed order (the seed is fixed: every run checks the same numbers). */
    public static List<Case> cases(Level level) {
        return cases(level, false);
    }

    /**
     * Only the convolution cases, run through libtorch's own (oneDNN) convolution instead of tempora's: what
     * {@code tempora doctor} reports about the native path, which tempora does not use by default.
     */
    public static List<Case> nativeConvolutionCases(Level level) {
        return cases(level, true).stream().filter(c -> c.op().startsWith("native")).toList();
    }

    private static List<Case> cases(Level level, boolean nativeConv) {
        List<Case> cs = new ArrayList<>();
        SplittableRandom r = new SplittableRandom(20261205L);
        boolean full = level == Level.FULL;
        // ---- conv1d: DiffRes's estimator (F → F/2 … → 1, k 5, pad 2) and AuM's depthwise causal conv (k 4, pad 3)
        int[] channels = full ? new int[] {1, 2, 3, 5, 7, 8, 10, 16, 20, 24, 31, 32, 40, 48, 63, 64, 80, 127, 128, 160}
                : new int[] {8, 20, 40, 128};
        for (int c : channels) {
            int[] outs = full ? IntStream.of(1, Math.max(1, c / 2), c).distinct().toArray() : new int[] {c};
            for (int o : outs) cs.add(conv1d(nativeConv, r, 2, c, o, full ? 80 + (c % 41) : 100, 5, 2, 1, 1, 1));
        }
        if (full) {
            cs.add(conv1d(nativeConv, r, 2, 10, 10, 120, 3, 1, 1, 1, 1));
            cs.add(conv1d(nativeConv, r, 2, 16, 12, 97, 7, 3, 1, 1, 1));
            cs.add(conv1d(nativeConv, r, 2, 20, 8, 101, 5, 4, 2, 1, 1));     // dilation 2
            cs.add(conv1d(nativeConv, r, 2, 24, 8, 101, 5, 2, 1, 2, 1));     // stride 2
            cs.add(conv1d(nativeConv, r, 2, 12, 6, 64, 3, 1, 1, 1, 3));      // grouped
            cs.add(conv1d(nativeConv, r, 3, 1, 1, 1024, 5, 2, 1, 1, 1));     // 1 ms hop, last block
            for (int e : new int[] {8, 64, 128, 256, 257}) cs.add(conv1d(nativeConv, r, 2, e, e, 65, 4, 3, 1, 1, e)); // depthwise
        } else {
            cs.add(conv1d(nativeConv, r, 2, 64, 64, 65, 4, 3, 1, 1, 64));
        }
        // ---- conv2d: the patch embeddings (square 16×16 stride 10/16, FFTP F × w stride s, 1–3 channels)
        int[][] geo = full ? new int[][] {
            {1, 128, 100, 16, 16, 10, 10}, {1, 128, 128, 16, 16, 16, 16}, {2, 64, 64, 16, 16, 10, 10},
            {1, 128, 128, 128, 8, 128, 4}, {3, 128, 128, 128, 8, 128, 4}, {1, 128, 400, 128, 8, 128, 4},
            {1, 128, 128, 128, 16, 128, 8}, {2, 64, 96, 64, 4, 64, 2}, {1, 32, 40, 8, 8, 4, 6}, {1, 128, 1024, 16, 16, 16, 16},
            {1, 128, 100, 16, 16, 16, 16}, {2, 64, 98, 64, 4, 64, 4}, {1, 40, 30, 8, 6, 8, 6}}
            : new int[][] {{1, 64, 64, 16, 16, 10, 10}, {3, 64, 64, 64, 8, 64, 4}};
        for (int[] g : geo) cs.add(conv2d(nativeConv, r, 2, g[0], g[1], g[2], 24, g[3], g[4], g[5], g[6]));
        // ---- dense layers, attention, norms, activations, reductions and the index ops
        cs.add(linear(r, 3, 7, 24, 16));
        cs.add(matmulBatched(r, 2, 2, 9, 8));
        cs.add(attention(r, 2, 2, 7, 8));
        cs.add(layerNorm(r, 3, 5, 24));
        cs.add(batchNorm(r, 4, 6, 9, true));
        cs.add(batchNorm(r, 4, 6, 9, false));
        cs.add(rmsLike(r, 3, 5, 16));
        if (full) {
            cs.add(unary(r, "gelu", Ops::gelu, x -> 0.5 * x * (1 + erf(x / Math.sqrt(2)))));
            cs.add(unary(r, "sigmoid", Activation::sigmoid, x -> 1 / (1 + Math.exp(-x))));
            cs.add(unary(r, "relu", Activation::relu, x -> Math.max(0, x)));
            cs.add(unary(r, "softplus", Activation::softPlus, x -> Math.log1p(Math.exp(-Math.abs(x))) + Math.max(x, 0)));
            cs.add(unary(r, "exp", NDArray::exp, Math::exp));
            cs.add(unaryPositive(r, "log", NDArray::log, Math::log));
            cs.add(unaryPositive(r, "sqrt", NDArray::sqrt, Math::sqrt));
            cs.add(unary(r, "square", NDArray::square, x -> x * x));
            cs.add(unary(r, "clip", a -> a.clip(-0.5f, 0.5f), x -> Math.max(-0.5, Math.min(0.5, x))));
            cs.add(logSoftmax(r, 4, 11));
            cs.add(cumSum(r, 3, 50));
            cs.add(poolMax(r, 2, 12, 3, 5));
            cs.add(poolMean(r, 2, 12, 3, 5));
            cs.add(gather(r, 2, 20, 6, 7));
            cs.add(indexSelect(r, 2, 16, 5));
            cs.add(flipPad(r, 2, 3, 10));
        }
        return cs;
    }

    // ------------------------------------------------------------------------------------------- the check

    /** Runs one case in a child manager and measures its forward and gradient errors. */
    public static Result check(Case c, NDManager parent) {
        return check(c, parent, 0);
    }

    /**
     * {@link #check} with every input placed {@code offset} floats past a 64-byte boundary (a view into a larger
     * libtorch allocation), as arrays DJL makes from Java buffers can be: kernels must not depend on alignment.
     */
    public static Result check(Case c, NDManager parent, int offset) {
        try (NDManager m = parent.newSubManager()) {
            double[] ref = c.reference().apply(c.inputs());
            SplittableRandom r = new SplittableRandom(ref.length * 31L + c.op().hashCode());
            double[] g = new double[ref.length];
            for (int i = 0; i < g.length; i++) g[i] = (float) r.nextGaussian();
            NDList xs = new NDList();
            for (int i = 0; i < c.inputs().size(); i++) {
                T t = c.inputs().get(i);
                NDArray a = m.create(toFloat(t.v()), new Shape(t.shape()));
                if (offset > 0) {
                    NDArray big = m.zeros(new Shape(t.v().length + offset)).add(0f); // libtorch's own 64-byte-aligned buffer
                    big.set(new NDIndex("{}:", offset), a.reshape(-1));
                    a = big.get(new NDIndex("{}:", offset)).reshape(new Shape(t.shape()));
                }
                if (c.differentiable()[i]) a.setRequiresGradient(true);
                xs.add(a);
            }
            float[] y;
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray out = c.engine().apply(xs);
                if (out.size() != ref.length) {
                    throw new IllegalStateException(c.op() + " " + c.shape() + ": engine gave " + out.getShape()
                            + ", the reference " + ref.length + " values");
                }
                y = out.toFloatArray();
                NDArray loss = out.reshape(-1).mul(m.create(toFloat(g))).sum();
                if (anyTrue(c.differentiable())) gc.backward(loss);
            }
            double fwd = relError(y, ref);
            double grad = 0;
            int worst = -1;
            double[][] refGrads = c.adjoint() != null ? c.adjoint().grads(c.inputs(), g) : null;
            for (int i = 0; i < c.inputs().size(); i++) {
                if (!c.differentiable()[i]) continue;
                float[] got = xs.get(i).getGradient().toFloatArray();
                double[] want = refGrads != null ? refGrads[i] : finiteDifference(c, i, g);
                double e = relError(got, want);
                if (worst < 0 || e > grad) {
                    grad = e;
                    worst = i;
                }
            }
            return new Result(c.op(), c.shape(), fwd, grad, worst);
        }
    }

    private static boolean anyTrue(boolean[] b) {
        for (boolean x : b) if (x) return true;
        return false;
    }

    /** Max |got − want| over max |want|; NaN or Inf anywhere gives +∞. */
    static double relError(float[] got, double[] want) {
        double scale = 1e-12;
        for (double w : want) scale = Math.max(scale, Math.abs(w));
        double err = 0;
        for (int i = 0; i < got.length; i++) {
            double d = Math.abs(got[i] - want[i]);
            if (!Double.isFinite(got[i])) return Double.POSITIVE_INFINITY;
            err = Math.max(err, d);
        }
        return err / scale;
    }

    /** Central differences of {@code Σ G ⊙ reference} in float64, one input element at a time. */
    private static double[] finiteDifference(Case c, int which, double[] g) {
        List<T> in = new ArrayList<>();
        for (T t : c.inputs()) in.add(new T(t.v().clone(), t.shape()));
        double[] x = in.get(which).v();
        double[] out = new double[x.length];
        for (int j = 0; j < x.length; j++) {
            double h = 1e-6 * Math.max(1, Math.abs(x[j]));
            double keep = x[j];
            x[j] = keep + h;
            double plus = dot(g, c.reference().apply(in));
            x[j] = keep - h;
            double minus = dot(g, c.reference().apply(in));
            x[j] = keep;
            out[j] = (plus - minus) / (2 * h);
        }
        return out;
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) s += a[i] * b[i];
        return s;
    }

    private static float[] toFloat(double[] v) {
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) f[i] = (float) v[i];
        return f;
    }

    private static boolean[] diff(boolean... b) {
        return b;
    }

    // ------------------------------------------------------------------------------------------- convolutions

    /** conv1d x [B, C, L] ⊛ w [O, C/g, K] + b, PyTorch semantics, with its analytic adjoint. */
    static Case conv1d(boolean nativeConv, SplittableRandom r, int bsz, int c, int o, int len, int k, int pad, int dil, int stride, int groups) {
        T x = T.random(r, 1.0, bsz, c, len);
        T w = T.random(r, 1.0 / Math.sqrt((double) c / groups * k), o, c / groups, k);
        T b = T.random(r, 0.1, o);
        int lout = (len + 2 * pad - dil * (k - 1) - 1) / stride + 1;
        int cg = c / groups;
        int og = o / groups;
        Function<List<T>, double[]> ref = in -> {
            double[] xv = in.get(0).v(), wv = in.get(1).v(), bv = in.get(2).v();
            double[] y = new double[bsz * o * lout];
            for (int n = 0; n < bsz; n++)
                for (int oc = 0; oc < o; oc++) {
                    int g0 = (oc / og) * cg;
                    for (int l = 0; l < lout; l++) {
                        double s = bv[oc];
                        for (int ci = 0; ci < cg; ci++)
                            for (int kk = 0; kk < k; kk++) {
                                int p = l * stride - pad + kk * dil;
                                if (p >= 0 && p < len) s += wv[(oc * cg + ci) * k + kk] * xv[(n * c + g0 + ci) * len + p];
                            }
                        y[(n * o + oc) * lout + l] = s;
                    }
                }
            return y;
        };
        Adjoint adj = (in, gy) -> {
            double[] xv = in.get(0).v(), wv = in.get(1).v();
            double[] gx = new double[xv.length], gw = new double[wv.length], gb = new double[o];
            for (int n = 0; n < bsz; n++)
                for (int oc = 0; oc < o; oc++) {
                    int g0 = (oc / og) * cg;
                    for (int l = 0; l < lout; l++) {
                        double gv = gy[(n * o + oc) * lout + l];
                        gb[oc] += gv;
                        for (int ci = 0; ci < cg; ci++)
                            for (int kk = 0; kk < k; kk++) {
                                int p = l * stride - pad + kk * dil;
                                if (p < 0 || p >= len) continue;
                                gx[(n * c + g0 + ci) * len + p] += gv * wv[(oc * cg + ci) * k + kk];
                                gw[(oc * cg + ci) * k + kk] += gv * xv[(n * c + g0 + ci) * len + p];
                            }
                    }
                }
            return new double[][] {gx, gw, gb};
        };
        String shape = String.format("%d→%d k%d p%d d%d s%d g%d L%d", c, o, k, pad, dil, stride, groups, len);
        return new Case(nativeConv ? "native-conv1d" : "conv1d", shape, List.of(x, w, b), diff(true, true, true),
                nativeConv ? l -> Ops.nativeConv1d(l.get(0), l.get(1), l.get(2), stride, pad, dil, groups)
                        : l -> Ops.conv1d(l.get(0), l.get(1), l.get(2), stride, pad, dil, groups), ref, adj);
    }

    /** conv2d x [B, C, H, W] ⊛ w [O, C, kh, kw] + b, no padding, with its analytic adjoint. */
    static Case conv2d(boolean nativeConv, SplittableRandom r, int bsz, int c, int h, int wd, int o, int kh, int kw, int sh, int sw) {
        T x = T.random(r, 1.0, bsz, c, h, wd);
        T w = T.random(r, 1.0 / Math.sqrt((double) c * kh * kw), o, c, kh, kw);
        T b = T.random(r, 0.1, o);
        int nh = (h - kh) / sh + 1, nw = (wd - kw) / sw + 1;
        Function<List<T>, double[]> ref = in -> {
            double[] xv = in.get(0).v(), wv = in.get(1).v(), bv = in.get(2).v();
            double[] y = new double[bsz * o * nh * nw];
            for (int n = 0; n < bsz; n++)
                for (int oc = 0; oc < o; oc++)
                    for (int i = 0; i < nh; i++)
                        for (int j = 0; j < nw; j++) {
                            double s = bv[oc];
                            for (int ci = 0; ci < c; ci++)
                                for (int a = 0; a < kh; a++) {
                                    int xr = ((n * c + ci) * h + i * sh + a) * wd + j * sw;
                                    int wr = ((oc * c + ci) * kh + a) * kw;
                                    for (int e = 0; e < kw; e++) s += wv[wr + e] * xv[xr + e];
                                }
                            y[((n * o + oc) * nh + i) * nw + j] = s;
                        }
            return y;
        };
        Adjoint adj = (in, gy) -> {
            double[] xv = in.get(0).v(), wv = in.get(1).v();
            double[] gx = new double[xv.length], gw = new double[wv.length], gb = new double[o];
            for (int n = 0; n < bsz; n++)
                for (int oc = 0; oc < o; oc++)
                    for (int i = 0; i < nh; i++)
                        for (int j = 0; j < nw; j++) {
                            double gv = gy[((n * o + oc) * nh + i) * nw + j];
                            gb[oc] += gv;
                            for (int ci = 0; ci < c; ci++)
                                for (int a = 0; a < kh; a++) {
                                    int xr = ((n * c + ci) * h + i * sh + a) * wd + j * sw;
                                    int wr = ((oc * c + ci) * kh + a) * kw;
                                    for (int e = 0; e < kw; e++) {
                                        gx[xr + e] += gv * wv[wr + e];
                                        gw[wr + e] += gv * xv[xr + e];
                                    }
                                }
                        }
            return new double[][] {gx, gw, gb};
        };
        String shape = String.format("C%d %dx%d k%dx%d s%dx%d →%d", c, h, wd, kh, kw, sh, sw, o);
        return new Case(nativeConv ? "native-conv2d" : "conv2d", shape, List.of(x, w, b), diff(true, true, true),
                nativeConv ? l -> Ops.nativeConv2d(l.get(0), l.get(1), l.get(2), sh, sw)
                        : l -> Ops.conv2d(l.get(0), l.get(1), l.get(2), sh, sw), ref, adj);
    }

    // ------------------------------------------------------------------------------------------- dense ops

    static Case linear(SplittableRandom r, int b, int n, int in, int out) {
        T x = T.random(r, 1.0, b, n, in), w = T.random(r, 0.3, out, in), bias = T.random(r, 0.1, out);
        return new Case("linear", b + "x" + n + "x" + in + " → " + out, List.of(x, w, bias), diff(true, true, true),
                l -> Linear.linear(l.get(0), l.get(1), l.get(2)).singletonOrThrow(),
                in2 -> {
                    double[] xv = in2.get(0).v(), wv = in2.get(1).v(), bv = in2.get(2).v();
                    double[] y = new double[b * n * out];
                    for (int row = 0; row < b * n; row++)
                        for (int o = 0; o < out; o++) {
                            double s = bv[o];
                            for (int k = 0; k < in; k++) s += xv[row * in + k] * wv[o * in + k];
                            y[row * out + o] = s;
                        }
                    return y;
                }, null);
    }

    /** [B, H, N, d] × [B, H, d, N], as attention's scores. */
    static Case matmulBatched(SplittableRandom r, int b, int h, int n, int d) {
        T q = T.random(r, 1.0, b, h, n, d), k = T.random(r, 1.0, b, h, d, n);
        return new Case("matmul", b + "x" + h + "x" + n + "x" + d + " @ " + d + "x" + n, List.of(q, k), diff(true, true),
                l -> l.get(0).matMul(l.get(1)), in -> bmm(in.get(0).v(), in.get(1).v(), b * h, n, d, n), null);
    }

    private static double[] bmm(double[] a, double[] bm, int batch, int n, int d, int m) {
        double[] y = new double[batch * n * m];
        for (int z = 0; z < batch; z++)
            for (int i = 0; i < n; i++)
                for (int j = 0; j < m; j++) {
                    double s = 0;
                    for (int k = 0; k < d; k++) s += a[(z * n + i) * d + k] * bm[(z * d + k) * m + j];
                    y[(z * n + i) * m + j] = s;
                }
        return y;
    }

    /** softmax(q kᵀ / √d) v, as {@code nn.Attention} computes it. */
    static Case attention(SplittableRandom r, int b, int h, int n, int d) {
        T q = T.random(r, 1.0, b, h, n, d), k = T.random(r, 1.0, b, h, n, d), v = T.random(r, 1.0, b, h, n, d);
        double scale = 1 / Math.sqrt(d);
        return new Case("attention", b + "x" + h + "x" + n + "x" + d, List.of(q, k, v), diff(true, true, true),
                l -> Ops.mul(l.get(0), scale).matMul(l.get(1).transpose(0, 1, 3, 2)).softmax(-1).matMul(l.get(2)),
                in -> {
                    double[] qv = in.get(0).v(), kv = in.get(1).v(), vv = in.get(2).v();
                    double[] y = new double[b * h * n * d];
                    for (int z = 0; z < b * h; z++)
                        for (int i = 0; i < n; i++) {
                            double[] s = new double[n];
                            double mx = Double.NEGATIVE_INFINITY;
                            for (int j = 0; j < n; j++) {
                                double a = 0;
                                for (int e = 0; e < d; e++) a += qv[(z * n + i) * d + e] * scale * kv[(z * n + j) * d + e];
                                s[j] = a;
                                mx = Math.max(mx, a);
                            }
                            double sum = 0;
                            for (int j = 0; j < n; j++) sum += s[j] = Math.exp(s[j] - mx);
                            for (int e = 0; e < d; e++) {
                                double acc = 0;
                                for (int j = 0; j < n; j++) acc += s[j] / sum * vv[(z * n + j) * d + e];
                                y[(z * n + i) * d + e] = acc;
                            }
                        }
                    return y;
                }, null);
    }

    static Case layerNorm(SplittableRandom r, int b, int n, int d) {
        T x = T.random(r, 2.0, b, n, d), w = T.random(r, 1.0, d), bias = T.random(r, 0.5, d);
        double eps = 1e-6;
        return new Case("layernorm", b + "x" + n + "x" + d, List.of(x, w, bias), diff(true, true, true),
                l -> LayerNorm.layerNorm(l.get(0), new Shape(d), l.get(1), l.get(2), (float) eps).singletonOrThrow(),
                in -> {
                    double[] xv = in.get(0).v(), wv = in.get(1).v(), bv = in.get(2).v();
                    double[] y = new double[xv.length];
                    for (int row = 0; row < b * n; row++) {
                        double mean = 0, var = 0;
                        for (int k = 0; k < d; k++) mean += xv[row * d + k];
                        mean /= d;
                        for (int k = 0; k < d; k++) var += Math.pow(xv[row * d + k] - mean, 2);
                        var /= d;
                        for (int k = 0; k < d; k++) y[row * d + k] = (xv[row * d + k] - mean) / Math.sqrt(var + eps) * wv[k] + bv[k];
                    }
                    return y;
                }, null);
    }

    /** x · rsqrt(mean(x²) + eps) · w, built from elementwise ops as {@code nn.RmsNorm} does. */
    static Case rmsLike(SplittableRandom r, int b, int n, int d) {
        T x = T.random(r, 1.0, b, n, d), w = T.random(r, 1.0, d);
        double eps = 1e-5;
        return new Case("rmsnorm", b + "x" + n + "x" + d, List.of(x, w), diff(true, true),
                l -> l.get(0).div(l.get(0).square().mean(new int[] {-1}, true).add((float) eps).sqrt()).mul(l.get(1)),
                in -> {
                    double[] xv = in.get(0).v(), wv = in.get(1).v();
                    double[] y = new double[xv.length];
                    for (int row = 0; row < b * n; row++) {
                        double ms = 0;
                        for (int k = 0; k < d; k++) ms += xv[row * d + k] * xv[row * d + k];
                        double inv = 1 / Math.sqrt(ms / d + eps);
                        for (int k = 0; k < d; k++) y[row * d + k] = xv[row * d + k] * inv * wv[k];
                    }
                    return y;
                }, null);
    }

    /** BatchNorm over [B, C, L] with channels on axis 1, as {@code nn.BatchNorm1d} calls it (training: batch stats). */
    static Case batchNorm(SplittableRandom r, int b, int c, int len, boolean training) {
        T x = T.random(r, 1.5, b, c, len), w = T.random(r, 1.0, c), bias = T.random(r, 0.5, c);
        T rm = T.random(r, 0.3, c);
        double[] rvv = new double[c];
        for (int i = 0; i < c; i++) rvv[i] = (float) (0.5 + r.nextDouble());
        T rv = new T(rvv, new long[] {c});
        double eps = 1e-5;
        return new Case("batchnorm", b + "x" + c + "x" + len + (training ? " train" : " eval"), List.of(x, w, bias, rm, rv),
                diff(true, true, true, false, false),
                l -> BatchNorm.batchNorm(l.get(0), l.get(3).duplicate(), l.get(4).duplicate(), l.get(1), l.get(2),
                        -1, 0.9f, (float) eps, training).singletonOrThrow(),
                in -> {
                    double[] xv = in.get(0).v(), wv = in.get(1).v(), bv = in.get(2).v();
                    double[] y = new double[xv.length];
                    for (int ch = 0; ch < c; ch++) {
                        double mean = in.get(3).v()[ch], var = in.get(4).v()[ch];
                        if (training) {
                            mean = 0;
                            var = 0;
                            for (int n = 0; n < b; n++) for (int l = 0; l < len; l++) mean += xv[(n * c + ch) * len + l];
                            mean /= b * len;
                            for (int n = 0; n < b; n++) for (int l = 0; l < len; l++) var += Math.pow(xv[(n * c + ch) * len + l] - mean, 2);
                            var /= b * len;
                        }
                        for (int n = 0; n < b; n++)
                            for (int l = 0; l < len; l++) {
                                int i = (n * c + ch) * len + l;
                                y[i] = (xv[i] - mean) / Math.sqrt(var + eps) * wv[ch] + bv[ch];
                            }
                    }
                    return y;
                }, null);
    }

    // ------------------------------------------------------------------------------------------- elementwise

    static Case unary(SplittableRandom r, String name, Function<NDArray, NDArray> op, DoubleUnaryOperator f) {
        T x = T.random(r, 1.5, 3, 41);
        for (int i = 0; i < x.v().length; i++) if (Math.abs(x.v()[i]) < 1e-3 || Math.abs(Math.abs(x.v()[i]) - 0.5) < 1e-3) x.v()[i] = 0.25f;
        return new Case(name, "3x41", List.of(x), diff(true), l -> op.apply(l.get(0)),
                in -> Arrays.stream(in.get(0).v()).map(f).toArray(), null);
    }

    static Case unaryPositive(SplittableRandom r, String name, Function<NDArray, NDArray> op, DoubleUnaryOperator f) {
        T x = T.random(r, 1.0, 3, 41);
        for (int i = 0; i < x.v().length; i++) x.v()[i] = (float) (0.05 + Math.abs(x.v()[i]));
        return new Case(name, "3x41", List.of(x), diff(true), l -> op.apply(l.get(0)),
                in -> Arrays.stream(in.get(0).v()).map(f).toArray(), null);
    }

    static Case logSoftmax(SplittableRandom r, int b, int n) {
        T x = T.random(r, 3.0, b, n);
        return new Case("logsoftmax", b + "x" + n, List.of(x), diff(true), l -> l.get(0).logSoftmax(-1), in -> {
            double[] xv = in.get(0).v();
            double[] y = new double[xv.length];
            for (int row = 0; row < b; row++) {
                double mx = Double.NEGATIVE_INFINITY, s = 0;
                for (int k = 0; k < n; k++) mx = Math.max(mx, xv[row * n + k]);
                for (int k = 0; k < n; k++) s += Math.exp(xv[row * n + k] - mx);
                for (int k = 0; k < n; k++) y[row * n + k] = xv[row * n + k] - mx - Math.log(s);
            }
            return y;
        }, null);
    }

    /** DiffRes's cumulative sum of the scores along time. */
    static Case cumSum(SplittableRandom r, int b, int n) {
        T x = T.random(r, 1.0, b, n);
        return new Case("cumsum", b + "x" + n, List.of(x), diff(true), l -> l.get(0).cumSum(1), in -> {
            double[] xv = in.get(0).v();
            double[] y = new double[xv.length];
            for (int row = 0; row < b; row++) {
                double s = 0;
                for (int k = 0; k < n; k++) y[row * n + k] = s += xv[row * n + k];
            }
            return y;
        }, null);
    }

    /** Max over a window axis, as the fixed max pooling and DiffRes's max channel reduce. */
    static Case poolMax(SplittableRandom r, int b, int t, int w, int f) {
        T x = T.random(r, 1.0, b, t, w, f);
        return new Case("max-pool", b + "x" + t + "x" + w + "x" + f, List.of(x), diff(true), l -> l.get(0).max(new int[] {2}),
                in -> reduceWindow(in.get(0).v(), b * t, w, f, true), null);
    }

    static Case poolMean(SplittableRandom r, int b, int t, int w, int f) {
        T x = T.random(r, 1.0, b, t, w, f);
        return new Case("avg-pool", b + "x" + t + "x" + w + "x" + f, List.of(x), diff(true), l -> l.get(0).mean(new int[] {2}),
                in -> reduceWindow(in.get(0).v(), b * t, w, f, false), null);
    }

    private static double[] reduceWindow(double[] x, int rows, int w, int f, boolean max) {
        double[] y = new double[rows * f];
        for (int row = 0; row < rows; row++)
            for (int k = 0; k < f; k++) {
                double acc = max ? Double.NEGATIVE_INFINITY : 0;
                for (int j = 0; j < w; j++) {
                    double v = x[(row * w + j) * f + k];
                    acc = max ? Math.max(acc, v) : acc + v / w;
                }
                y[row * f + k] = acc;
            }
        return y;
    }

    /** DiffRes's exact max grouping: gather along time with a [B, t, F] index, times a hit mask. */
    static Case gather(SplittableRandom r, int b, int frames, int t, int f) {
        T x = T.random(r, 1.0, b, frames, f);
        long[] idx = new long[b * t * f];
        for (int i = 0; i < idx.length; i++) idx[i] = r.nextInt(frames);
        return new Case("gather", b + "x" + frames + "x" + f + " → t" + t, List.of(x), diff(true),
                l -> l.get(0).gather(l.getManager().create(idx, new Shape(b, t, f)), 1),
                in -> {
                    double[] xv = in.get(0).v();
                    double[] y = new double[idx.length];
                    for (int n = 0; n < b; n++)
                        for (int i = 0; i < t; i++)
                            for (int k = 0; k < f; k++) y[(n * t + i) * f + k] = xv[(n * frames + (int) idx[(n * t + i) * f + k]) * f + k];
                    return y;
                }, null);
    }

    /** Advanced indexing along time with an index array (AdaptivePooling's window gather), then a where. */
    static Case indexSelect(SplittableRandom r, int b, int frames, int f) {
        T x = T.random(r, 1.0, b, frames, f);
        long[] idx = {0, 3, 3, 7, 15, 2, 9};
        boolean[] keep = new boolean[b * idx.length * f];
        for (int i = 0; i < keep.length; i++) keep[i] = r.nextBoolean();
        return new Case("index", b + "x" + frames + "x" + f + " [7 rows] + where", List.of(x), diff(true),
                l -> {
                    NDArray g = l.get(0).get(new NDIndex(":, {}", l.getManager().create(idx)));
                    return NDArrays.where(l.getManager().create(keep, g.getShape()), g, Ops.mul(g, -2f));
                },
                in -> {
                    double[] xv = in.get(0).v();
                    double[] y = new double[keep.length];
                    for (int n = 0; n < b; n++)
                        for (int i = 0; i < idx.length; i++)
                            for (int k = 0; k < f; k++) {
                                int o = (n * idx.length + i) * f + k;
                                double v = xv[(n * frames + (int) idx[i]) * f + k];
                                y[o] = keep[o] ? v : -2 * v;
                            }
                    return y;
                }, null);
    }

    /** AuM's flips and the conv's zero padding, then a stack: pure data movement that must keep gradients. */
    static Case flipPad(SplittableRandom r, int b, int c, int len) {
        T x = T.random(r, 1.0, b, c, len);
        return new Case("flip+pad", b + "x" + c + "x" + len, List.of(x), diff(true),
                l -> {
                    NDArray p = l.get(0).flip(2).pad(new Shape(2, 1), 0f);
                    return NDArrays.stack(new NDList(p, Ops.mul(p, 3f)), 0).toType(DataType.FLOAT32, false);
                },
                in -> {
                    double[] xv = in.get(0).v();
                    int lp = len + 3;
                    double[] y = new double[2 * b * c * lp];
                    for (int s = 0; s < 2; s++)
                        for (int row = 0; row < b * c; row++)
                            for (int l = 0; l < len; l++) y[(s * b * c + row) * lp + 2 + l] = (s == 0 ? 1 : 3) * xv[row * len + (len - 1 - l)];
                    return y;
                }, null);
    }

    static double erf(double x) {
        return org.apache.commons.math3.special.Erf.erf(x);
    }
}
