package org.tempora.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tempora.InvalidInputException;
import org.tempora.TemporaException;
import org.tempora.audio.WavWriter;
import org.tempora.audio.Waveform;
import org.tempora.config.ConfigLoader;
import org.tempora.config.ExperimentConfig;
import org.tempora.data.Split;
import org.tempora.data.SyntheticDataset;
import org.tempora.train.RunFiles;

/**
 * Which splits a job needs, and what an empty one is: training needs the training and validation splits, and a
 * training split with no usable clip is bad input data (exit 3) naming the folder and the split, whether the folder
 * lists no clip or every clip was skipped as bad. Evaluation needs only the split it reads: a model is evaluated on
 * a folder that holds nothing but test (or validation) clips. Clips skipped at the feature stage are listed in
 * run.json with those the dataset reader skipped.
 */
class SplitsTest {
    @TempDir
    static Path tmp;

    static final List<String> WORDS = List.of("down", "up");

    /** A 1 s clip of one of two synthetic classes (clicks or a chirp), so a tiny model can tell the words apart. */
    static void clip(Path p, int word, int index) {
        float[] x = SyntheticDataset.generate(7, word == 0 ? 0 : 2, index, 1.0);
        WavWriter.write(p, new Waveform(x, SyntheticDataset.SAMPLE_RATE, p.toString()), WavWriter.Encoding.PCM_16);
    }

    static ExperimentConfig tiny(Path data, String... more) {
        List<String> o = new ArrayList<>(List.of("data.path='" + data + "'", "train.epochs=1", "features.target_frames=100",
                "backbone.dim=16", "backbone.depth=1", "backbone.heads=2", "train.batch_size=4", "augment.freqm=0", "augment.timem=0"));
        o.addAll(List.of(more));
        return ConfigLoader.load("demo", null, o);
    }

    static PreparedData prepare(ExperimentConfig cfg) {
        return PreparedData.prepare(cfg, tmp.resolve("cache"), 2, new RunListener() {});
    }

    /** folders layout: train/ with the given number of clips per word (0: empty class folders), valid/ with two each. */
    static Path folders(String name, int trainPerWord, boolean badTrain) throws IOException {
        Path root = tmp.resolve(name);
        for (int w = 0; w < WORDS.size(); w++) {
            Files.createDirectories(root.resolve("train").resolve(WORDS.get(w)));
            for (int i = 0; i < trainPerWord; i++) {
                Path p = root.resolve("train").resolve(WORDS.get(w)).resolve("t" + i + ".wav");
                if (badTrain) Files.writeString(p, "not audio at all");
                else clip(p, w, i);
            }
            for (int i = 0; i < 2; i++) clip(root.resolve("valid").resolve(WORDS.get(w)).resolve("v" + i + ".wav"), w, 100 + i);
        }
        return root;
    }

    @Test
    void aTrainingSplitWithoutClipsIsBadInputNamingTheFolder() throws IOException {
        Path root = folders("no-train", 0, false);
        assertThatThrownBy(() -> prepare(tiny(root)))
                .isInstanceOf(InvalidInputException.class)
                .hasMessage(root + ": the training split is empty")
                .satisfies(e -> assertThat(((TemporaException) e).exitCode()).isEqualTo(3));
    }

    @Test
    void aTrainingSplitWhoseClipsWereAllSkippedIsTheSameError() throws IOException {
        Path root = folders("bad-train", 2, true);
        assertThatThrownBy(() -> prepare(tiny(root, "data.skip_bad=true")))
                .isInstanceOf(InvalidInputException.class)
                .hasMessage(root + ": the training split is empty (all 4 of its clips were skipped as bad)")
                .satisfies(e -> assertThat(((TemporaException) e).exitCode()).isEqualTo(3));
        // without --skip-bad the first bad clip is named
        assertThatThrownBy(() -> prepare(tiny(root)))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageStartingWith(root.resolve("train/down/t0.wav") + ": not a WAV or FLAC file");
    }

    @Test
    void clipsSkippedAtTheFeatureStageAreListedInRunJson() throws IOException {
        Path root = folders("one-bad", 2, false);
        Path bad = root.resolve("train/up/t9.wav");
        Files.writeString(bad, "not audio at all");
        ExperimentConfig cfg = tiny(root, "data.skip_bad=true");
        PreparedData data = prepare(cfg);
        assertThat(data.features.get(Split.TRAIN).size()).isEqualTo(4);
        RunFiles run = new RunFiles(tmp.resolve("one-bad-run"));
        run.create();
        Experiment.writeRunJson(run, cfg, data, "training", Map.of());
        JsonNode skipped = RunFiles.JSON.readTree(run.runJson().toFile()).at("/data/skipped");
        assertThat(skipped.size()).isEqualTo(1);
        assertThat(skipped.get(0).asText()).startsWith(bad + ": not a WAV or FLAC file");
    }

    /**
     * Speech Commands layout whose lists name every clip: {@code test} puts them all in testing_list.txt; otherwise
     * the first two of each word are validation clips and the rest test clips. No clip is left for training.
     */
    static Path speechCommandsWithoutTrainClips(String name, boolean test) throws IOException {
        Path root = tmp.resolve(name);
        StringBuilder valid = new StringBuilder();
        StringBuilder testing = new StringBuilder();
        for (int w = 0; w < WORDS.size(); w++) {
            for (int i = 0; i < 4; i++) {
                String rel = WORDS.get(w) + "/s" + i + "_nohash_0.wav";
                clip(root.resolve(rel), w, 200 + i);
                (test || i >= 2 ? testing : valid).append(rel).append('\n');
            }
        }
        Files.writeString(root.resolve("validation_list.txt"), valid);
        Files.writeString(root.resolve("testing_list.txt"), testing);
        return root;
    }

    @Test
    void aModelIsEvaluatedOnAFolderHoldingOnlyTheSplitItReads() throws IOException {
        Path trainData = folders("words", 4, false);
        Path runDir = tmp.resolve("words-run");
        ExperimentConfig cfg = tiny(trainData, "data.train_fraction=0.75");   // a training-only setting must not matter
        Experiment.train(cfg, new Experiment.Options(runDir, tmp.resolve("cache"), false, true, 2), new RunListener() {});

        Path testOnly = speechCommandsWithoutTrainClips("sc-test-only", true);
        Path validAndTest = speechCommandsWithoutTrainClips("sc-valid-test", false);
        try (ModelBundle m = ModelBundle.load(runDir, 2)) {
            Experiment.EvalSummary t = Experiment.evaluate(m, testOnly.toString(), Split.TEST, tmp.resolve("cache"), 2, false, new RunListener() {});
            assertThat(t.examples()).isEqualTo(8);
            assertThat(t.split()).isEqualTo("test");
            assertThat(t.result().top1()).isBetween(0.0, 1.0);

            Experiment.EvalSummary v = Experiment.evaluate(m, validAndTest.toString(), Split.VALID, tmp.resolve("cache"), 2, false, new RunListener() {});
            assertThat(v.examples()).isEqualTo(4);
            assertThat(v.split()).isEqualTo("valid");

            // the split asked for is the one that must have clips
            assertThatThrownBy(() -> Experiment.evaluate(m, testOnly.toString(), Split.VALID, tmp.resolve("cache"), 2, false, new RunListener() {}))
                    .isInstanceOf(InvalidInputException.class)
                    .hasMessage(testOnly + ": the validation split is empty");
        }
    }
}
