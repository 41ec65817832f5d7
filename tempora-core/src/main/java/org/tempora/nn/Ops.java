package org.tempora.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.convolutional.Conv1d;
import ai.djl.nn.convolutional.Conv2d;

/**
 * Functional ops not in DJL's public API in the form we need.
 *
 * <p><b>Convolutions are built from verified ops, not from libtorch's convolution.</b> libtorch 2.7.1 routes
 * {@code conv1d}/{@code conv2d} through oneDNN's JIT kernels, and on AMD family 26 (AVX-512) those return wrong
 * forward values and wrong or NaN input gradients for some channel counts (docs/engine.md). An environment variable
 * ({@code ONEDNN_MAX_CPU_ISA}) only reaches processes our launcher starts, not a library user's JVM, so tempora
 * never calls the native convolution by default: {@link #conv1d} and {@link #conv2d} unfold the input with strided
 * slices (im2col) and do matrix products (MKL's sgemm), whose forward and backward the engine numerics tests
 * check against float64 on the machine that runs them. The native path remains selectable with
 * {@code -Dtempora.conv=native} so that the tests can show they catch the bug.
 */
public final class Ops {
    private Ops() {}

    /** The system property that selects the convolution implementation: {@code unfold} (default) or {@code native}. */
    public static final String CONV_PROPERTY = "tempora.conv";

    /** True when the native (oneDNN) convolution is selected instead of unfold + matmul. */
    public static boolean nativeConv() {
        return "native".equals(System.getProperty(CONV_PROPERTY));
    }

    /** 2-D convolution, PyTorch semantics, no padding, input [B, C, H, W], weight [O, C, kh, kw]. */
    public static NDArray conv2d(NDArray x, NDArray weight, NDArray bias, int strideH, int strideW) {
        return nativeConv() ? nativeConv2d(x, weight, bias, strideH, strideW) : unfoldConv2d(x, weight, bias, strideH, strideW);
    }

    /** 1-D convolution, PyTorch semantics, input [B, C, L], weight [O, C/groups, k], bias [O] or null. */
    public static NDArray conv1d(NDArray x, NDArray weight, NDArray bias, int stride, int padding, int dilation, int groups) {
        if (nativeConv()) return nativeConv1d(x, weight, bias, stride, padding, dilation, groups);
        return unfoldConv1d(x, weight, bias, stride, padding, dilation, groups);
    }

    /** libtorch's own 2-D convolution (oneDNN on x86): wrong on some CPUs, kept for the numerics tests and doctor. */
    public static NDArray nativeConv2d(NDArray x, NDArray weight, NDArray bias, int strideH, int strideW) {
        return Conv2d.conv2d(x, weight, bias, new Shape(strideH, strideW), new Shape(0, 0),
                new Shape(1, 1), 1).singletonOrThrow();
    }

    /** libtorch's own 1-D convolution (oneDNN on x86): wrong on AMD family 26, kept for the numerics tests and doctor. */
    public static NDArray nativeConv1d(NDArray x, NDArray weight, NDArray bias, int stride, int padding, int dilation, int groups) {
        return Conv1d.conv1d(x, weight, bias, new Shape(stride), new Shape(padding),
                new Shape(dilation), groups).singletonOrThrow();
    }

