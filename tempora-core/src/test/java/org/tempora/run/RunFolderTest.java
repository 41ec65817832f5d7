package org.tempora.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tempora.BusyException;
import org.tempora.ConfigException;
import org.tempora.Stop;
import org.tempora.TemporaException;
import org.tempora.config.ConfigLoader;
import org.tempora.config.ExperimentConfig;
import org.tempora.io.AtomicFiles;
import org.tempora.io.FolderLock;
import org.tempora.io.Npy;
import org.tempora.io.Npz;
import org.tempora.train.RunFiles;

/**
 * Issue #12's run-folder guarantees, each reproduced first: a folder that is not a run is refused, --overwrite
 * removes only what the run wrote, one writer per folder, no temporary file outlives a kill, a stop mid-epoch resumes
 * bit-identically, a run stopped before its first checkpoint resumes, and a changed config is refused on resume.
 */
class RunFolderTest {
    @TempDir
    Path tmp;

    @AfterEach
    void noStopLeftBehind() {
        Stop.clear();
    }

    static ExperimentConfig tiny(int epochs, String... more) {
        List<String> sets = new java.util.ArrayList<>(List.of(
                "data.synthetic.classes=3", "data.synthetic.clips_per_class=16", "train.epochs=" + epochs,
                "backbone.dim=16", "backbone.depth=1", "backbone.heads=2", "train.batch_size=8",
                "train.schedule.warmup_steps=2", "augment.freqm=8", "augment.timem=8"));
        sets.addAll(List.of(more));
        return ConfigLoader.load("demo", null, sets);
    }

    Experiment.Summary train(ExperimentConfig cfg, Path out, boolean resume, boolean overwrite, RunListener l) {
        return Experiment.train(cfg, new Experiment.Options(out, tmp.resolve("cache"), resume, overwrite, 2), l);
    }

    @Test
    void aFolderThatIsNotARunIsRefusedAndOverwriteRemovesOnlyWhatTheRunWrote() throws IOException {
        Path d = tmp.resolve("D");
        Files.createDirectories(d.resolve("mydocs"));
        Files.writeString(d.resolve("notes.txt"), "x");
        assertThatThrownBy(() -> train(tiny(1), d, false, true, new RunListener() {})).isInstanceOf(ConfigException.class)
                .hasMessage("run folder " + d + " is not empty and holds no tempora run (mydocs/, notes.txt); choose a new or empty folder");
        try (Stream<Path> s = Files.list(d)) {
            assertThat(s.map(p -> p.getFileName().toString()).toList()).as("nothing added").containsExactlyInAnyOrder("mydocs", "notes.txt");
        }

        Path e = tmp.resolve("E");
        train(tiny(1), e, false, false, new RunListener() {});
        Set<String> written = new RunFiles(e).tracked();
        assertThat(written).contains("config.yaml", "run.json", "model.npz", "model.json", "checkpoints/last.json", "checkpoints/best.npz");
        Files.createDirectories(e.resolve("mine"));
        Files.writeString(e.resolve("mine.txt"), "keep");
        Files.writeString(e.resolve("checkpoints/my-notes.txt"), "keep too");
        assertThatThrownBy(() -> train(tiny(1), e, false, false, new RunListener() {})).isInstanceOf(ConfigException.class)
                .hasMessageContaining("already holds a run");
        train(tiny(1, "seed=5"), e, false, true, new RunListener() {});
        assertThat(e.resolve("mine.txt")).hasContent("keep");
        assertThat(e.resolve("mine")).isDirectory();
        assertThat(e.resolve("checkpoints/my-notes.txt")).hasContent("keep too");
        assertThat(ConfigLoader.fromYaml(Files.readString(e.resolve("config.yaml")), "x").seed()).isEqualTo(5);
        assertThat(Files.readString(e.resolve(RunFiles.MANIFEST))).doesNotContain("mine");

        // files are created as any program's are (the umask decides), not 0600
        Path probe = Files.createFile(tmp.resolve("probe"));
        Set<PosixFilePermission> expected = Files.getPosixFilePermissions(probe);
        for (String f : List.of("config.yaml", "run.json", "model.npz", "checkpoints/last.json")) {
            assertThat(Files.getPosixFilePermissions(e.resolve(f))).as(f).isEqualTo(expected);
        }
    }

