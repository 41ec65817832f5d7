package org.tempora.train.phases;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.tempora.ConfigException;
import org.tempora.config.ExperimentConfig;
import org.tempora.tokens.Resize;
import org.tempora.train.phases.PhaseSchedule.Method;
import org.tempora.train.phases.PhaseSchedule.Phase;

class PhaseScheduleTest {

    static List<String> summary(PhaseSchedule s) {
        List<String> out = new ArrayList<>();
        for (Phase p : s.phases()) out.add(p.method().key() + "x" + p.factor() + ":" + p.epochs());
        return out;
    }

    @Test
    void compactTwoPhaseSchedules() {
        assertThat(summary(PhaseSchedule.parse("fshift 4->1 @25%", 20))).containsExactly("fshiftx4:5", "nonex1:15");
        assertThat(summary(PhaseSchedule.parse("avgpool 2->1 @5", 20))).containsExactly("avgpoolx2:5", "nonex1:15");
        // AudioSet-like: 25% of 5 epochs = 1.25 -> 1
        assertThat(summary(PhaseSchedule.parse("maxpool 2->1", 5))).containsExactly("maxpoolx2:1", "nonex1:4");
        assertThat(summary(PhaseSchedule.parse("maxpool 2->1", 20))).containsExactly("maxpoolx2:5", "nonex1:15");
        assertThat(summary(PhaseSchedule.parse("  FShift   8 → 1  @ 10 % ", 30))).containsExactly("fshiftx8:3", "nonex1:27");
    }

    @Test
    void compactThreePhaseSchedulesShareTheBudget() {
        // the paper's 3-phase ablation: 30% of 20 epochs, 3 epochs for each initial phase
        PhaseSchedule s = PhaseSchedule.parse("patch-pi 4->2->1 @30%", 20);
        assertThat(summary(s)).containsExactly("patchx4:3", "patchx2:3", "nonex1:14");
        assertThat(s.phase(0).kernelResize()).isEqualTo(Resize.KernelMethod.PI);
        PhaseSchedule bl = PhaseSchedule.parse("patch-bl 4→2→1 @30%", 20);
        assertThat(bl.phase(1).kernelResize()).isEqualTo(Resize.KernelMethod.BILINEAR);
        assertThat(PhaseSchedule.parse("patch 4->2->1", 20).phase(0).kernelResize()).isEqualTo(Resize.KernelMethod.PI);
        // default for several initial phases is 30%: 15% of 10 = 1.5 -> 2 each
        assertThat(summary(PhaseSchedule.parse("fshift 4->2->1", 10))).containsExactly("fshiftx4:2", "fshiftx2:2", "nonex1:6");
        // a shared epoch budget: the remainder goes to the earliest phase
        assertThat(summary(PhaseSchedule.parse("avgpool 4->2->1 @5", 20))).containsExactly("avgpoolx4:3", "avgpoolx2:2", "nonex1:15");
        // per-phase lengths, mixed units
        assertThat(summary(PhaseSchedule.parse("avgpool 4->2->1 @10%,4", 20))).containsExactly("avgpoolx4:2", "avgpoolx2:4", "nonex1:14");
    }

    @Test
    void explicitFinalLengthKeepsTheRestUnused() {
        PhaseSchedule s = PhaseSchedule.parse("fshift 4->2->1 @3,2,4", 20);
        assertThat(summary(s)).containsExactly("fshiftx4:3", "fshiftx2:2", "nonex1:4");
        assertThat(s.plannedEpochs()).isEqualTo(9);
        assertThat(s.finalPhaseEpochs(2)).isEqualTo(4);
        // a final phase without a length takes whatever the initial phases left (plateau switching may leave more)
        PhaseSchedule r = PhaseSchedule.parse("fshift 4->1 @8", 20);
        assertThat(r.finalPhaseEpochs(8)).isEqualTo(12);
        assertThat(r.finalPhaseEpochs(3)).isEqualTo(17);
    }

    @Test
    void plannedEndFollowsTheEpochsEarlierPhasesUsed() {
        // a final phase that takes the rest: the run ends at train.epochs, however long the coarse phases ran
        PhaseSchedule r = PhaseSchedule.parse("fshift 4->2->1 @5", 20);   // 3 + 2 + 15
        assertThat(r.plannedEnd(0, 0)).isEqualTo(20);
        assertThat(r.plannedEnd(1, 1)).isEqualTo(20);   // phase 1 stopped after 1 of its 3 epochs
        assertThat(r.plannedEnd(2, 3)).isEqualTo(20);
        // explicit lengths: the run ends after them, moved by what the earlier phases did not use
        PhaseSchedule s = PhaseSchedule.parse("fshift 4->2->1 @3,2,4", 20);
        assertThat(s.plannedEnd(0, 0)).isEqualTo(9);
        assertThat(s.plannedEnd(1, 1)).isEqualTo(7);
        assertThat(s.plannedEnd(2, 5)).isEqualTo(9);
        assertThat(PhaseSchedule.single(40).plannedEnd(0, 0)).isEqualTo(40);
    }