    /**
     * 1-D convolution from K strided slices and matrix products. With {@code groups == 1}: the k-th shifted view of
     * the zero-padded input {@code [B, C, L']} is multiplied by the k-th tap of the weight {@code [O, C]}, and the K
     * products are summed. Depthwise ({@code groups == C == O}, Audio Mamba's
     * causal conv): the sum over k of the k-th view times the k-th tap, elementwise. Other group counts split the
     * channels and concatenate.
     */
    public static NDArray unfoldConv1d(NDArray x, NDArray weight, NDArray bias, int stride, int padding, int dilation, int groups) {
        Shape xs = x.getShape();
        Shape ws = weight.getShape();
        long b = xs.get(0);
        long c = xs.get(1);
        long len = xs.get(2);
        long o = ws.get(0);
        int k = (int) ws.get(2);
        if (c % groups != 0 || o % groups != 0 || ws.get(1) != c / groups) {
            throw new IllegalArgumentException("conv1d: input " + xs + ", weight " + ws + " and " + groups + " groups do not agree");
        }
        long out = (len + 2L * padding - (long) dilation * (k - 1) - 1) / stride + 1;
        if (out <= 0) throw new IllegalArgumentException("conv1d: input length " + len + " is shorter than the kernel");
        NDArray xp = padding > 0 ? x.pad(new Shape(padding, padding), 0f) : x;
        NDArray[] views = new NDArray[k];
        for (int j = 0; j < k; j++) {
            long start = (long) j * dilation;
            long end = start + stride * (out - 1) + 1;
            views[j] = stride == 1 ? xp.get(new NDIndex(":, :, {}:{}", start, end))
                    : xp.get(new NDIndex(":, :, {}:{}:{}", start, end, stride));
        }
        NDArray y;
        if (groups == 1) {
            // one [O, C] × [B, C, L'] product per tap, summed over taps: the accumulation order of a direct
            // convolution (taps outermost), which keeps float32 results closest to libtorch's on ill-conditioned
            // inputs (the DiffRes fixtures); a single [O, C·K] product over the stacked views was measured to differ
            // more there
            y = null;
            for (int j = 0; j < k; j++) {
                NDArray term = local(weight.get(new NDIndex(":, :, {}", j)), x).matMul(views[j]);
                y = y == null ? term : y.add(term);
            }
        } else if (groups == c && o == c) {
            NDArray w = local(weight.reshape(c, k), x);
            y = null;
            for (int j = 0; j < k; j++) {
                NDArray term = views[j].mul(w.get(new NDIndex(":, {}:{}", j, j + 1))); // [B, C, L'] × [C, 1]
                y = y == null ? term : y.add(term);
            }
        } else {
            long cg = c / groups;
            long og = o / groups;
            NDArray[] parts = new NDArray[groups];
            for (int g = 0; g < groups; g++) {
                NDArray xg = x.get(new NDIndex(":, {}:{}", g * cg, (g + 1) * cg));
                NDArray wg = weight.get(new NDIndex("{}:{}", g * og, (g + 1) * og));
                parts[g] = unfoldConv1d(xg, wg, null, stride, padding, dilation, 1);
            }
            y = concat(1, parts);
        }
        return bias == null ? y : y.add(local(bias.reshape(1, o, 1), x));
    }

    /**
     * 2-D convolution without padding as {@code kh + kw} strided slices and one matrix product: the time offsets
     * are unfolded first ({@code [B, C, H, kw, nW]}), then the frequency offsets ({@code [B, C, kh, nH, kw, nW]}),
     * laid out as {@code [B, nH·nW, C·kh·kw]} (the weight's flattening order) and multiplied by the weight's
     * transpose. The output is {@code [B, O, nH, nW]}, as libtorch's.
     */
    public static NDArray unfoldConv2d(NDArray x, NDArray weight, NDArray bias, int strideH, int strideW) {
        Shape xs = x.getShape();
        Shape ws = weight.getShape();
        long b = xs.get(0);
        long c = xs.get(1);
        long h = xs.get(2);
        long w = xs.get(3);
        long o = ws.get(0);
        int kh = (int) ws.get(2);
        int kw = (int) ws.get(3);
        if (ws.get(1) != c) throw new IllegalArgumentException("conv2d: input " + xs + " and weight " + ws + " do not agree");
        long nh = (h - kh) / strideH + 1;
        long nw = (w - kw) / strideW + 1;
        if (nh <= 0 || nw <= 0) throw new IllegalArgumentException("conv2d: input " + xs + " is smaller than the kernel " + ws);
        NDArray byW = unfoldAxis(x, 3, kw, strideW, nw);      // [B, C, H, kw, nW]
        NDArray byH = unfoldAxis(byW, 2, kh, strideH, nh);    // [B, C, kh, nH, kw, nW]
        NDArray cols = byH.transpose(0, 3, 5, 1, 2, 4).reshape(b, nh * nw, c * kh * kw);
        NDArray y = cols.matMul(local(weight.reshape(o, c * kh * kw), x).transpose()); // [B, nH·nW, O]
        if (bias != null) y = y.add(bias);
        return y.transpose(0, 2, 1).reshape(b, o, nh, nw);
    }

    /**
     * Moves an array derived from a parameter (a reshape, a slice) to the input's manager: DJL puts a derived array in
     * its source's manager, which for a parameter is the model's, and it would stay there for the model's lifetime
     * (one copy per step: a native-memory leak). In the input's manager it is freed with the batch.
     */
    private static NDArray local(NDArray derived, NDArray anchor) {
        derived.attach(anchor.getManager());
        return derived;
    }

