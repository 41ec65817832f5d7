package org.tempora.train.phases;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.tempora.InvalidInputException;
import org.tempora.model.AstConfig;
import org.tempora.tokens.PatchGeometry;
import org.tempora.train.EpochRecord;
import org.tempora.train.phases.PhaseAccounting.Epoch;
import org.tempora.train.phases.PhaseAccounting.Report;

class PhaseAccountingTest {

    /**
     * Baseline: 4 epochs of 100 FLOPs / 10 s, metrics 0.50 0.60 0.70 0.65 → best epoch 3, cost 300 FLOPs / 30 s.
     * Run: phase 1 (coarse) 2 epochs of 25 FLOPs / 3 s; phase 2 epochs 3–6 of 100 FLOPs / 10 s, metrics 0.68 0.72
     * 0.75 0.74.
     */
    static List<Epoch> baseline() {
        return List.of(new Epoch(1, 1, 0.50, 10, 100), new Epoch(2, 1, 0.60, 10, 100), new Epoch(3, 1, 0.70, 10, 100),
                new Epoch(4, 1, 0.65, 10, 100));
    }

    static List<Epoch> run() {
        return List.of(new Epoch(1, 1, 0.40, 3, 25), new Epoch(2, 1, 0.50, 3, 25), new Epoch(3, 2, 0.68, 10, 100),
                new Epoch(4, 2, 0.72, 10, 100), new Epoch(5, 2, 0.75, 10, 100), new Epoch(6, 2, 0.74, 10, 100));
    }

    @Test
    void handComputedTwoPhaseExample() {
        Report r = PhaseAccounting.report(run(), baseline());
        assertThat(r.phases()).containsExactly(new PhaseAccounting.PhaseTotal(1, 2, 50, 6), new PhaseAccounting.PhaseTotal(2, 4, 400, 40));
        assertThat(r.total()).isEqualTo(new PhaseAccounting.PhaseTotal(0, 6, 450, 46));
        assertThat(r.baseline()).isEqualTo(new PhaseAccounting.Baseline(3, 0.70, 300, 30));

        // rule 1: epoch 4 (0.72 > 0.70) is the first final-phase epoch above the baseline: 50 + 200 FLOPs, 6 + 20 s
        var s = r.surpass();
        assertThat(s.reached()).isTrue();
        assertThat(s.stopEpoch()).isEqualTo(4);
        assertThat(s.flops()).isEqualTo(250);
        assertThat(s.seconds()).isEqualTo(26);
        assertThat(s.flopsSavingPct()).isCloseTo(100.0 / 6, within(1e-12)); // 1 − 250/300
        assertThat(s.timeSavingPct()).isCloseTo(40.0 / 3, within(1e-12));  // 1 − 26/30
        assertThat(s.metricDelta()).isCloseTo(0.02, within(1e-12));

        // rule 2: the best epoch is 5 (0.75), which costs more than the baseline's best: negative savings
        var c = r.converge();
        assertThat(c.stopEpoch()).isEqualTo(5);
        assertThat(c.flops()).isEqualTo(350);
        assertThat(c.flopsSavingPct()).isCloseTo(-100.0 / 6, within(1e-12));
        assertThat(c.timeSavingPct()).isCloseTo(-20.0, within(1e-12)); // 36 s vs 30 s
        assertThat(c.metricDelta()).isCloseTo(0.05, within(1e-12));
    }

    @Test
    void onlyTheFinalPhaseCanSurpassAndTiesDoNot() {
        // a coarse-phase epoch above the baseline does not count; an equal final metric does not surpass
        List<Epoch> run = List.of(new Epoch(1, 1, 0.90, 1, 10), new Epoch(2, 2, 0.70, 5, 50), new Epoch(3, 2, 0.71, 5, 50));
        var b = PhaseAccounting.baseline(baseline());
        var s = PhaseAccounting.surpass(run, b);
        assertThat(s.stopEpoch()).isEqualTo(3);
        assertThat(s.flops()).isEqualTo(110);
        // never surpassed
        var none = PhaseAccounting.surpass(List.of(new Epoch(1, 1, 0.3, 1, 1), new Epoch(2, 2, 0.7, 1, 1)), b);
        assertThat(none.reached()).isFalse();
        assertThat(none.flopsSavingPct()).isNaN();
        // convergence takes the first maximum of the final phase: a coarse-phase metric is not the delivered model
        assertThat(PhaseAccounting.converge(run, b).stopEpoch()).isEqualTo(3);
    }

