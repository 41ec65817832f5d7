package org.tempora.resolution;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import org.tempora.eval.FlopCount;

/**
 * SimPF spectral pooling along time (Liu et al., ICASSP 2023; reference-spec §1.9): the 2-D Discrete Hartley
 * Transform {@code H(x) = Re(FFT2_ortho x) − Im(FFT2_ortho x)} of the {@code [T, F]} map, cropped to the t
 * lowest-frequency rows (the first {@code ⌈t/2⌉} and the last {@code ⌈t/2⌉} (t even) or {@code ⌈t/2⌉ − 1} (t odd);
 * every frequency column kept), then the same transform of size {@code [t, F]}.
 *
 * <p>The whole thing is linear, so it is applied as precomputed operators: with {@code S} the kept rows,
 * {@code u'} the row's place in the crop and {@code A[m, k] = Σ_{u∈S} cos 2π(uk/T − u'm/t) / √(Tt)},
 * {@code M[m, k] = Σ_{u∈S} sin 2π(uk/T + u'm/t) / √(Tt)}:
 * {@code y[:, n] = A·x[:, n] + M·x[:, (F − n) mod F]}. Exact and differentiable (the reference's hand-written
 * backward, "pad with zeros in the DHT domain", is the transpose of the same map). {@code M} vanishes for odd t; for
 * even t the 2-D DHT really does mix each mel bin with its mirror {@code F − n} through the Nyquist row (a SimPF
 * quirk, kept; a separable 1-D transform would not).
 *
 * <p><b>Deviations</b> (documented in docs/diffres.md): (1) t is {@code int(T·(1−δ))}, the same as every other stage,
 * where SimPF uses {@code ⌈T·factor⌉}; (2) the output is multiplied by {@code √(t/T)} so that a constant spectrogram
 * stays constant: the orthonormal transforms preserve energy, which scales log-mel values by {@code √(T/t)}, and SimPF
 * has a BatchNorm before the pooling that tempora's (x − mean)/(2·std) after the stage would not undo;
 * (3) for t = 1 the crop is the DC row only (the reference's {@code x[-0:]} slice would keep every row).
 */
public final class SpectralPooling extends FixedResolution {
    private final int bins;
    private final NDArray at;
    private final NDArray mt;
    private final long[] mirror;

    public SpectralPooling(NDManager manager, int frames, int bins, double reduction) {
        super(frames, reduction);
        this.bins = bins;
        double[][] ops = operators(frames, out);
        double gain = Math.sqrt((double) out / frames);
        float[] a = new float[frames * out];
        float[] mm = new float[frames * out];
        boolean anyM = false;
        for (int m = 0; m < out; m++) {
            for (int k = 0; k < frames; k++) {
                a[k * out + m] = (float) (gain * ops[0][m * frames + k]);
                mm[k * out + m] = (float) (gain * ops[1][m * frames + k]);
                anyM |= out % 2 == 0 && mm[k * out + m] != 0f;
            }
        }
        at = manager.create(a, new Shape(frames, out));
        mt = anyM ? manager.create(mm, new Shape(frames, out)) : null;
        mirror = new long[bins];
        for (int n = 0; n < bins; n++) mirror[n] = (bins - n) % bins;
    }

    /**
     * The SimPF operators without the gain: {@code [A, M]}, each {@code [t·T]} row-major ({@code [m][k]}), in double.
     * {@code M} is zero (up to rounding) for odd t.
     */
    public static double[][] operators(int frames, int out) {
        int ch = (out + 1) / 2;
        int hc = out % 2 == 1 ? ch - 1 : ch;
        int n = ch + hc;
        int[] u = new int[n];
        int[] up = new int[n];
        for (int i = 0; i < ch; i++) {
            u[i] = i;
            up[i] = i;
        }
        for (int i = 0; i < hc; i++) {
            u[ch + i] = frames - hc + i;
            up[ch + i] = u[ch + i] - frames + out;
        }
        double[] a = new double[out * frames];
        double[] mm = new double[out * frames];
        double norm = 1 / Math.sqrt((double) frames * out);
        for (int m = 0; m < out; m++) {
            for (int k = 0; k < frames; k++) {
                double sa = 0;
                double sm = 0;
                for (int i = 0; i < n; i++) {
                    // reduce the phases modulo the periods first: exact integers, so no large arguments to cos/sin
                    double p1 = (double) (((long) u[i] * k) % frames) / frames;
                    double p2 = (double) (((long) up[i] * m) % out) / out;
                    sa += Math.cos(2 * Math.PI * (p1 - p2));
                    sm += Math.sin(2 * Math.PI * (p1 + p2));
                }
                a[m * frames + k] = sa * norm;
                mm[m * frames + k] = sm * norm;
            }
        }
        return new double[][] {a, mm};
    }

    @Override
    protected NDArray reduce(NDArray x) {
        NDArray y = x.transpose(0, 2, 1).matMul(at);
        if (mt != null) {
            NDArray mirrored = x.get(new NDIndex(":, :, {}", x.getManager().create(mirror)));
            y = y.add(mirrored.transpose(0, 2, 1).matMul(mt));
        }
        return y.transpose(0, 2, 1);
    }

    /** {@code t·T·F} MACs (twice for even t, the mirror term) + the sum. */
    @Override
    public double flopsPerExample() {
        long macs = (long) out * frames * bins;
        FlopCount f = FlopCount.macs("spectral", macs);
        if (mt != null) f = f.plus(FlopCount.macs("spectral.mirror", macs)).plus(FlopCount.elementwise("add", (long) out * bins, 1));
        return f.total();
    }

    @Override
    protected String name() {
        return "spectral";
    }
}
