package org.tempora.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tempora.ConfigException;
import org.tempora.audio.WavWriter;
import org.tempora.audio.Waveform;
import org.tempora.config.ConfigLoader;
import org.tempora.config.ExperimentConfig;
import org.tempora.data.Split;
import org.tempora.data.SyntheticDataset;
import org.tempora.io.Npy;
import org.tempora.io.Npz;
import org.tempora.train.RunFiles;

/**
 * The whole pipeline on the synthetic set: train → eval → classify, seeded determinism, and resume after a
 * kill giving exactly the result of an uninterrupted run.
 */
class EndToEndTest {
    @TempDir
    static Path tmp;

    static ExperimentConfig small(int epochs) {
        return ConfigLoader.load("demo", null, List.of(
                "data.synthetic.classes=4", "data.synthetic.clips_per_class=60", "train.epochs=" + epochs,
                "backbone.dim=48", "backbone.depth=1", "backbone.heads=2", "train.batch_size=16",
                "train.schedule.warmup_steps=5", "augment.freqm=8", "augment.timem=8"));
    }

    static Experiment.Summary train(ExperimentConfig cfg, Path out, boolean resume, RunListener l) {
        return Experiment.train(cfg, new Experiment.Options(out, tmp.resolve("cache"), resume, !resume, 2), l);
    }

