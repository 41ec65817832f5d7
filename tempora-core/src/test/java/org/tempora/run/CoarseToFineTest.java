package org.tempora.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tempora.config.ConfigLoader;
import org.tempora.config.ExperimentConfig;
import org.tempora.train.RunFiles;

/**
 * Coarse-to-fine end to end on the synthetic set: a 2-phase Fshift run and a pooling run train through the
 * phase transition (fewer tokens first, full resolution last, finite outputs, the learning-rate schedule and
 * optimiser restarted), record per-phase accounting, and resume across the phase boundary exactly.
 */
class CoarseToFineTest {
    @TempDir
    static Path tmp;

    static ExperimentConfig cfg(String phases, int epochs) {
        return cfg(phases, epochs, 40);
    }

    static ExperimentConfig cfg(String phases, int epochs, int clips) {
        ExperimentConfig c = ConfigLoader.load("demo", null, List.of(
                "data.synthetic.classes=4", "data.synthetic.clips_per_class=" + clips, "train.epochs=" + epochs,
                "backbone.dim=48", "backbone.depth=1", "backbone.heads=2", "train.batch_size=16",
                "train.schedule.warmup_steps=5", "augment.freqm=8", "augment.timem=8", "name=c2f"));
        return c.withTrain(c.train().withPhases(org.tempora.train.phases.PhaseSchedule.parseSpec(phases)));
    }

    static Experiment.Summary train(ExperimentConfig c, Path out, boolean resume, RunListener l) {
        return Experiment.train(c, new Experiment.Options(out, tmp.resolve("cache"), resume, !resume, 2), l);
    }

    /**
     * {@code train.init} in a composed run: the AST checkpoint (12×12 grid of 128 frames) is fitted first to the final
     * phase's input grid (100 frames before DiffRes: 12×9 patches), then to the grid the coarse phase's backbone sees
     * (50 frames at 20 ms, DiffRes to 25: 12×1). Fitting it to the final phase's backbone grid (after DiffRes, 12×4) or
     * to the coarse phase's own would give other notes, so this pins what {@code Experiment} passes as the full grid.
     */
    @Test
    void initInAComposedRunFitsTheCheckpointToTheFinalInputGridFirst() {
        ExperimentConfig base = cfg("fshift 2->1 @1", 2);
        ExperimentConfig c = ConfigLoader.load("demo", null, List.of(
                "data.synthetic.classes=4", "data.synthetic.clips_per_class=20", "train.epochs=2",
                "backbone.dim=64", "backbone.depth=2", "backbone.heads=4", "train.batch_size=16",
                "train.schedule.warmup_steps=5", "augment.freqm=8", "augment.timem=8", "name=c2f-diffres-init",
                "resolution.kind=diffres", "resolution.reduction=0.5", "resolution.channels=[avg]",
                "train.init=" + ModelInitTest.YG));
        c = c.withTrain(c.train().withPhases(base.train().phases()));
        List<String> stages = new java.util.ArrayList<>();
        train(c, tmp.resolve("diffres-c2f-init"), false, new RunListener() {
            @Override
            public void onStage(String message) {
                stages.add(message);
            }
        });
        assertThat(stages).anySatisfy(m -> assertThat(m).startsWith("initialised from ")
                .contains("v.pos_embed cut from 12 to 9 patch columns, then resampled from the full-resolution 12x9 grid to the 12x1 grid the backbone sees"));
    }

