package org.tempora.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tempora.ConfigException;
import org.tempora.InvalidInputException;
import org.tempora.TemporaException;
import org.tempora.audio.WavWriter;
import org.tempora.audio.Waveform;
import org.tempora.config.ConfigLoader;
import org.tempora.run.Experiment;
import org.tempora.run.RunListener;

/** The embedding API (issue #14, item 1) on a tiny trained model: files, waveforms at other rates, many threads. */
class AudioClassifierTest {
    @TempDir
    static Path dir;
    static Path run;
    static AudioClassifier model;

    @BeforeAll
    static void train() {
        run = dir.resolve("run");
        Experiment.train(ConfigLoader.load("demo", null, List.of("data.synthetic.classes=3", "data.synthetic.clips_per_class=16",
                "train.epochs=1", "backbone.dim=16", "backbone.depth=1", "backbone.heads=2", "train.batch_size=8")),
                new Experiment.Options(run, dir.resolve("cache"), false, false, 2), new RunListener() {});
        model = AudioClassifier.load(run, new AudioClassifier.Options(2, 2, 3, 0));
    }

    @AfterAll
    static void close() {
        model.close();
    }

    static float[] tone(int n, int rate, double hz) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) (0.3 * Math.sin(2 * Math.PI * hz * i / rate) + 0.05 * Math.sin(i * 0.37));
        return x;
    }

    @Test
    void aWaveformInMemoryScoresAsTheSameAudioInAFile() throws IOException {
        float[] x = tone(16000, 16000, 440);
        Path wav = dir.resolve("tone.wav");
        WavWriter.write(wav, new Waveform(x, 16000, wav.toString()), WavWriter.Encoding.FLOAT_32);
        AudioClassifier.Prediction fromFile = model.classify(wav);
        AudioClassifier.Prediction fromMemory = model.classify(x, 16000);
        assertThat(fromMemory).isEqualTo(fromFile);
        assertThat(fromFile.top()).hasSize(3);
        assertThat(fromFile.top().stream().mapToDouble(AudioClassifier.Label::score).sum()).isBetween(0.999, 1.0 + 1e-6);
        assertThat(model.labels()).hasSize(3).contains(fromFile.top().get(0).name());
        assertThat(fromFile.timeline()).as("one window").isEmpty();
        // another rate is resampled to the model's: 8 kHz audio of the same tone gives a valid prediction
        assertThat(model.classify(tone(8000, 8000, 440), 8000).durationSeconds()).isEqualTo(1.0);
        // a long clip gets a timeline
        assertThat(model.classify(tone(16000 * 4, 16000, 440), 16000).timeline()).hasSizeGreaterThan(2);
    }

    @Test
    void preparedClipsScoredAsOneBatchGetWhatSingleCallsGive() {
        List<float[]> clips = List.of(tone(16000, 16000, 300), tone(12000, 16000, 900), tone(4000, 8000, 1500));
        int[] rates = {16000, 16000, 8000};
        List<AudioClassifier.Input> inputs = new java.util.ArrayList<>();
        for (int i = 0; i < clips.size(); i++) inputs.add(model.prepare(clips.get(i), rates[i]));
        List<AudioClassifier.Prediction> batch = model.classifyAll(inputs);
        assertThat(batch).hasSize(3);
        for (int i = 0; i < clips.size(); i++) {
            AudioClassifier.Prediction one = model.classify(clips.get(i), rates[i]);
            // a batch of one is the very computation of a single call
            assertThat(model.classifyAll(List.of(inputs.get(i)))).containsExactly(one);
            assertThat(batch.get(i).durationSeconds()).isEqualTo(one.durationSeconds());
            for (int k = 0; k < 3; k++) {
                assertThat(batch.get(i).top().get(k).name()).isEqualTo(one.top().get(k).name());
                assertThat(batch.get(i).top().get(k).score()).isCloseTo(one.top().get(k).score(), org.assertj.core.api.Assertions.within(1e-6));
            }
        }
        assertThat(model.prepare(tone(16000 * 2, 16000, 440), 16000)).as("longer than one window: classify it whole").isNull();
        assertThat(model.classifyAll(List.of())).isEmpty();
    }

    @Test
    void concurrentCallersGetExactlyWhatOneCallerGets() throws Exception {
        List<float[]> clips = new ArrayList<>();
        for (int i = 0; i < 6; i++) clips.add(tone(16000, 16000, 200 + 150 * i));
        List<AudioClassifier.Prediction> alone = new ArrayList<>();
        for (float[] c : clips) alone.add(model.classify(c, 16000));
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<AudioClassifier.Prediction>> fs = new ArrayList<>();
            for (int r = 0; r < 4; r++) for (float[] c : clips) fs.add(pool.submit(() -> model.classify(c, 16000)));
            for (int i = 0; i < fs.size(); i++) assertThat(fs.get(i).get()).isEqualTo(alone.get(i % clips.size()));
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void inputTheModelCannotTakeIsATypedError() {
        float[] nan = tone(16000, 16000, 440);
        nan[100] = Float.NaN;
        assertThatThrownBy(() -> model.classify(nan, 16000)).isInstanceOf(InvalidInputException.class).hasMessageContaining("NaN");
        assertThatThrownBy(() -> model.classify(new float[10], 16000)).isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> model.classify(tone(100, 16000, 440), 0)).isInstanceOf(ConfigException.class);
        assertThatThrownBy(() -> model.classify(dir.resolve("missing.wav"))).isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> new AudioClassifier.Options(0, 0, 3, 0)).isInstanceOf(ConfigException.class);
        AudioClassifier other = AudioClassifier.load(run);
        other.close();
        assertThatThrownBy(() -> other.classify(tone(16000, 16000, 440), 16000)).isInstanceOf(TemporaException.class)
                .hasMessage("this AudioClassifier is closed");
    }

    @Test
    void aStreamIsScoredWindowByWindowAsTheSameWindowsInMemory() {
        float[] x = tone(16000 * 3, 16000, 330);
        byte[] pcm = new byte[2 * x.length];
        for (int i = 0; i < x.length; i++) {
            short v = (short) Math.round(x[i] * 32767);
            pcm[2 * i] = (byte) v;
            pcm[2 * i + 1] = (byte) (v >> 8);
        }
        // a stream that hands out odd-sized pieces (a pipe does), split inside samples
        java.io.InputStream trickle = new java.io.ByteArrayInputStream(pcm) {
            @Override
            public synchronized int read(byte[] b, int off, int len) {
                return super.read(b, off, Math.min(len, 777));
            }
        };
        List<AudioClassifier.Segment> got = new ArrayList<>();
        long n = model.stream(trickle, 16000, got::add);
        int window = 16240;   // (100 - 1) · 160 + 400 samples: the demo model's input
        int hop = window / 2;
        assertThat(n).isEqualTo(got.size()).isEqualTo((x.length - window) / hop + 1);
        for (int k = 0; k < got.size(); k++) {
            float[] w = new float[window];
            for (int i = 0; i < window; i++) {
                w[i] = (short) Math.round(x[k * hop + i] * 32767) / 32768f;
            }
            assertThat(got.get(k).startSeconds()).isEqualTo(k * hop / 16000.0);
            assertThat(got.get(k).top()).isEqualTo(model.classify(w, 16000).top());
        }
        // shorter than one window: scored once when the stream ends
        assertThat(model.stream(new java.io.ByteArrayInputStream(java.util.Arrays.copyOf(pcm, 8000)), 16000, s -> { })).isEqualTo(1);
    }

    @Test
    void theReadmeExampleIsThisCompiledClassAndRuns() throws IOException {
        String source = Files.readString(Path.of("src/test/java/org/tempora/api/ReadmeExample.java"));
        String example = source.substring(source.indexOf("import java.io.IOException;"));
        String readme = Files.readString(Path.of("../README.md"));
        assertThat(readme).as("README's embedding example").contains(example.strip());
        Path wav = dir.resolve("long.wav");
        WavWriter.write(wav, new Waveform(tone(16000 * 3, 16000, 300), 16000, wav.toString()), WavWriter.Encoding.PCM_16);
        PrintStream was = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            ReadmeExample.main(new String[] {run.toString(), wav.toString()});
        } finally {
            System.setOut(was);
        }
        List<String> lines = out.toString(StandardCharsets.UTF_8).lines().toList();
        assertThat(lines).hasSizeGreaterThan(4);   // the labels (3 classes), a timeline, the stream, the in-memory label
        assertThat(lines).filteredOn(l -> l.startsWith("stream ")).hasSize(4);   // 3 s in windows of 1.015 s every 0.5075 s
        assertThat(model.labels()).contains(lines.get(lines.size() - 1));
    }
}