    @Test
    void trainEvaluateClassifyOnSyntheticData() throws IOException {
        Path out = tmp.resolve("e2e");
        Experiment.Summary s = train(small(12), out, false, new RunListener() {});
        assertThat(s.test().top1()).as("test accuracy, 4 classes (chance 0.25)").isGreaterThan(0.6);
        RunFiles run = s.run();
        // report.html is tempora-report's (ReportEndToEndTest); the library alone writes none
        assertThat(run.report()).doesNotExist();
        for (Path p : List.of(run.model(), run.modelJson(), run.runJson(), run.metricsCsv(), run.metricsJson(), run.config())) {
            assertThat(p).exists();
        }
        assertThat(Files.readAllLines(run.metricsCsv())).hasSize(13).first().asString().startsWith("epoch,phase,train_loss,valid_loss,valid_top1,lr");
        JsonNode j = RunFiles.JSON.readTree(run.runJson().toFile());
        assertThat(j.get("status").asText()).isEqualTo("finished");
        assertThat(j.at("/data/train_clips").asInt()).isEqualTo(144);
        assertThat(j.at("/test/top1").asDouble()).isEqualTo(s.test().top1());
        assertThat(j.get("selected").asText()).startsWith("best validation epoch");
        assertThat(j.get("final_valid_top1").asDouble()).as("the tested weights are the best epoch's").isEqualTo(j.get("best_valid_top1").asDouble());

        // the bundle records the front-end training ran and the provenance of the numbers
        JsonNode mj = RunFiles.JSON.readTree(run.modelJson().toFile());
        assertThat(mj.at("/front_end/num_mel_bins").asInt()).isEqualTo(mj.get("mel_bins").asInt());
        assertThat(mj.at("/front_end/target_frames").asInt()).isEqualTo(mj.get("frames").asInt());
        assertThat(mj.at("/front_end/window_type").asText()).isEqualTo("hanning");
        assertThat(mj.at("/front_end/channel").asText()).isEqualTo("0");
        assertThat(mj.at("/front_end/norm_mean").asDouble()).isEqualTo(mj.get("norm_mean").asDouble());
        assertThat(mj.at("/provenance/created").asText()).matches("\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}Z");
        assertThat(mj.at("/provenance/git/commit").asText()).matches("[0-9a-f]{40}|unknown");
        assertThat(mj.at("/provenance/runtime/engine_threads").asInt()).isEqualTo(2);
        assertThat(mj.at("/provenance/runtime/MKL_CBWR").asText()).isEqualTo(System.getenv("MKL_CBWR"));

        // eval on the saved model reproduces the test accuracy
        try (ModelBundle m = ModelBundle.load(out, 2)) {
            assertThat(m.frontEnd.describe().get("norm_mean")).as("the model normalises its own input").isNull();
            assertThat(m.frontEnd.fbank()).isEqualTo(org.tempora.features.FbankOptions.ast(16000).withNumMelBins(mj.get("mel_bins").asInt()));
            Experiment.EvalSummary e = Experiment.evaluate(m, null, Split.TEST, tmp.resolve("cache"), 2, false, new RunListener() {});
            assertThat(e.result().top1()).isEqualTo(s.test().top1());
            assertThat(e.examples()).isEqualTo(48);
            // classify: a 1 s clip and a 3.5 s clip (sliding windows with a timeline)
            Path one = tmp.resolve("one.wav");
            WavWriter.write(one, new Waveform(SyntheticDataset.generate(5, 1, 0, 1.0), 16000, "one"), WavWriter.Encoding.PCM_16);
            Inference.FileResult r1 = Inference.classify(m, one, 2, 0);
            assertThat(r1.top()).hasSize(2);
            assertThat(r1.top().get(0).score()).isGreaterThanOrEqualTo(r1.top().get(1).score());
            assertThat(r1.windows()).isEmpty();
            float[] longClip = new float[56000];
            System.arraycopy(SyntheticDataset.generate(5, 0, 0, 3.5), 0, longClip, 0, 56000);
            Path lf = tmp.resolve("long.wav");
            WavWriter.write(lf, new Waveform(longClip, 16000, "long"), WavWriter.Encoding.PCM_16);
            Inference.FileResult r2 = Inference.classify(m, lf, 3, 0);
            assertThat(r2.windows()).hasSizeGreaterThan(3);
            assertThat(r2.windows().get(0).startSeconds()).isEqualTo(0.0);
            assertThat(r2.windows().get(r2.windows().size() - 1).endSeconds()).isEqualTo(55920 / 16000.0); // end of the last whole frame
            double sum = r2.top().stream().mapToDouble(Inference.Label::score).sum();
            assertThat(sum).isLessThanOrEqualTo(1.0 + 1e-6);
            // classify streams its windows: exactly what the whole decoded file gives
            InferenceStreamingCheck.streamingWindowsScoreExactlyAsTheWholeFile(m, Files.createDirectories(tmp.resolve("classify")));
        }

        // a bundle written before model.json recorded its front-end (and provenance) still loads, with the front-end
        // its config describes, and scores exactly as before; a damaged front_end is named
        Path old = tmp.resolve("old-bundle");
        Files.createDirectories(old);
        Files.copy(run.model(), old.resolve("model.npz"));
        com.fasterxml.jackson.databind.node.ObjectNode legacy = (com.fasterxml.jackson.databind.node.ObjectNode) RunFiles.JSON.readTree(run.modelJson().toFile());
        legacy.remove("front_end");
        legacy.remove("provenance");
        RunFiles.JSON.writeValue(old.resolve("model.json").toFile(), legacy);
        Path one = tmp.resolve("one.wav");
        try (ModelBundle now = ModelBundle.load(out, 2); ModelBundle before = ModelBundle.load(old, 2)) {
            assertThat(before.frontEnd).isEqualTo(now.frontEnd);
            assertThat(Inference.classify(before, one, 3, 0).top()).isEqualTo(Inference.classify(now, one, 3, 0).top());
        }
        legacy.set("front_end", RunFiles.JSON.readTree("{\"num_mel_bins\": 128}"));
        RunFiles.JSON.writeValue(old.resolve("model.json").toFile(), legacy);
        assertThatThrownBy(() -> ModelBundle.load(old, 2)).isInstanceOf(org.tempora.InvalidInputException.class)
                .hasMessageContaining("model.json").hasMessageContaining("bad front_end: front_end.sample_frequency is missing");
    }

