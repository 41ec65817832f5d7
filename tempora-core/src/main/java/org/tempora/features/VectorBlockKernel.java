package org.tempora.features;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Log-mel rows of {@link #BLOCK} frames at once with the JDK vector API: the frames sit side by side
 * (structure of arrays, {@code re[j·BLOCK + k]} for frame k) so each FFT butterfly, the real-FFT unpacking, the
 * power, the mel sums and the log are one SIMD operation over the block. One frame at a time, JTransforms' FFT
 * was 1.1 µs of the 2.9 µs a 512-point frame cost and HotSpot does not vectorise an FFT written in plain Java
 * (measured; see BENCHMARKS.md), so this is where the fbank's speed comes from.
 *
 * <p>The FFT is a real FFT of size n computed as a complex FFT of n/2 points (even samples real, odd imaginary),
 * iterative radix-2 decimation in frequency (natural order in, so packing is a plain transpose; the bit-reversed
 * output is read through a table when unpacking), then unpacked. Everything is double precision; results equal
 * JTransforms' to ~1e-14 relative (tested).
 */
final class VectorBlockKernel implements BlockKernel {
    static final VectorSpecies<Double> SPECIES = DoubleVector.SPECIES_512;
    static final int BLOCK = SPECIES.length();

    private final int n;
    private final int half;
    private final int[] bitReverse;
    private final double[] twRe;
    private final double[] twIm;
    private final double[] postRe;
    private final double[] postIm;
    private final MelBanks banks;
    private final boolean usePower;
    private final boolean useLog;
    private final double[] re;
    private final double[] im;
    private final double[] power;
    private final double[] energy;

    VectorBlockKernel(int n, MelBanks banks, boolean usePower, boolean useLog) {
        this.n = n;
        this.half = n / 2;
        this.banks = banks;
        this.usePower = usePower;
        this.useLog = useLog;
        int bits = Integer.numberOfTrailingZeros(half);
        bitReverse = new int[half];
        for (int j = 0; j < half; j++) bitReverse[j] = bits == 0 ? 0 : Integer.reverse(j) >>> (32 - bits);
        twRe = new double[Math.max(1, half / 2)];
        twIm = new double[Math.max(1, half / 2)];
        for (int j = 0; j < half / 2; j++) {
            double a = -2 * Math.PI * j / half;
            twRe[j] = Math.cos(a);
            twIm[j] = Math.sin(a);
        }
        postRe = new double[half];
        postIm = new double[half];
        for (int m = 0; m < half; m++) {
            double a = -2 * Math.PI * m / n;
            postRe[m] = Math.cos(a);
            postIm[m] = Math.sin(a);
        }
        re = new double[half * BLOCK];
        im = new double[half * BLOCK];
        power = new double[(half + 1) * BLOCK];
        energy = new double[banks.numBins() * BLOCK];
    }

    @Override
    public int block() {
        return BLOCK;
    }

    @Override
    public void process(double[] frames, int count, float[] out, int row0) {
        final int b = BLOCK;
        // pack z_j = x_{2j} + i x_{2j+1} in natural order (a transpose into the block layout)
        for (int k = 0; k < b; k++) {
            int base = k * n;
            for (int j = 0; j < half; j++) {
                re[j * b + k] = frames[base + 2 * j];
                im[j * b + k] = frames[base + 2 * j + 1];
            }
        }
        // radix-2 decimation in frequency (natural order in, bit-reversed order out), one vector over the block
        for (int len = half; len >= 2; len >>= 1) {
            int step = half / len;
            int hl = len >> 1;
            for (int start = 0; start < half; start += len) {
                for (int j = 0; j < hl; j++) {
                    double wr = twRe[j * step];
                    double wi = twIm[j * step];
                    int p = (start + j) * b;
                    int q = p + hl * b;
                    DoubleVector ar = DoubleVector.fromArray(SPECIES, re, p);
                    DoubleVector ai = DoubleVector.fromArray(SPECIES, im, p);
                    DoubleVector br = DoubleVector.fromArray(SPECIES, re, q);
                    DoubleVector bi = DoubleVector.fromArray(SPECIES, im, q);
                    ar.add(br).intoArray(re, p);
                    ai.add(bi).intoArray(im, p);
                    DoubleVector dr = ar.sub(br);
                    DoubleVector di = ai.sub(bi);
                    dr.mul(wr).sub(di.mul(wi)).intoArray(re, q);
                    dr.mul(wi).add(di.mul(wr)).intoArray(im, q);
                }
            }
        }
        // unpack to the real FFT and take |X|² (or |X|): X_m = E_m + e^{-2πim/n}·(−i)·D_m
        DoubleVector r0 = DoubleVector.fromArray(SPECIES, re, 0); // Z_0 sits at bit-reversed position 0
        DoubleVector i0 = DoubleVector.fromArray(SPECIES, im, 0);
        finish(r0.add(i0).mul(r0.add(i0))).intoArray(power, 0);
        finish(r0.sub(i0).mul(r0.sub(i0))).intoArray(power, half * b);
        for (int m = 1; m < half; m++) {
            int pm = bitReverse[m] * b;
            int pn = bitReverse[half - m] * b;
            DoubleVector zr = DoubleVector.fromArray(SPECIES, re, pm);
            DoubleVector zi = DoubleVector.fromArray(SPECIES, im, pm);
            DoubleVector yr = DoubleVector.fromArray(SPECIES, re, pn);
            DoubleVector yi = DoubleVector.fromArray(SPECIES, im, pn).neg();
            DoubleVector er = zr.add(yr).mul(0.5);
            DoubleVector ei = zi.add(yi).mul(0.5);
            DoubleVector or = zi.sub(yi).mul(0.5);   // (−i)·D = (D_im, −D_re)
            DoubleVector oi = yr.sub(zr).mul(0.5);
            double cr = postRe[m];
            double ci = postIm[m];
            DoubleVector xr = er.add(or.mul(cr)).sub(oi.mul(ci));
            DoubleVector xi = ei.add(oi.mul(cr)).add(or.mul(ci));
            finish(xr.mul(xr).add(xi.mul(xi))).intoArray(power, m * b);
        }
        // mel filterbank and log, one vector per filter
        int bins = banks.numBins();
        for (int bin = 0; bin < bins; bin++) {
            float[] w = banks.weights(bin);
            int s = banks.start(bin);
            DoubleVector acc = DoubleVector.zero(SPECIES);
            for (int i = 0; i < w.length; i++) acc = DoubleVector.fromArray(SPECIES, power, (s + i) * b).mul(w[i]).add(acc);
            if (useLog) acc = acc.max(KaldiFbank.EPSILON).lanewise(VectorOperators.LOG);
            acc.intoArray(energy, bin * b);
        }
        for (int k = 0; k < count; k++) {
            int row = (row0 + k) * bins;
            for (int bin = 0; bin < bins; bin++) out[row + bin] = (float) energy[bin * b + k];
        }
    }

    private DoubleVector finish(DoubleVector p) {
        return usePower ? p : p.lanewise(VectorOperators.SQRT);
    }
}
