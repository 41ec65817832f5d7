package org.tempora.augment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;
import org.tempora.ConfigException;
import org.tempora.config.Choices;
import org.tempora.config.ConfigLoader;
import org.tempora.config.ExperimentConfig;

class SpecMaskTest {

    /** Budget: the masked area is within h·w/2 of ρ·A, the full-frequency area within w·F/2 of λ·ρ·A. */
    @Property(tries = 300)
    void budgetAndSplit(@ForAll @IntRange(min = 32, max = 1024) int frames, @ForAll @IntRange(min = 16, max = 128) int bins,
                        @ForAll @IntRange(min = 1, max = 16) int width, @ForAll @IntRange(min = 1, max = 16) int stride,
                        @ForAll @IntRange(min = 1, max = 32) int height, @ForAll @DoubleRange(min = 0.0, max = 0.4) double ratio,
                        @ForAll @DoubleRange(min = 0.0, max = 1.0) double lambda, @ForAll long seed) {
        SpecMask sm = new SpecMask(ratio, lambda, height, width, stride, 0f);
        SpecMask.Plan p = sm.plan(frames, bins, new SplittableRandom(seed));
        int h = Math.min(height, bins);
        double target = ratio * p.area();
        assertThat((double) p.fullFrequencyCells()).as("full-frequency area vs λρA")
                .isCloseTo(lambda * target, org.assertj.core.data.Offset.offset(width * bins / 2.0 + 1e-9));
        if (p.fullFrequencyCells() >= target) {
            // λ ≈ 1 and the last full-frequency patch overshot: no room left for rectangles
            assertThat(p.maskedCells()).isEqualTo(p.fullFrequencyCells());
        } else {
            assertThat((double) p.maskedCells()).as("masked area vs ρA")
                    .isCloseTo(target, org.assertj.core.data.Offset.offset(h * width / 2.0 + 1e-9));
        }
        int count = 0;
        for (boolean c : p.cells()) if (c) count++;
        assertThat(count).as("cells marked = cells counted").isEqualTo(p.maskedCells());
    }

    /**
     * With an AudioSet-sized input (128 × 1024, FFTP 128×8) the fraction is within h·w/2 cells of ρ and the share
     * within {@code (w·F/2 + λ·h·w/2)/(ρA − h·w/2)} of λ (one full-frequency patch is the unit of the split).
     */
    @Property(tries = 100)
    void fractionAndShareOnALargeInput(@ForAll @DoubleRange(min = 0.1, max = 0.3) double ratio,
                                       @ForAll @DoubleRange(min = 0.5, max = 0.7) double lambda, @ForAll long seed) {
        SpecMask sm = new SpecMask(ratio, lambda, 16, 8, 8, 0f);
        SpecMask.Plan p = sm.plan(1024, 128, new SplittableRandom(seed));
        double area = 1024 * 128;
        assertThat(p.area()).isEqualTo((int) area);
        assertThat(p.maskedFraction()).isCloseTo(ratio, org.assertj.core.data.Offset.offset(16 * 8 / 2.0 / area));
        double shareBound = (8 * 128 / 2.0 + lambda * 16 * 8 / 2.0) / (ratio * area - 16 * 8 / 2.0);
        assertThat(shareBound).isLessThan(0.045);
        assertThat(p.fullFrequencyShare()).isCloseTo(lambda, org.assertj.core.data.Offset.offset(shareBound));
    }

    /** Every mask sits on the patch grid, localised ones avoid the fully masked patches, and the union is what mask() writes. */
    @Property(tries = 200)
    void alignedToThePatchGrid(@ForAll @IntRange(min = 20, max = 300) int frames, @ForAll @IntRange(min = 8, max = 64) int bins,
                               @ForAll @IntRange(min = 1, max = 12) int width, @ForAll @IntRange(min = 1, max = 12) int stride,
                               @ForAll @IntRange(min = 1, max = 24) int height, @ForAll @DoubleRange(min = 0.05, max = 0.5) double ratio,
                               @ForAll @DoubleRange(min = 0.0, max = 1.0) double lambda, @ForAll long seed) {
        SpecMask sm = new SpecMask(ratio, lambda, height, width, stride, 0f);
        SpecMask.Plan p = sm.plan(frames, bins, new SplittableRandom(seed));
        int n = sm.patches(frames);
        assertThat(n).isEqualTo(frames <= width ? 1 : (frames - width) / stride + 1);
        Set<Integer> full = new HashSet<>();
        boolean[] union = new boolean[frames * bins];
        for (SpecMask.Region r : p.regions()) {
            assertThat(r.patch()).isBetween(0, n - 1);
            assertThat(r.start()).isEqualTo(r.patch() * stride);
            assertThat(r.width()).isEqualTo(Math.min(width, frames));
            assertThat(r.start() + r.width()).isLessThanOrEqualTo(frames);
            assertThat(r.f0()).isBetween(0, bins - r.height());
            if (r.fullFrequency()) {
                assertThat(r.f0()).isZero();
                assertThat(r.height()).isEqualTo(bins);
                assertThat(full.add(r.patch())).as("full-frequency patches drawn without replacement").isTrue();
            } else {
                assertThat(r.height()).isEqualTo(Math.min(height, bins));
                assertThat(full).as("localised masks avoid fully masked patches").doesNotContain(r.patch());
            }
            for (int t = r.start(); t < r.start() + r.width(); t++) {
                for (int f = r.f0(); f < r.f0() + r.height(); f++) union[t * bins + f] = true;
            }
        }
        assertThat(union).isEqualTo(p.cells());
        float[] x = new float[3 + frames * bins];
        java.util.Arrays.fill(x, 5f);
        sm.mask(x, 3, frames, bins, new SplittableRandom(seed));
        assertThat(x[0]).isEqualTo(5f);
        for (int i = 0; i < frames * bins; i++) assertThat(x[3 + i]).isEqualTo(p.cells()[i] ? 0f : 5f);
    }