    @Test
    void sameSeedSameMetricsAndResumeAfterKillEqualsUninterrupted() throws IOException {
        ExperimentConfig cfg = small(4);
        Path a = tmp.resolve("a");
        Experiment.Summary full = train(cfg, a, false, new RunListener() {});
        Experiment.Summary again = train(cfg, tmp.resolve("b"), false, new RunListener() {});
        assertThat(again.test().top1()).isEqualTo(full.test().top1());
        assertThat(history(again.run())).isEqualTo(history(full.run()));

        // kill in the middle of epoch 3 (after the epoch-2 checkpoint), then resume
        Path c = tmp.resolve("c");
        RunListener killer = new RunListener() {
            @Override
            public void onStep(int epoch, int step, double loss, double lr, double examplesPerSecond) {
                if (epoch == 2 && step == 3) throw new IllegalStateException("killed");
            }
        };
        assertThatThrownBy(() -> train(cfg, c, false, killer)).hasMessage("killed");
        assertThat(RunFiles.JSON.readTree(new RunFiles(c).lastState().toFile()).get("epochs_done").asInt()).isEqualTo(2);
        assertThat(new RunFiles(c).model()).doesNotExist();
        try (var files = Files.walk(c)) {
            assertThat(files.filter(p -> p.getFileName().toString().endsWith(".tmp")).count()).isZero();
        }
        Experiment.Summary resumed = train(cfg, c, true, new RunListener() {});
        assertThat(resumed.test().top1()).isEqualTo(full.test().top1());
        assertThat(history(resumed.run())).isEqualTo(history(full.run()));
        var wFull = Npz.read(full.run().model());
        var wRes = Npz.read(resumed.run().model());
        for (var e : wFull.entrySet()) {
            Npy.Array r = wRes.get(e.getKey());
            assertThat(r.f32()).as(e.getKey()).containsExactly(e.getValue().f32());
        }
    }

    @Test
    void weightAveragingTestsTheMeanOfTheKeptEpochsAndRecordsItsValidationScore() throws IOException {
        List<String> sets = new java.util.ArrayList<>(List.of(
                "data.synthetic.classes=4", "data.synthetic.clips_per_class=60", "train.epochs=4",
                "backbone.dim=48", "backbone.depth=1", "backbone.heads=2", "train.batch_size=16",
                "train.schedule.warmup_steps=5", "augment.freqm=8", "augment.timem=8", "train.weight_average=[2, 4]"));
        Experiment.Summary s = train(ConfigLoader.load("demo", null, sets), tmp.resolve("wa"), false, new RunListener() {});
        RunFiles run = s.run();
        assertThat(run.epochModel(1)).doesNotExist();
        List<Map<String, Npy.Array>> kept = new java.util.ArrayList<>();
        for (int e = 2; e <= 4; e++) kept.add(Npz.read(run.epochModel(e)));
        var tested = Npz.read(run.model());
        for (var e : tested.entrySet()) {
            if (e.getValue().floats() == null) continue;
            float[] w = e.getValue().f32();
            for (int i = 0; i < w.length; i++) {
                double mean = 0;
                for (var k : kept) mean += k.get(e.getKey()).f32()[i];
                assertThat(w[i]).as(e.getKey() + "[" + i + "]").isEqualTo((float) (mean / 3));
            }
        }
        JsonNode j = RunFiles.JSON.readTree(run.runJson().toFile());
        assertThat(j.get("selected").asText()).isEqualTo("weight average of epochs 2-4 (3 checkpoints)");
        // the averaged weights' own validation score: one of 48 clips, logged by no epoch
        double finalValid = j.get("final_valid_top1").asDouble();
        assertThat(finalValid * 48).isCloseTo(Math.rint(finalValid * 48), org.assertj.core.data.Offset.offset(1e-9));
        try (ModelBundle m = ModelBundle.load(run.dir(), 2)) {
            Experiment.EvalSummary v = Experiment.evaluate(m, null, Split.VALID, tmp.resolve("cache"), 2, false, new RunListener() {});
            assertThat(v.result().top1()).isEqualTo(finalValid);
        }
    }

    @Test
    void anExistingRunIsAUsageErrorWithoutResumeOrOverwrite() {
        ExperimentConfig cfg = small(1);
        Path d = tmp.resolve("once");
        train(cfg, d, false, new RunListener() {});
        assertThatThrownBy(() -> Experiment.train(cfg, new Experiment.Options(d, tmp.resolve("cache"), false, false, 2), new RunListener() {}))
                .isInstanceOf(ConfigException.class).hasMessageContaining("already holds a run");
    }

    /** Losses and metrics per epoch (times excluded). */
    static List<String> history(RunFiles run) throws IOException {
        JsonNode rows = RunFiles.JSON.readTree(run.metricsJson().toFile());
        List<String> out = new java.util.ArrayList<>();
        for (JsonNode r : rows) out.add(r.get("epoch") + " " + r.get("train_loss") + " " + r.get("valid_loss") + " " + r.get("valid_top1") + " " + r.get("lr"));
        return out;
    }

}