    /**
     * The {@code n} windows of length {@code k} (step {@code stride}) along {@code axis}: returns x with that axis replaced by {@code [k, n]}
     * (offset within the window, window index). A window that covers the whole axis (FFTP's full-frequency kernel)
     * is a reshape, and so are non-overlapping windows ({@code stride == k}); only overlapping windows need the
     * {@code k} strided slices, whose backward each writes a zero-filled input-sized gradient, so that path is kept
     * for small {@code k}.
     */
    private static NDArray unfoldAxis(NDArray x, int axis, int k, int stride, long n) {
        Shape s = x.getShape();
        long size = s.get(axis);
        if (n == 1 && k == size) return x.expandDims(axis + 1);
        if (stride == k) {
            NDArray cut = n * k == size ? x : x.get(new NDIndex(sliceAlong(s.dimension(), axis, "0:" + n * k)));
            long[] dims = new long[s.dimension() + 1];
            for (int a = 0, o = 0; a < s.dimension(); a++) {
                if (a == axis) {
                    dims[o++] = n;
                    dims[o++] = k;
                } else {
                    dims[o++] = s.get(a);
                }
            }
            int[] perm = new int[dims.length];
            for (int a = 0; a < perm.length; a++) perm[a] = a;
            perm[axis] = axis + 1;
            perm[axis + 1] = axis;
            return cut.reshape(new Shape(dims)).transpose(perm);
        }
        return stackedViews(x, axis, k, stride, n);
    }

    private static String sliceAlong(int rank, int axis, String slice) {
        StringBuilder idx = new StringBuilder();
        for (int a = 0; a < rank; a++) {
            if (a > 0) idx.append(',');
            idx.append(a == axis ? slice : ":");
        }
        return idx.toString();
    }

    /** The {@code k} strided views along {@code axis} (each of length {@code n}), stacked before it. */
    private static NDArray stackedViews(NDArray x, int axis, int k, int stride, long n) {
        int rank = x.getShape().dimension();
        NDArray[] views = new NDArray[k];
        for (int j = 0; j < k; j++) {
            long end = j + (long) stride * (n - 1) + 1;
            views[j] = x.get(new NDIndex(sliceAlong(rank, axis, stride == 1 ? j + ":" + end : j + ":" + end + ":" + stride)));
        }
        return k == 1 ? views[0].expandDims(axis) : NDArrays.stack(new NDList(views), axis);
    }

    /**
     * {@code x · s} for a Java number. DJL's {@code mul(Number)} wraps the number in a tensor over a Java direct buffer
     * ({@code from_blob}, no copy) and closes it right after the op, but autograd keeps that tensor for the backward
     * pass: a garbage collection in between frees the buffer, and the gradient is computed from freed memory (wrong
     * values or NaN; docs/engine.md). Here the scalar is a libtorch-owned tensor ({@code full}), which autograd keeps
     * alive by reference count.
     */
    public static NDArray mul(NDArray x, double s) {
        try (NDArray c = x.getManager().full(new Shape(), (float) s)) {
            return x.mul(c);
        }
    }

    /** {@code x / s} for a Java number, safe for autograd (see {@link #mul(NDArray, double)}). */
    public static NDArray div(NDArray x, double s) {
        try (NDArray c = x.getManager().full(new Shape(), (float) s)) {
            return x.div(c);
        }
    }

    /** {@code max(x, s)} elementwise for a Java number, safe for autograd (see {@link #mul(NDArray, double)}). */
    public static NDArray maximum(NDArray x, double s) {
        try (NDArray c = x.getManager().full(new Shape(), (float) s)) {
            return x.maximum(c);
        }
    }

    /** Exact (erf) GELU, as timm uses. */
    public static NDArray gelu(NDArray x) {
        return Activation.gelu(x);
    }

    public static NDArray concat(NDArray... parts) {
        return concat(1, parts);
    }

    /**
     * Concatenation along an axis. A single part is returned as is: DJL's concat of one array returns a
     * {@code duplicate()}, which is cut from autograd and would silently stop gradients.
     */
    public static NDArray concat(int axis, NDArray... parts) {
        if (parts.length == 1) return parts[0];
        return NDArrays.concat(new NDList(parts), axis);
    }
}