    /**
     * Table-2 arithmetic with analytic FLOPs: a 20-epoch baseline best at epoch 20, against 5 epochs at half the tokens
     * then full resolution until epoch 5 + 9 surpasses it. Saving = 1 − (5·r + 9)/20 with r the per-epoch FLOPs ratio.
     */
    @Test
    void tableStyleSavingsFromAnalyticFlops() {
        AstConfig full = AstConfig.preset("tiny", PatchGeometry.square(128, 128, 16, 16, 16), 35);
        AstConfig coarse = full.withPatches(full.patches().withFrames(64));
        assertThat(full.patches().numPatches()).isEqualTo(64);
        assertThat(coarse.patches().numPatches()).isEqualTo(32);
        long examples = 1000;
        double ef = PhaseAccounting.epochFlops(full, examples);
        double ec = PhaseAccounting.epochFlops(coarse, examples);
        assertThat(ef).isEqualTo(3.0 * full.flops().total() * examples);
        double ratio = ec / ef;
        assertThat(ratio).isBetween(0.45, 0.55); // tokens halve; attention shrinks faster, the head not at all

        List<Epoch> base = new ArrayList<>();
        for (int e = 1; e <= 20; e++) base.add(new Epoch(e, 1, 0.40 + 0.005 * e, 60, ef));
        List<Epoch> run = new ArrayList<>();
        for (int e = 1; e <= 5; e++) run.add(new Epoch(e, 1, 0.30, 60 * ratio, ec));
        for (int e = 6; e <= 20; e++) run.add(new Epoch(e, 2, e == 14 ? 0.51 : 0.45, 60, ef));
        Report r = PhaseAccounting.report(run, base);
        assertThat(r.baseline().bestEpoch()).isEqualTo(20);
        assertThat(r.surpass().stopEpoch()).isEqualTo(14);
        double expected = 100 * (1 - (5 * ratio + 9) / 20);
        assertThat(r.surpass().flopsSavingPct()).isCloseTo(expected, within(1e-9));
        assertThat(r.surpass().timeSavingPct()).isCloseTo(expected, within(1e-9));
    }

    @Test
    void readsTrainerHistoriesAndRejectsBadOnes() {
        List<EpochRecord> recs = List.of(
                new EpochRecord(1, 1, 1.0, 1.0, 0.5, "top1", 1e-3, 12.0, 10, Map.of(PhaseAccounting.FLOPS_KEY, 7.0e9)),
                new EpochRecord(2, 2, 0.9, 0.9, 0.6, "top1", 1e-3, 20.0, 10, Map.of(PhaseAccounting.FLOPS_KEY, 2.0e10)));
        assertThat(PhaseAccounting.fromRecords(recs)).containsExactly(new Epoch(1, 1, 0.5, 12.0, 7.0e9), new Epoch(2, 2, 0.6, 20.0, 2.0e10));
        assertThatThrownBy(() -> PhaseAccounting.fromRecords(List.of(new EpochRecord(1, 1, 1, 1, 0.5, "top1", 0, 1, 1, Map.of()))))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("has no 'train_flops'");
        assertThatThrownBy(() -> PhaseAccounting.total(List.of(new Epoch(1, 2, 0, 1, 1), new Epoch(2, 1, 0, 1, 1))))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("phase goes back from 2 to 1");
        assertThatThrownBy(() -> PhaseAccounting.total(List.of(new Epoch(1, 1, 0, 1, 1), new Epoch(1, 1, 0, 1, 1))))
                .hasMessageContaining("appears twice");
        assertThatThrownBy(() -> PhaseAccounting.total(List.of(new Epoch(1, 1, 0, -1, 1)))).hasMessageContaining("invalid cost");
        assertThatThrownBy(() -> PhaseAccounting.baseline(List.of(new Epoch(1, 1, Double.NaN, 1, 1)))).hasMessageContaining("no epoch with a finite metric");
        assertThatThrownBy(() -> PhaseAccounting.total(List.of())).hasMessageContaining("no epochs");
    }
}