    @Test
    void fshiftTwoPhasesTransitionAndAccounting() throws IOException {
        Experiment.Summary s = train(cfg("fshift 2->1 @2", 5), tmp.resolve("fs"), false, new RunListener() {});
        JsonNode rows = RunFiles.JSON.readTree(s.run().metricsJson().toFile());
        assertThat(rows).hasSize(5);
        // phase 1: 2 epochs on 20 ms frames (50 frames → 12×4 = 48 patches + 2); phase 2: full resolution (12×9 + 2)
        for (int e = 0; e < 5; e++) {
            JsonNode r = rows.get(e);
            assertThat(r.get("epoch").asInt()).isEqualTo(e + 1);
            assertThat(r.get("phase").asInt()).isEqualTo(e < 2 ? 1 : 2);
            assertThat(r.get("tokens").asInt()).isEqualTo(e < 2 ? 50 : 110);
            assertThat(r.get("train_loss").asDouble()).isFinite();
            assertThat(r.get("valid_loss").asDouble()).isFinite();
        }
        // the optimiser and schedule restart: the first epoch of each phase has the warm-up learning rate of step 1..n
        assertThat(rows.get(2).get("lr").asDouble()).isEqualTo(rows.get(0).get("lr").asDouble());
        // phase 1 costs fewer FLOPs per epoch than phase 2
        assertThat(rows.get(0).get("train_flops").asDouble()).isLessThan(0.6 * rows.get(2).get("train_flops").asDouble());
        JsonNode run = RunFiles.JSON.readTree(s.run().runJson().toFile());
        assertThat(run.get("phases")).hasSize(2);
        assertThat(run.at("/phases/0/epochs").asInt()).isEqualTo(2);
        assertThat(run.at("/phases/1/epochs").asInt()).isEqualTo(3);
        assertThat(run.get("best_epoch").asInt()).isGreaterThanOrEqualTo(3); // only full-resolution epochs are eligible
        // the saved model is the full-resolution one and loads for inference
        try (ModelBundle m = ModelBundle.load(s.run().dir(), 2)) {
            assertThat(m.model.tokens()).isEqualTo(110);
        }
    }

    /**
     * Composition (ours): DiffRes at δ 0.5 inside both phases of an fshift 2→1 run. Phase 1 merges the 50 frames of the
     * 20 ms features to 25, phase 2 the 100 full-resolution frames to 50; the guide loss and activeness are logged in
     * both, the estimator is carried over, and the saved model is the full-resolution DiffRes model.
     */
    @Test
    void diffResComposesWithCoarseToFine() throws IOException {
        ExperimentConfig base = cfg("fshift 2->1 @2", 4);
        ExperimentConfig c = ConfigLoader.load("demo", null, List.of(
                "data.synthetic.classes=4", "data.synthetic.clips_per_class=40", "train.epochs=4",
                "backbone.dim=48", "backbone.depth=1", "backbone.heads=2", "train.batch_size=16",
                "train.schedule.warmup_steps=5", "augment.freqm=8", "augment.timem=8", "name=c2f-diffres",
                "resolution.kind=diffres", "resolution.reduction=0.5", "eval.explain_clips=2"));
        c = c.withTrain(c.train().withPhases(base.train().phases()));
        List<String> notes = new java.util.ArrayList<>();
        Experiment.Summary s = train(c, tmp.resolve("diffres-c2f"), false, new RunListener() {
            @Override
            public void onNote(String message) {
                notes.add(message);
            }
        });
        JsonNode rows = RunFiles.JSON.readTree(s.run().metricsJson().toFile());
        assertThat(rows).hasSize(4);
        for (int e = 0; e < 4; e++) {
            JsonNode r = rows.get(e);
            assertThat(r.get("phase").asInt()).isEqualTo(e < 2 ? 1 : 2);
            // 16×16 patches at stride 10 on 128 mel bins: 12 rows; 25 frames give 1 column, 50 give 4 (+ 2 prefix tokens)
            assertThat(r.get("tokens").asInt()).isEqualTo(e < 2 ? 14 : 50);
            assertThat(r.get("guide_loss").asDouble()).isFinite().isPositive();
            assertThat(r.get("eval_activeness").asDouble()).isBetween(0.0, 1.0);
        }
        // the transition names DiffRes's fixed table among what it rebuilt, so the stage went through it
        assertThat(notes).anySatisfy(n -> assertThat(n).startsWith("weights carried over: ").contains("resolution.pos_emb"));
        JsonNode run = RunFiles.JSON.readTree(s.run().runJson().toFile());
        assertThat(run.at("/phases/0/description").asText()).contains("50 frames, diffres δ 0.5 to 25");
        assertThat(run.at("/phases/1/description").asText()).contains("100 frames, diffres δ 0.5 to 50");
        assertThat(Experiment.explainFile(s.run(), 1)).exists();
        assertThat(Experiment.explainFile(s.run(), 4)).exists();
        try (ModelBundle m = ModelBundle.load(s.run().dir(), 2)) {
            assertThat(m.model.resolution()).isInstanceOf(org.tempora.resolution.DiffRes.class);
            assertThat(m.model.resolution().outputFrames()).isEqualTo(50);
            assertThat(m.model.tokens()).isEqualTo(50);
        }
    }

