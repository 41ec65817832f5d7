package org.tempora.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tempora.ConfigException;
import org.tempora.InvalidInputException;
import org.tempora.audio.WavWriter;
import org.tempora.audio.Waveform;
import org.tempora.config.ConfigLoader;
import org.tempora.config.ExperimentConfig;

/** Every dataset layout read from a small generated folder; bad entries named, or skipped and listed. */
class DatasetLoaderTest {
    @TempDir
    Path dir;

    static void wav(Path p, double seconds) {
        int n = (int) (seconds * 16000);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) (0.1 * Math.sin(i * 0.03 * (1 + p.hashCode() % 7)));
        try {
            Files.createDirectories(p.getParent());
        } catch (IOException e) {
            throw new RuntimeException(e);
        }
        WavWriter.write(p, new Waveform(x, 16000, p.toString()), WavWriter.Encoding.PCM_16);
    }

    static ExperimentConfig.Data data(Path p) {
        return ExperimentConfig.Data.DEFAULTS.withPath(p.toString());
    }

    /** The data section of a config with {@code data.path} = p and the given {@code data.*} overrides. */
    static ExperimentConfig.Data data(Path p, String... overrides) {
        List<String> all = new java.util.ArrayList<>(List.of("data.path='" + p + "'"));
        for (String o : overrides) all.add("data." + o);
        return ConfigLoader.load(null, null, all).data();
    }

    /** Speech Commands: 12 words × 6 speakers; lists put speaker s4 in valid and s5 in test. */
    Path speechCommands() throws IOException {
        Path root = dir.resolve("sc");
        List<String> words = List.of("yes", "no", "up", "down", "left", "right", "on", "off", "stop", "go", "bed", "cat");
        StringBuilder valid = new StringBuilder();
        StringBuilder test = new StringBuilder();
        for (String w : words) {
            for (int s = 0; s < 6; s++) {
                String rel = w + "/s" + s + "_nohash_0.wav";
                wav(root.resolve(rel), 1.0);
                if (s == 4) valid.append(rel).append('\n');
                if (s == 5) test.append(rel).append('\n');
            }
        }
        Files.writeString(root.resolve("validation_list.txt"), valid);
        Files.writeString(root.resolve("testing_list.txt"), test);
        wav(root.resolve("_background_noise_/white_noise.wav"), 30.0);
        return root;
    }

    @Test
    void speechCommands35WordMode() throws IOException {
        Path root = speechCommands();
        assertThat(DatasetLoader.detect(root)).isEqualTo("speechcommands");
        Dataset ds = DatasetLoader.load(data(root), 0);
        assertThat(ds.classes()).hasSize(12).startsWith("bed", "cat", "down");
        assertThat(ds.split(Split.TRAIN)).hasSize(48);
        assertThat(ds.split(Split.VALID)).hasSize(12);
        assertThat(ds.split(Split.TEST)).hasSize(12);
        assertThat(ds.noise()).hasSize(1);
        Clip c = ds.split(Split.VALID).get(0);
        assertThat(c.id()).isEqualTo("bed/s4_nohash_0.wav");
        assertThat(ds.classes().get(c.label())).isEqualTo("bed");
    }

    @Test
    void speechCommands12ClassModeCutsSilenceAndSamplesUnknown() throws IOException {
        Path root = speechCommands();
        ExperimentConfig.Data d = data(root, "speechcommands_classes=12");
        Dataset ds = DatasetLoader.load(d, 0);
        assertThat(ds.classes()).containsExactly("yes", "no", "up", "down", "left", "right", "on", "off", "stop", "go", "_unknown_", "_silence_");
        // train: 40 target clips; 10 % = 4 unknown (of 8 available) and 4 silence
        List<Clip> train = ds.split(Split.TRAIN);
        assertThat(train).hasSize(48);
        assertThat(train.stream().filter(c -> c.label() == 10).count()).isEqualTo(4);
        assertThat(train.stream().filter(c -> c.label() == 11).count()).isEqualTo(4);
        // silence clips are 1 s segments from disjoint regions per split
        Clip silence = train.stream().filter(c -> c.label() == 11).findFirst().orElseThrow();
        assertThat(silence.audio().load().length()).isEqualTo(16000);
        long trainMax = offsets(ds.split(Split.TRAIN)).max().orElseThrow();
        long testMin = offsets(ds.split(Split.TEST)).min().orElseThrow();
        assertThat(trainMax + 16000).isLessThanOrEqualTo((long) (30 * 16000 * 0.8));
        assertThat(testMin).isGreaterThanOrEqualTo((long) (30 * 16000 * 0.9));
        // deterministic for a seed
        assertThat(DatasetLoader.load(d, 0).split(Split.TRAIN).stream().map(Clip::id).toList())
                .isEqualTo(train.stream().map(Clip::id).toList());
    }

    private static java.util.stream.LongStream offsets(List<Clip> clips) {
        return clips.stream().filter(c -> c.label() == 11).mapToLong(c -> ((FileAudio) c.audio()).offset());
    }

    @Test
    void speechCommandsListedFileMissingIsNamedOrSkipped() throws IOException {
        Path root = speechCommands();
        Files.writeString(root.resolve("testing_list.txt"), "yes/ghost_nohash_0.wav\n", java.nio.file.StandardOpenOption.APPEND);
        assertThatThrownBy(() -> DatasetLoader.load(data(root), 0)).isInstanceOf(InvalidInputException.class)
                .hasMessage(root.resolve("yes/ghost_nohash_0.wav") + ": listed in a split list but missing (use --skip-bad to skip such entries)");
        ExperimentConfig.Data d = data(root).withSkipBad(true);
        Dataset ds = DatasetLoader.load(d, 0);
        assertThat(ds.skipped()).containsExactly(root.resolve("yes/ghost_nohash_0.wav") + ": listed in a split list but missing");
    }

    Path esc50() throws IOException {
        Path root = dir.resolve("esc");
        StringBuilder csv = new StringBuilder("filename,fold,target,category,esc10,src_file,take\n");
        String[] cats = {"dog", "rain", "clock"};
        for (int fold = 1; fold <= 5; fold++) {
            for (int t = 0; t < 3; t++) {
                String f = fold + "-" + (100 + t) + "-A-" + t + ".wav";
                wav(root.resolve("audio").resolve(f), 0.5);
                csv.append(f).append(',').append(fold).append(',').append(t).append(",\"").append(cats[t]).append("\",False,x,A\n");
            }
        }
        Files.createDirectories(root.resolve("meta"));
        Files.writeString(root.resolve("meta/esc50.csv"), csv);
        return root;
    }

    @Test
    void esc50FoldIsTestAndValidation() throws IOException {
        Path root = esc50();
        assertThat(DatasetLoader.detect(root)).isEqualTo("esc50");
        ExperimentConfig.Data d = data(root).withFold(3);
        Dataset ds = DatasetLoader.load(d, 0);
        assertThat(ds.classes()).containsExactly("dog", "rain", "clock");
        assertThat(ds.split(Split.TRAIN)).hasSize(12);
        assertThat(ds.split(Split.TEST)).hasSize(3).allMatch(c -> c.id().startsWith("3-"));
        assertThat(ds.split(Split.VALID)).isEqualTo(ds.split(Split.TEST));
        assertThatThrownBy(() -> DatasetLoader.load(d.withFold(6), 0)).isInstanceOf(ConfigException.class);
        assertThatThrownBy(() -> data(root, "fold=6")).isInstanceOf(ConfigException.class).hasMessageContaining("'data.fold'");
    }

    @Test
    void esc50UnknownLabelIsNamedWithItsLine() throws IOException {
        Path root = esc50();
        Files.writeString(root.resolve("meta/esc50.csv"), "1-100-A-0.wav,1,-4,dog,False,x,A\n", java.nio.file.StandardOpenOption.APPEND);
        assertThatThrownBy(() -> DatasetLoader.load(data(root), 0)).isInstanceOf(InvalidInputException.class)
                .hasMessage(root.resolve("meta/esc50.csv") + " line 17: unknown label: target -4, fold 1 (use --skip-bad to skip such entries)");
    }

    /** A FIFO where a clip is expected is named as such (never opened: that would block until a writer appears). */
    @Test
    void nonRegularClipsAreNamedNotOpened() throws IOException {
        Path root = esc50();
        Path clip = root.resolve("audio/2-101-A-1.wav");
        Files.delete(clip);
        org.tempora.audio.TestWavs.fifo(clip.getParent(), clip.getFileName().toString());
        assertTimeoutPreemptively(java.time.Duration.ofSeconds(20), () -> {
            assertThatThrownBy(() -> DatasetLoader.load(data(root), 0)).isInstanceOf(InvalidInputException.class)
                    .hasMessage(clip + ": listed in esc50.csv but not a regular file (a FIFO) (use --skip-bad to skip such entries)");
            assertThat(DatasetLoader.load(data(root).withSkipBad(true), 0).skipped())
                    .containsExactly(clip + ": listed in esc50.csv but not a regular file (a FIFO)");
            // a folder layout lists it, and reading it says what it is
            Path inst = dir.resolve("inst-fifo");
            for (String c : new String[] {"flute", "bass"}) wav(inst.resolve("train").resolve(c).resolve(c + ".wav"), 0.5);
            Path pipe = org.tempora.audio.TestWavs.fifo(inst.resolve("train/flute"), "pipe.wav");
            Clip listed = DatasetLoader.load(data(inst), 0).split(Split.TRAIN).stream()
                    .filter(c -> c.audio().describe().equals(pipe.toString())).findFirst().orElseThrow();
            assertThatThrownBy(() -> listed.audio().load()).isInstanceOf(InvalidInputException.class)
                    .hasMessage(pipe + ": not a regular file (a FIFO)");
        });
    }

    Path audioset() throws IOException {
        Path root = dir.resolve("as");
        Files.createDirectories(root);
        Files.writeString(root.resolve("class_labels_indices.csv"), "index,mid,display_name\n0,/m/a,\"Speech, talking\"\n1,/m/b,\"Music\"\n2,/m/c,\"Dog\"\n");
        StringBuilder train = new StringBuilder("{\"data\":[");
        for (int i = 0; i < 6; i++) {
            wav(root.resolve("audio/t" + i + ".wav"), 0.5);
            train.append(i == 0 ? "" : ",").append("{\"wav\":\"audio/t").append(i).append(".wav\",\"labels\":\"/m/a,").append(i % 2 == 0 ? "/m/b" : "/m/c").append("\"}");
        }
        Files.writeString(root.resolve("train.json"), train + "]}");
        wav(root.resolve("audio/e0.wav"), 0.5);
        Files.writeString(root.resolve("eval.json"), "{\"data\":[{\"wav\":\"audio/e0.wav\",\"labels\":\"/m/c\"}]}");
        return root;
    }

    @Test
    void audiosetJsonIsMultiLabel() throws IOException {
        Path root = audioset();
        assertThat(DatasetLoader.detect(root)).isEqualTo("audioset");
        Dataset ds = DatasetLoader.load(data(root), 0);
        assertThat(ds.multiLabel()).isTrue();
        assertThat(ds.classes()).containsExactly("Speech, talking", "Music", "Dog");
        assertThat(ds.split(Split.TRAIN)).hasSize(6);
        assertThat(ds.split(Split.TRAIN).get(0).labels()).containsExactly(0, 1);
        assertThat(ds.split(Split.TRAIN).get(1).labels()).containsExactly(0, 2);
        assertThat(ds.split(Split.VALID)).isEqualTo(ds.split(Split.TEST)).hasSize(1);
    }

    @Test
    void audiosetUnknownLabelAndMissingFile() throws IOException {
        Path root = audioset();
        Files.writeString(root.resolve("eval.json"), "{\"data\":[{\"wav\":\"audio/e0.wav\",\"labels\":\"/m/zzz\"},"
                + "{\"wav\":\"audio/gone.wav\",\"labels\":\"/m/a\"},{\"wav\":\"audio/e0.wav\",\"labels\":\"/m/b\"}]}");
        assertThatThrownBy(() -> DatasetLoader.load(data(root), 0)).isInstanceOf(InvalidInputException.class)
                .hasMessage(root.resolve("eval.json") + " entry 0 (audio/e0.wav): unknown label '/m/zzz' (use --skip-bad to skip such entries)");
        ExperimentConfig.Data d = data(root).withSkipBad(true);
        Dataset ds = DatasetLoader.load(d, 0);
        assertThat(ds.split(Split.TEST)).hasSize(1);
        assertThat(ds.skipped()).containsExactly(
                root.resolve("eval.json") + " entry 0 (audio/e0.wav): unknown label '/m/zzz'",
                root.resolve("audio/gone.wav") + ": listed in eval.json but missing");
    }

    @Test
    void foldersPerClass() throws IOException {
        Path root = dir.resolve("inst");
        for (String split : new String[] {"train", "valid", "test"}) {
            for (String c : new String[] {"flute", "bass"}) {
                for (int i = 0; i < (split.equals("train") ? 3 : 1); i++) wav(root.resolve(split).resolve(c).resolve(c + i + ".wav"), 0.5);
            }
        }
        assertThat(DatasetLoader.detect(root)).isEqualTo("folders");
        Dataset ds = DatasetLoader.load(data(root), 0);
        assertThat(ds.classes()).containsExactly("bass", "flute");
        assertThat(ds.split(Split.TRAIN)).hasSize(6);
        assertThat(ds.split(Split.VALID)).hasSize(2);
        wav(root.resolve("test/oboe/o.wav"), 0.5);
        assertThatThrownBy(() -> DatasetLoader.load(data(root), 0)).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("class 'oboe' is not one of the train/ classes");
    }

    @Test
    void unknownLayoutIsExplained() throws IOException {
        Path root = Files.createDirectories(dir.resolve("random"));
        assertThatThrownBy(() -> DatasetLoader.load(data(root), 0)).isInstanceOf(InvalidInputException.class)
                .hasMessageStartingWith(root + ": cannot tell the dataset layout");
        assertThatThrownBy(() -> DatasetLoader.load(data(dir.resolve("missing")), 0)).isInstanceOf(InvalidInputException.class)
                .hasMessage(dir.resolve("missing") + ": no such dataset folder");
    }

    @Test
    void syntheticSetIsDeterministicAndTemporal() {
        ExperimentConfig.Synthetic s = new ExperimentConfig.Synthetic(10, 1.0, 10);
        Dataset a = SyntheticDataset.create(s, 7);
        assertThat(a.classes()).hasSize(10);
        assertThat(a.split(Split.TRAIN)).hasSize(60);
        assertThat(a.split(Split.VALID)).hasSize(20);
        assertThat(a.split(Split.TEST)).hasSize(20);
        float[] x = a.split(Split.TRAIN).get(3).audio().load().samples();
        float[] y = SyntheticDataset.create(s, 7).split(Split.TRAIN).get(3).audio().load().samples();
        assertThat(x).containsExactly(y);
        assertThat(Arrays.equals(x, SyntheticDataset.create(s, 8).split(Split.TRAIN).get(3).audio().load().samples())).isFalse();
        // gapped noise has silent gaps; steady AM tone does not
        float[] gapped = SyntheticDataset.generate(0, 8, 0, 1.0);
        assertThat(minWindowRms(gapped, 400)).isLessThan(0.05 * rms(gapped));
        float[] clicks = SyntheticDataset.generate(0, 1, 0, 1.0);
        assertThat(rms(clicks)).isGreaterThan(0);
    }

    private static double rms(float[] x) {
        double s = 0;
        for (float v : x) s += v * v;
        return Math.sqrt(s / x.length);
    }

    private static double minWindowRms(float[] x, int w) {
        double best = Double.MAX_VALUE;
        for (int i = 0; i + w <= x.length; i += w / 2) best = Math.min(best, rms(Arrays.copyOfRange(x, i, i + w)));
        return best;
    }
}
