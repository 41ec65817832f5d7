package org.tempora.resolution;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.SplittableRandom;
import net.jqwik.api.Assume;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;

/**
 * Invariants of the warping for random positive scores normalised to sum t: every full output cell is a convex
 * combination (column sums 1), every frame contributes its score (row sums = scores), a row has at most two
 * non-zeros and they sit in adjacent cells, and all three channels are finite, also next to digital silence.
 */
class DiffResPropertiesTest {

    @Property(tries = 60)
    void warpingIsAPartitionOfTheScores(@ForAll @IntRange(min = 1, max = 3) int batch,
                                        @ForAll @IntRange(min = 2, max = 160) int frames,
                                        @ForAll @DoubleRange(min = 0.0, max = 0.95) double reduction,
                                        @ForAll @DoubleRange(min = 0.5, max = 12) double spread,
                                        @ForAll @LongRange(min = 0, max = 1_000_000) long seed) {
        int t = ResolutionStages.outputFrames(frames, reduction);
        Assume.that(t >= 1); // δ close to 1 on a short input leaves no frame: not a case of the property
        SplittableRandom rng = new SplittableRandom(seed);
        float[] raw = new float[batch * frames];
        // sigmoid of spread·N(0,1): from nearly flat to very peaked, so every score_norm branch is exercised
        for (int i = 0; i < raw.length; i++) raw[i] = (float) (1 / (1 + Math.exp(-spread * gaussian(rng))));
        int bins = 6;
        float[] x = new float[batch * frames * bins];
        for (int i = 0; i < x.length; i++) {
            double u = rng.nextDouble();
            x[i] = u < 0.2 ? -15.942385f /* log(2^-23): digital silence after the fbank floor */ : (float) (rng.nextDouble() * 12 - 6);
        }
        try (NDManager m = NDManager.newBaseManager()) {
            DiffResOps.ScoreNorm norm = DiffResOps.scoreNorm(m.create(raw, new Shape(batch, frames)), t);
            float[] s = norm.score().toFloatArray();
            DiffResOps.Warp w = DiffResOps.warp(norm.score(), t);
            float[] dense = w.dense().toFloatArray();
            for (int b = 0; b < batch; b++) {
                double total = 0;
                for (int j = 0; j < frames; j++) {
                    float sj = s[b * frames + j];
                    assertThat(sj).as("score").isGreaterThan(0f).isLessThanOrEqualTo(1f + 1e-6f);
                    total += sj;
                }
                // at most t; below t only where the reference leaves a deficit (< 1 after the max rescale, or more
                // when α clips at 1 and frames at or below RESCALE_MIN cannot be pushed)
                assertThat(total).as("score sum").isLessThanOrEqualTo(t + 1e-3);
                if (!norm.rescaled()[b]) assertThat(total).as("score sum").isCloseTo(t, org.assertj.core.data.Offset.offset(1e-3));
                if (norm.pushed()[b] && !norm.alphaClipped()[b]) assertThat(total).as("pushed sum").isCloseTo(t, org.assertj.core.data.Offset.offset(1e-3));
                for (int i = 0; i < t; i++) {
                    double col = 0;
                    for (int j = 0; j < frames; j++) col += dense[(b * frames + j) * t + i];
                    double expect = Math.min(1, Math.max(0, total - i)); // the last cell is partial when Σs < t
                    assertThat(col).as("column " + i + " sum").isCloseTo(expect, org.assertj.core.data.Offset.offset(2e-4));
                }
                double c = 0;
                for (int j = 0; j < frames; j++) {
                    int r = b * frames + j;
                    double row = 0;
                    int first = -1;
                    int nonZero = 0;
                    for (int i = 0; i < t; i++) {
                        float v = dense[r * t + i];
                        assertThat(v).isBetween(0f, 1f);
                        if (v != 0) {
                            if (first < 0) first = i;
                            assertThat(i - first).as("non-zeros of a row are adjacent").isLessThanOrEqualTo(1);
                            nonZero++;
                        }
                        row += v;
                    }
                    assertThat(nonZero).as("non-zeros in row " + j).isLessThanOrEqualTo(2);
                    double lo = Math.min(c, t);
                    c += s[r];
                    double expect = Math.min(c, t) - lo; // a frame beyond t (rounding) contributes only what fits
                    assertThat(row).as("row " + j + " sum").isCloseTo(expect, org.assertj.core.data.Offset.offset(2e-4));
                }
            }
            NDArray linear = m.create(x, new Shape(batch, frames, bins)).exp();
            NDArray table = m.create(DiffResOps.sinusoidTable(frames, bins), new Shape(1, frames, bins));
            for (NDArray out : new NDArray[] {DiffResOps.averageChannel(w, linear),
                    DiffResOps.logAverageChannel(w, m.create(x, new Shape(batch, frames, bins))),
                    DiffResOps.referenceMaxPool(w, linear, reduction).channel(), DiffResOps.exactMaxPool(w, linear, reduction),
                    DiffResOps.resolutionEncoding(w, table)}) {
                assertThat(out.getShape()).isEqualTo(new Shape(batch, t, bins));
                for (float v : out.toFloatArray()) assertThat(Float.isFinite(v)).as("finite output").isTrue();
            }
        }
    }

    static double gaussian(SplittableRandom r) {
        return Math.sqrt(-2 * Math.log(1 - r.nextDouble())) * Math.cos(2 * Math.PI * r.nextDouble());
    }
}