    @Test
    void scheduleAcrossPhasesContinuesOneScheduleAndOptimiser() throws IOException {
        ExperimentConfig reset = cfg("fshift 2->1 @2", 5);
        ExperimentConfig across = reset.withTrain(reset.train().withSchedule(reset.train().schedule().withAcrossPhases(true)));
        ExperimentConfig single = across.withTrain(across.train().withPhases(List.of()));
        List<String> notes = new java.util.ArrayList<>();
        RunListener noting = new RunListener() {
            @Override
            public void onNote(String message) {
                notes.add(message);
            }
        };
        JsonNode a = RunFiles.JSON.readTree(train(across, tmp.resolve("across"), false, noting).run().metricsJson().toFile());
        // the optimiser goes on from phase 1's 2 epochs × 6 steps (96 training clips, batch 16); only the resized
        // positional embedding starts afresh
        assertThat(notes).contains("optimiser continued (step 12); moments restart for [v.pos_embed]");
        JsonNode one = RunFiles.JSON.readTree(train(single, tmp.resolve("one"), false, new RunListener() {}).run().metricsJson().toFile());
        JsonNode r = RunFiles.JSON.readTree(train(reset, tmp.resolve("reset"), false, new RunListener() {}).run().metricsJson().toFile());
        assertThat(a).hasSize(5);
        assertThat(a.get(2).get("phase").asInt()).isEqualTo(2);
        // every epoch's learning rate (its last step's) is the single-phase run's at the same epoch: the 5-epoch cosine
        // runs on through the phase boundary, and the carried step count keeps warm-up to the start of the run
        for (int e = 0; e < 5; e++) assertThat(a.get(e).get("lr").asDouble()).as("epoch %d", e + 1).isEqualTo(one.get(e).get("lr").asDouble());
        // the paper's reset starts phase 2 on a fresh schedule (5 warm-up steps of 6): its first fine epoch ends at the
        // peak, as phase 1's first did, while the continued cosine has decayed below it
        assertThat(r.get(2).get("lr").asDouble()).isEqualTo(r.get(0).get("lr").asDouble()).isEqualTo(1e-3).isGreaterThan(a.get(2).get("lr").asDouble());
        // and phase 1 of the reset run decays over its own 2 epochs, to the cosine's floor at its end
        assertThat(r.get(1).get("lr").asDouble()).isLessThan(a.get(1).get("lr").asDouble());
    }

    @Test
    void scheduleAcrossPhasesResumesAcrossTheBoundaryExactly() throws IOException {
        ExperimentConfig c0 = cfg("fshift 2->1 @2", 4);
        ExperimentConfig c = c0.withTrain(c0.train().withSchedule(c0.train().schedule().withAcrossPhases(true)));
        Experiment.Summary full = train(c, tmp.resolve("au"), false, new RunListener() {});
        assertThatThrownBy(() -> train(c, tmp.resolve("ak"), false, killInPhase2())).hasMessage("killed");
        Experiment.Summary resumed = train(c, tmp.resolve("ak"), true, new RunListener() {});
        assertThat(EndToEndTest.history(resumed.run())).isEqualTo(EndToEndTest.history(full.run()));
    }