    @Test
    void deterministicPerSeedAndDifferentAcrossSeeds() {
        SpecMask sm = new SpecMask(0.2, 0.6, 16, 8, 4, 0f);
        Set<String> distinct = new HashSet<>();
        for (long seed = 0; seed < 8; seed++) {
            float[] a = filled(100 * 128);
            float[] b = filled(100 * 128);
            sm.mask(a, 0, 100, 128, new SplittableRandom(seed));
            sm.mask(b, 0, 100, 128, new SplittableRandom(seed));
            assertThat(a).isEqualTo(b);
            distinct.add(java.util.Arrays.toString(a));
        }
        assertThat(distinct).hasSize(8);
    }

    @Test
    void extremesOfTheSplit() {
        SpecMask onlyFull = new SpecMask(0.25, 1.0, 16, 8, 8, 0f);
        SpecMask.Plan p = onlyFull.plan(128, 64, new SplittableRandom(1));
        assertThat(p.regions()).allMatch(SpecMask.Region::fullFrequency);
        assertThat(p.maskedCells()).isEqualTo(4 * 8 * 64); // 16 patches of 8×64, a quarter of them
        SpecMask onlyLocal = new SpecMask(0.25, 0.0, 16, 8, 8, 0f);
        SpecMask.Plan q = onlyLocal.plan(128, 64, new SplittableRandom(1));
        assertThat(q.regions()).noneMatch(SpecMask.Region::fullFrequency);
        assertThat(q.maskedFraction()).isCloseTo(0.25, org.assertj.core.data.Offset.offset(64.0 / (128 * 64)));
        SpecMask off = new SpecMask(0.0, 0.6, 16, 8, 8, 0f);
        assertThat(off.plan(128, 64, new SplittableRandom(1)).regions()).isEmpty();
    }

    /** Frames past the last patch are never masked nor counted; a stride larger than the width leaves gaps. */
    @Test
    void areaIsThePatchCoveredArea() {
        SpecMask sm = new SpecMask(0.3, 0.5, 4, 4, 6, 0f);
        SpecMask.Plan p = sm.plan(23, 10, new SplittableRandom(3)); // patches at 0, 6, 12, 18 (width 4): 16 frames seen
        assertThat(p.area()).isEqualTo(16 * 10);
        for (int t : List.of(4, 5, 10, 11, 16, 17, 22)) {
            for (int f = 0; f < 10; f++) assertThat(p.cells()[t * 10 + f]).isFalse();
        }
        assertThat(sm.plan(3, 10, new SplittableRandom(3)).area()).as("shorter than a patch: one patch").isEqualTo(30);
    }

    @Test
    void fromConfigTakesTheTimeGridOfTheTokens() {
        ExperimentConfig cfg = ConfigLoader.load(null, null, List.of("augment.specmask_ratio=0.2", "augment.specmask_lambda=0.7",
                "augment.specmask_freq_height=200", "tokens.kind=fftp", "tokens.fftp_width=8", "tokens.fftp_stride=4"));
        SpecMask f = SpecMask.fromConfig(cfg, 128);
        assertThat(List.of(f.patchWidth(), f.patchStride(), f.freqHeight())).containsExactly(8, 4, 128);
        assertThat(f.ratio()).isEqualTo(0.2);
        assertThat(f.lambda()).isEqualTo(0.7);
        ExperimentConfig square = cfg.withTokens(new ExperimentConfig.Tokens(Choices.Tokens.SQUARE, List.of(16, 12), List.of(10, 6), 8, 4));
        SpecMask s = SpecMask.fromConfig(square, 128);
        assertThat(List.of(s.patchWidth(), s.patchStride())).containsExactly(12, 6);
        // built without the loader (a library caller's own record): the component still refuses bad values
        ExperimentConfig.Augment a = cfg.augment();
        ExperimentConfig whole = cfg.withAugment(new ExperimentConfig.Augment(0, 0, 1.0, 0.7, 200, 0, false, 0, 0));
        assertThatThrownBy(() -> SpecMask.fromConfig(whole, 128)).isInstanceOf(ConfigException.class).hasMessageContaining("specmask_ratio");
        ExperimentConfig negative = cfg.withAugment(new ExperimentConfig.Augment(0, 0, 0.2, -0.1, a.specmaskFreqHeight(), 0, false, 0, 0));
        assertThatThrownBy(() -> SpecMask.fromConfig(negative, 128)).isInstanceOf(ConfigException.class).hasMessageContaining("specmask_lambda");
        // and the loader refuses them first, with the key path
        assertThatThrownBy(() -> ConfigLoader.load(null, null, List.of("augment.specmask_ratio=1.5")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("'augment.specmask_ratio'");
    }

    static float[] filled(int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = -3f + i % 7;
        return x;
    }
}