    @Test
    void crossValidationFoldsAreSubRunsOfTheirFolder() throws IOException {
        Path d = tmp.resolve("cv");
        Experiment.Options o = new Experiment.Options(d, tmp.resolve("cache"), false, false, 2);
        var cv = Experiment.crossValidate(tiny(1), List.of(1, 2), o, new RunListener() {}, (f, s) -> { });
        assertThat(cv.get("folds")).isEqualTo(List.of(1, 2));
        assertThat(d.resolve("fold1/model.npz")).exists();
        assertThat(d.resolve("cv.json")).exists();
        assertThat(new RunFiles(d).tracked()).contains("fold1/", "fold2/", "cv.json");
        assertThatThrownBy(() -> Experiment.crossValidate(tiny(1), List.of(1, 2), o, new RunListener() {}, (f, s) -> { }))
                .isInstanceOf(ConfigException.class).hasMessageContaining("already holds a run");
        Files.writeString(d.resolve("fold1/mine.txt"), "keep");
        new RunFiles(d).open(false, true).close();   // what --overwrite does first: the folds go, through their own lists
        assertThat(d.resolve("fold1/mine.txt")).hasContent("keep");
        assertThat(d.resolve("fold1/model.npz")).doesNotExist();
        assertThat(d.resolve("fold2")).doesNotExist();
        assertThat(d.resolve("cv.json")).doesNotExist();
    }

    @Test
    void aSecondWriterOfARunFolderOrCacheEntryIsTurnedAway() throws IOException {
        Path d = tmp.resolve("busy");
        try (FolderLock held = FolderLock.acquire(d, "run folder " + d)) {
            assertThatThrownBy(() -> train(tiny(1), d, false, false, new RunListener() {})).isInstanceOf(BusyException.class)
                    .hasMessageStartingWith("run folder " + d + " is in use by another tempora process (pid " + ProcessHandle.current().pid() + ")")
                    .satisfies(x -> assertThat(((TemporaException) x).exitCode()).isEqualTo(2));
        }
        // the cache: lock every entry folder a first run made, then ask for features nobody has computed yet
        train(tiny(1), d, false, false, new RunListener() {});
        ExperimentConfig other = tiny(1, "features.mel_bins=64");
        Path cache = tmp.resolve("cache");
        List<Path> before;
        try (Stream<Path> s = Files.list(cache)) {
            before = s.toList();
        }
        String key = org.tempora.data.FeatureCache.key(
                org.tempora.data.DatasetLoader.load(other.data(), other.seed()).split(org.tempora.data.Split.TRAIN),
                PreparedData.frontEnd(other.features()));
        assertThat(before).doesNotContain(cache.resolve(key));
        try (FolderLock held = FolderLock.acquire(cache.resolve(key), "x")) {
            assertThatThrownBy(() -> train(other, tmp.resolve("second"), false, false, new RunListener() {}))
                    .isInstanceOf(BusyException.class).hasMessageStartingWith("feature cache entry " + cache.resolve(key) + " is in use");
        }
    }

    @Test
    void aStopMidEpochCheckpointsAndTheResumedRunIsBitIdentical() throws IOException {
        ExperimentConfig cfg = tiny(3);
        Experiment.Summary full = train(cfg, tmp.resolve("full"), false, false, new RunListener() {});

        Path c = tmp.resolve("stopped");
        RunListener signal = new RunListener() {
            @Override
            public void onStep(int epoch, int step, double loss, double lr, double examplesPerSecond) {
                if (epoch == 1 && step == 2) Stop.request("TERM", 143);
            }
        };
        assertThatThrownBy(() -> train(cfg, c, false, false, signal)).isInstanceOf(Stop.StoppedException.class)
                .hasMessage("stopped by SIGTERM in epoch 2 after step 3 of 4; checkpoint written: continue with --resume")
                .satisfies(x -> assertThat(((TemporaException) x).exitCode()).isEqualTo(143));
        Stop.clear();
        var state = RunFiles.JSON.readTree(new RunFiles(c).lastState().toFile());
        assertThat(state.get("epochs_done").asInt()).isEqualTo(1);
        assertThat(state.get("epoch_progress").get("steps").asInt()).isEqualTo(3);
        assertThat(noTemporaries(c)).isTrue();
        try (Stream<Path> s = Files.list(c.resolve("checkpoints"))) {
            assertThat(s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("ckpt-")).toList())
                    .as("only the committed checkpoint's files").containsExactlyInAnyOrder(
                            state.get("model").asText(), state.get("optimizer").asText());
        }