    @ParameterizedTest
    @CsvSource({"0.25, 20, 5", "0.25, 5, 1", "0.35, 10, 4", "0.125, 10, 1", "0.01, 10, 1", "0.15, 20, 3", "0.5, 3, 2", "1.0, 7, 7"})
    void fractionsRoundHalfUpWithAtLeastOneEpoch(double fraction, int total, int epochs) {
        assertThat(PhaseSchedule.epochsOf(fraction, total)).isEqualTo(epochs);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "''|empty phase schedule",
            "fshift|cannot read phase schedule",
            "fshift 4-1|cannot read phase schedule",
            "fshift 4|needs at least two factors",
            "blur 4->1|unknown phase method 'blur'",
            "fshift 2->4->1|must decrease, got 2 then 4",
            "fshift 4->4->1|must decrease, got 4 then 4",
            "fshift 4->2|must end at full resolution",
            "fshift 4->0|must be >= 1",
            "fshift 4->1 @2.5|epochs must be whole",
            "fshift 4->1 @150%|percentage in (0, 100]",
            "fshift 4->1 @abc|must be epochs (5) or a percentage",
            "fshift 4->1 @20|take 20 of the 20 epochs",
            "fshift 4->2->1 @1|cannot be shared by 2 initial phases",
            "fshift 4->2->1 @1,2,3,4|has 2 initial phase(s) but 4 lengths",
            "fshift 4->1 @15,10|phases take 25 epochs but train.epochs is 20"})
    void compactErrorsSayWhatIsWrong(String text, String message) {
        assertThatThrownBy(() -> PhaseSchedule.parse(text, 20)).isInstanceOf(ConfigException.class).hasMessageContaining(message);
    }

    static ExperimentConfig.Phase spec(String method, int factor, int epochs, double fraction) {
        return new ExperimentConfig.Phase(method, factor, epochs, fraction, "pi");
    }

    @Test
    void configListResolvesAndRoundTrips() {
        ExperimentConfig.Train t = ExperimentConfig.Train.DEFAULTS.withEpochs(20);
        assertThat(summary(PhaseSchedule.of(t))).containsExactly("nonex1:20");
        assertThat(PhaseSchedule.of(t).isMultiPhase()).isFalse();
        PhaseSchedule s = PhaseSchedule.of(t.withPhases(List.of(spec("fshift", 4, 0, 0.25), spec("fshift", 1, 0, 0))));
        assertThat(summary(s)).containsExactly("fshiftx4:5", "nonex1:15"); // factor 1 is full resolution whatever the method
        assertThat(s.phase(1).method()).isEqualTo(Method.NONE);
        assertThat(summary(PhaseSchedule.resolve(s.toConfig(), 20))).isEqualTo(summary(s));
        assertThat(s.firstEpoch(1)).isEqualTo(6);
        assertThat(s.phaseOfEpoch(5).index()).isEqualTo(0);
        assertThat(s.phaseOfEpoch(6).index()).isEqualTo(1);
        assertThat(s.describe()).isEqualTo("fshift 4→1: 5 + 15 epochs");
        // the spec keeps fractions, so it resolves against any train.epochs
        List<ExperimentConfig.Phase> fromText = PhaseSchedule.parseSpec("patch-bl 4->1 @25%");
        assertThat(fromText.get(0).fraction()).isEqualTo(0.25);
        assertThat(fromText.get(0).resize()).isEqualTo("bilinear");
        assertThat(summary(PhaseSchedule.resolve(fromText, 8))).containsExactly("patchx4:2", "nonex1:6");
    }

    @Test
    void configListErrors() {
        assertThatThrownBy(() -> PhaseSchedule.resolve(List.of(spec("fshift", 4, 0, 0), spec("none", 1, 0, 0)), 20))
                .isInstanceOf(ConfigException.class).hasMessageContaining("train.phases[0] (fshift ×4) needs a length");
        assertThatThrownBy(() -> PhaseSchedule.resolve(List.of(spec("fshift", 4, 3, 0.2), spec("none", 1, 0, 0)), 20))
                .hasMessageContaining("not both");
        assertThatThrownBy(() -> PhaseSchedule.resolve(List.of(spec("fshift", 4, 3, 0), spec("fshift", 2, 3, 0)), 20))
                .hasMessageContaining("the last phase must be at full resolution (factor 1), got 2");
        assertThatThrownBy(() -> PhaseSchedule.resolve(List.of(spec("none", 4, 3, 0), spec("none", 1, 0, 0)), 20))
                .hasMessageContaining("factor 4 needs a compression method");
        assertThatThrownBy(() -> PhaseSchedule.resolve(List.of(spec("fshift", 4, 3, 0), spec("none", 1, 0, 0)), 3))
                .hasMessageContaining("the initial phases take 3 of the 3 epochs");
        assertThatThrownBy(() -> PhaseSchedule.resolve(List.of(spec("fshift", 4, 3, 0)), 10))
                .hasMessageContaining("at least two phases");
        assertThatThrownBy(() -> PhaseSchedule.resolve(List.of(spec("wavelet", 4, 3, 0), spec("none", 1, 0, 0)), 10))
                .hasMessageContaining("unknown phase method 'wavelet'");
        ExperimentConfig.Phase bad = new ExperimentConfig.Phase("patch", 2, 3, 0, "nearest");
        assertThatThrownBy(() -> PhaseSchedule.resolve(List.of(bad, spec("none", 1, 0, 0)), 10))
                .hasMessageContaining("unknown patch-kernel resize 'nearest'");
        assertThatThrownBy(() -> PhaseSchedule.resolve(List.of(spec("avgpool", 2, 0, 1.5), spec("none", 1, 0, 0)), 10))
                .hasMessageContaining("fraction must be at most 1");
    }
}