    /** Throws at the third step of phase 2's first epoch. */
    static RunListener killInPhase2() {
        return new RunListener() {
            boolean inPhase2;

            @Override
            public void onStep(int epoch, int step, double loss, double lr, double examplesPerSecond) {
                if (inPhase2 && step == 2) throw new IllegalStateException("killed");
            }

            @Override
            public void onStage(String message) {
                if (message.startsWith("phase 2/2")) inPhase2 = true;
            }
        };
    }

    @Test
    void comparisonWithABaselineReportsSavings() {
        ExperimentConfig twoPhase = cfg("fshift 2->1 @2", 4);
        ExperimentConfig base = twoPhase.withTrain(twoPhase.train().withPhases(List.of())).withEval(twoPhase.eval().withTestEachEpoch(true));
        Experiment.Summary b = train(base, tmp.resolve("base"), false, new RunListener() {});
        ExperimentConfig c = twoPhase.withEval(twoPhase.eval().withTestEachEpoch(true));
        Experiment.Summary r = train(c, tmp.resolve("c2f"), false, new RunListener() {});
        List<RunComparison.Row> rows = RunComparison.compare(b.run().dir(), List.of(r.run().dir()));
        assertThat(rows).hasSize(2);
        var v = rows.get(1).values();
        assertThat((Double) v.get("delta")).isEqualTo(r.test().top1() - b.test().top1(), org.assertj.core.data.Offset.offset(1e-12));
        assertThat((Integer) v.get("tokens")).isEqualTo(110);
        assertThat((Integer) v.get("epochs")).isEqualTo(4);
        // converge: best final-phase epoch; cost counted up to it, against the baseline's cost up to its best epoch
        assertThat((Boolean) v.get("converge_reached")).isTrue();
        assertThat((Integer) v.get("converge_epoch")).isBetween(3, 4);
        assertThat((Double) v.get("converge_flops_saved_pct")).isFinite();
        // the per-epoch test metric is recorded for the surpass rule
        assertThat(b.run().metricsJson()).content().contains("test_top1");
    }

    @Test
    void poolingAndPatchPhasesTrain() throws IOException {
        // a budget in which the synthetic set is learnt (EndToEndTest: > 0.6 after 12 full-resolution epochs): 2 coarse
        // epochs on avg-pooled input, then 8 at full resolution, must end well above chance (0.25) too
        Experiment.Summary avg = train(cfg("avgpool 2->1 @2", 10, 60), tmp.resolve("avg"), false, new RunListener() {});
        assertThat(avg.numbers().get("epochs_run")).isEqualTo(10);
        assertThat(avg.test().top1()).as("test top-1 after avgpool 2->1, 4 classes").isGreaterThan(0.6);
        Experiment.Summary patch = train(cfg("patch-pi 2->1 @1", 2), tmp.resolve("patch"), false, new RunListener() {});
        JsonNode rows = RunFiles.JSON.readTree(patch.run().metricsJson().toFile());
        // the patch method halves the time axis through a 2x longer patch: phase 1 has half the time patches
        assertThat(rows.get(0).get("phase").asInt()).isEqualTo(1);
        assertThat(rows.get(1).get("phase").asInt()).isEqualTo(2);
        assertThat(rows.get(0).get("tokens").asInt()).isLessThan(rows.get(1).get("tokens").asInt());
        assertThat(rows.get(1).get("train_loss").asDouble()).isFinite();
    }

    @Test
    void resumeAcrossThePhaseBoundaryEqualsUninterrupted() throws IOException {
        ExperimentConfig c = cfg("fshift 2->1 @2", 4);
        Experiment.Summary full = train(c, tmp.resolve("u"), false, new RunListener() {});
        assertThatThrownBy(() -> train(c, tmp.resolve("k"), false, killInPhase2())).hasMessage("killed");
        Experiment.Summary resumed = train(c, tmp.resolve("k"), true, new RunListener() {});
        assertThat(EndToEndTest.history(resumed.run())).isEqualTo(EndToEndTest.history(full.run()));
        assertThat(resumed.test().top1()).isEqualTo(full.test().top1());
    }
}