        Experiment.Summary resumed = train(cfg, c, true, false, new RunListener() {});
        sameRun(full, resumed);
    }

    @Test
    void theConvergenceRuleStopsAResumedRunAtTheSameEpochBitForBit() throws IOException {
        // min_delta 0.9: no epoch after the first can improve, so the rule is met after epoch 1 + patience = 3 of 6
        ExperimentConfig cfg = tiny(6, "train.stop_rule=plateau", "train.stop_patience=2", "train.stop_min_delta=0.9");
        Experiment.Summary full = train(cfg, tmp.resolve("full"), false, false, new RunListener() {});
        assertThat(EndToEndTest.history(full.run())).hasSize(3);
        var stop = RunFiles.JSON.readTree(full.run().runJson().toFile()).get("stop");
        assertThat(stop.get("rule").asText()).isEqualTo("plateau");
        assertThat(stop.get("converged").asBoolean()).isTrue();
        assertThat(stop.get("final_phase_epochs").asInt()).isEqualTo(3);
        assertThat(full.numbers().get("selected")).isEqualTo("best validation epoch (" + full.numbers().get("best_epoch") + ")");

        // stopped in epoch 2: the resumed rule must count epoch 1 (unprimed, it would stop after epoch 4)
        Path c = tmp.resolve("stopped");
        RunListener signal = new RunListener() {
            @Override
            public void onStep(int epoch, int step, double loss, double lr, double examplesPerSecond) {
                if (epoch == 1 && step == 1) Stop.request("TERM", 143);
            }
        };
        assertThatThrownBy(() -> train(cfg, c, false, false, signal)).isInstanceOf(Stop.StoppedException.class);
        Stop.clear();
        Experiment.Summary resumed = train(cfg, c, true, false, new RunListener() {});
        sameRun(full, resumed);
        assertThat(RunFiles.JSON.readTree(resumed.run().runJson().toFile()).get("stop")).isEqualTo(stop);
    }

    @Test
    void theConvergenceRuleIsNotActedOnBeforeStopMinEpochs() throws IOException {
        // the same plateau from epoch 3 on, but the rule may only stop the run from its epoch 5 (of 6)
        ExperimentConfig cfg = tiny(6, "train.stop_rule=plateau", "train.stop_patience=2", "train.stop_min_delta=0.9",
                "train.stop_min_epochs=5");
        Experiment.Summary run = train(cfg, tmp.resolve("floor"), false, false, new RunListener() {});
        assertThat(EndToEndTest.history(run.run())).hasSize(5);
        var stop = RunFiles.JSON.readTree(run.run().runJson().toFile()).get("stop");
        assertThat(stop.get("min_epochs").asInt()).isEqualTo(5);
        assertThat(stop.get("converged").asBoolean()).isTrue();
        assertThat(stop.get("final_phase_epochs").asInt()).isEqualTo(5);
    }

    @Test
    void aRunStoppedBeforeItsFirstCheckpointResumesFromTheStart() throws IOException {
        ExperimentConfig cfg = tiny(2);
        Experiment.Summary full = train(cfg, tmp.resolve("full"), false, false, new RunListener() {});
        Path c = tmp.resolve("early");
        RunListener stopWhileFeaturising = new RunListener() {
            @Override
            public void onProgress(int done, int total) {
                if (done == 2) Stop.request("INT", 130);
            }
        };
        Path ownCache = tmp.resolve("cache-early");   // not the first run's cache: the features must be computed
        assertThatThrownBy(() -> Experiment.train(cfg, new Experiment.Options(c, ownCache, false, false, 2), stopWhileFeaturising))
                .isInstanceOf(Stop.StoppedException.class)
                .hasMessageStartingWith("stopped by SIGINT while computing features")
                .satisfies(x -> assertThat(((TemporaException) x).exitCode()).isEqualTo(130));
        Stop.clear();
        assertThat(new RunFiles(c).lastState()).doesNotExist();
        assertThat(noTemporaries(ownCache)).isTrue();
        Experiment.Summary resumed = Experiment.train(cfg, new Experiment.Options(c, ownCache, true, false, 2), new RunListener() {});
        sameRun(full, resumed);
    }

    @Test
    void aStopDuringTheFinalEvaluationResumesToTheSameResult() throws IOException {
        ExperimentConfig cfg = tiny(2);
        Experiment.Summary full = train(cfg, tmp.resolve("full"), false, false, new RunListener() {});
        Path c = tmp.resolve("eval");
        RunListener stopAtEvaluation = new RunListener() {
            @Override
            public void onStage(String message) {
                if (message.startsWith("evaluating")) Stop.request("TERM", 143);
            }
        };
        assertThatThrownBy(() -> train(cfg, c, false, false, stopAtEvaluation)).isInstanceOf(Stop.StoppedException.class)
                .hasMessage("stopped by SIGTERM during evaluation");
        Stop.clear();
        assertThat(RunFiles.JSON.readTree(new RunFiles(c).lastState().toFile()).get("phase_finished").asBoolean()).isTrue();
        assertThat(new RunFiles(c).modelJson()).doesNotExist();
        Experiment.Summary resumed = train(cfg, c, true, false, new RunListener() {});
        assertThat(resumed.test().asMap()).isEqualTo(full.test().asMap());
        sameRun(full, resumed);
    }

    @Test
    void resumeRefusesAnotherConfigButNotAnotherThreadCount() throws IOException {
        Path d = tmp.resolve("r");
        train(tiny(1), d, false, false, new RunListener() {});
        assertThatThrownBy(() -> train(tiny(1, "train.lr=2e-3", "augment.timem=4"), d, true, false, new RunListener() {}))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("--resume: the config differs from the one " + d + " was started with: ")
                .hasMessageContaining("train.lr: 0.001 → 0.002").hasMessageContaining("augment.timem: 8 → 4")
                .hasMessageContaining("only name, train.data_threads, train.threads may change");
        // a finished run resumed with another thread count just completes again
        Experiment.Summary again = train(tiny(1, "train.threads=1"), d, true, false, new RunListener() {});
        assertThat(again.run().model()).exists();
    }

    @Test
    void temporaryFilesAKilledWriterLeftAreRemovedButNoOtherFile() throws IOException {
        Path d = tmp.resolve("k");
        train(tiny(1), d, false, false, new RunListener() {});
        Path staleNew = d.resolve(".config.yaml.0123456789abcdef.tmp");
        Path staleOld = d.resolve("checkpoints/.last.npz.8812734.tmp");
        Path user = d.resolve(".my.notes.tmp");
        for (Path p : List.of(staleNew, staleOld, user)) Files.writeString(p, "x");
        assertThat(AtomicFiles.isTemp(staleNew)).isTrue();
        assertThat(AtomicFiles.isTemp(user)).isFalse();
        train(tiny(1), d, true, false, new RunListener() {});
        assertThat(staleNew).doesNotExist();
        assertThat(staleOld).doesNotExist();
        assertThat(user).hasContent("x");
    }

    static boolean noTemporaries(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.noneMatch(AtomicFiles::isTemp);
        }
    }

    /** The same learning curve, test metrics and final weights, bit for bit. */
    static void sameRun(Experiment.Summary full, Experiment.Summary resumed) throws IOException {
        assertThat(EndToEndTest.history(resumed.run())).isEqualTo(EndToEndTest.history(full.run()));
        assertThat(resumed.test().asMap()).isEqualTo(full.test().asMap());
        sameWeights(full.run().model(), resumed.run().model());
    }

    static void sameWeights(Path a, Path b) throws IOException {
        var wa = Npz.read(a);
        var wb = Npz.read(b);
        assertThat(wb.keySet()).isEqualTo(wa.keySet());
        for (var e : wa.entrySet()) {
            Npy.Array r = wb.get(e.getKey());
            assertThat(r.f32()).as(e.getKey()).containsExactly(e.getValue().f32());
        }
    }
}
