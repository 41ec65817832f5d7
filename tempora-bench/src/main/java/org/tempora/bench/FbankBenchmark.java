package org.tempora.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.tempora.TemporaException;
import org.tempora.audio.AudioReader;
import org.tempora.audio.WavWriter;
import org.tempora.audio.Waveform;
import org.tempora.eval.Stopwatch;
import org.tempora.features.FbankOptions;
import org.tempora.features.KaldiFbank;
import org.tempora.features.Spectrogram;
import org.tempora.io.Npy;

/**
 * fbank throughput in seconds of audio per second, single-threaded and on all cores, beside torchaudio's
 * {@code compliance.kaldi.fbank} run by {@code ../shared/peer/fbank_peer.py} on the same files in the same run.
 * Decoding is outside the timed region for both (as in the peer). Accuracy is checked on the same run: the
 * peer writes its outputs and they are compared cell by cell with ours.
 */
public final class FbankBenchmark {
    private FbankBenchmark() {}

    /** What to run. {@code peerScript} null = no peer. */
    public record Config(List<Path> files, FbankOptions options, int threads, int repeat, Path peerScript, String python) {}

    /** Throughput of one side. */
    public record Side(String name, int threads, double wallSeconds, double audioSecondsPerSecond) {}

    /** The result: ours single/all cores, the peer's (maybe empty), and the accuracy against the peer. */
    public record Result(int files, double audioSeconds, List<Side> sides, double maxDiffNearMax, double maxDiffAll,
                         String peerVersion, String peerNote) {}

    /** Writes {@code n} deterministic 1-second-style clips (chirp + noise, 16-bit WAV) into {@code dir}. */
    public static List<Path> generateClips(Path dir, int n, double seconds, int sampleRate) throws IOException {
        Files.createDirectories(dir);
        List<Path> out = new ArrayList<>();
        int len = (int) Math.round(seconds * sampleRate);
        for (int c = 0; c < n; c++) {
            float[] x = new float[len];
            long s = 1000 + c;
            double f0 = 100 + 20 * (c % 17);
            double f1 = 0.375 * sampleRate;
            for (int i = 0; i < len; i++) {
                double t = i / (double) sampleRate;
                s = (1664525L * s + 1013904223L) & 0xffffffffL;
                double noise = 2.0 * (s / 4294967296.0) - 1.0;
                x[i] = (float) (0.5 * Math.sin(2 * Math.PI * (f0 * t + (f1 - f0) * t * t / (2 * seconds))) + 0.05 * noise);
            }
            Path p = dir.resolve(String.format("clip%04d.wav", c));
            WavWriter.write(p, new Waveform(x, sampleRate, p.toString()), WavWriter.Encoding.PCM_16);
            out.add(p);
        }
        return out;
    }

    public static Result run(Config cfg) throws IOException, InterruptedException {
        List<Waveform> clips = new ArrayList<>();
        double audioSeconds = 0;
        for (Path f : cfg.files()) {
            Waveform w = AudioReader.read(f);
            if (w.sampleRate() != (int) cfg.options().sampleRate()) {
                throw new TemporaException(f + ": benchmark files must be at " + (int) cfg.options().sampleRate() + " Hz");
            }
            clips.add(w);
            audioSeconds += w.durationSeconds();
        }
        KaldiFbank fbank = new KaldiFbank(cfg.options());
        List<Side> sides = new ArrayList<>();
        double single = Stopwatch.median(2, cfg.repeat(), () -> {
            for (Waveform w : clips) fbank.compute(w);
        });
        sides.add(new Side("tempora", 1, single, audioSeconds / single));
        if (cfg.threads() > 1) {
            ExecutorService pool = Executors.newFixedThreadPool(cfg.threads());
            try {
                double multi = Stopwatch.median(2, cfg.repeat(), () -> parallel(pool, clips, fbank));
                sides.add(new Side("tempora", cfg.threads(), multi, audioSeconds / multi));
            } finally {
                pool.shutdownNow();
            }
        }
        double near = Double.NaN;
        double all = Double.NaN;
        String version = null;
        String note = null;
        if (cfg.peerScript() != null) {
            Path outDir = Files.createTempDirectory("tempora-fbank-peer");
            try {
                JsonNode p1 = peer(cfg, 1, outDir);
                version = "torchaudio " + p1.path("torchaudio").asText();
                sides.add(new Side("torchaudio", 1, p1.get("wall_s").asDouble(), p1.get("audio_seconds_per_s").asDouble()));
                if (cfg.threads() > 1) {
                    JsonNode pn = peer(cfg, cfg.threads(), null);
                    sides.add(new Side("torchaudio", cfg.threads(), pn.get("wall_s").asDouble(), pn.get("audio_seconds_per_s").asDouble()));
                }
                double[] d = compare(cfg.files(), clips, fbank, outDir);
                near = d[0];
                all = d[1];
            } catch (IOException | RuntimeException e) {
                note = "peer not measured: " + e.getMessage();
            } finally {
                deleteTree(outDir);
            }
        }
        return new Result(clips.size(), audioSeconds, sides, near, all, version, note);
    }

    private static void parallel(ExecutorService pool, List<Waveform> clips, KaldiFbank fbank) {
        List<Future<Spectrogram>> fs = new ArrayList<>(clips.size());
        for (Waveform w : clips) fs.add(pool.submit(() -> fbank.compute(w)));
        try {
            for (Future<Spectrogram> f : fs) f.get();
        } catch (Exception e) {
            throw new TemporaException("benchmark failed: " + e, e);
        }
    }

    /** Runs the peer over the files; with {@code outDir} it also writes its .npy outputs there. */
    private static JsonNode peer(Config cfg, int threads, Path outDir) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(cfg.python(), cfg.peerScript().toString()));
        for (Path f : cfg.files()) cmd.add(f.toString());
        FbankOptions o = cfg.options();
        cmd.addAll(List.of("--mel-bins", String.valueOf(o.numMelBins()), "--frame-shift-ms", String.valueOf(o.frameShiftMs()),
                "--window", o.window().kaldiName(), "--repeat", String.valueOf(cfg.repeat()), "--threads", String.valueOf(threads)));
        if (outDir != null) cmd.addAll(List.of("--out", outDir.toString()));
        return Peer.run(cmd, 30);
    }

    /** max |ours − peer| over cells within 8 nats of the frame max, and over all cells. */
    private static double[] compare(List<Path> files, List<Waveform> clips, KaldiFbank fbank, Path peerOut) {
        double near = 0;
        double all = 0;
        // the peer names its outputs by file stem: compare only stems that occur once
        Map<String, Integer> stems = new HashMap<>();
        for (Path f : files) stems.merge(stem(f), 1, Integer::sum);
        for (int i = 0; i < files.size(); i++) {
            String name = files.get(i).getFileName().toString();
            if (stems.get(stem(files.get(i))) > 1) continue;
            Path ref = peerOut.resolve(name.substring(0, name.lastIndexOf('.')) + ".npy");
            if (!Files.exists(ref)) continue;
            float[] r = Npy.read(ref).f32();
            Spectrogram s = fbank.compute(clips.get(i));
            int bins = s.bins();
            for (int f = 0; f < s.frames(); f++) {
                float max = Float.NEGATIVE_INFINITY;
                for (int b = 0; b < bins; b++) max = Math.max(max, r[f * bins + b]);
                for (int b = 0; b < bins; b++) {
                    double d = Math.abs(s.data()[f * bins + b] - r[f * bins + b]);
                    all = Math.max(all, d);
                    if (r[f * bins + b] >= max - 8) near = Math.max(near, d);
                }
            }
        }
        return new double[] {near, all};
    }

    private static String stem(Path f) {
        String n = f.getFileName().toString();
        int dot = n.lastIndexOf('.');
        return dot > 0 ? n.substring(0, dot) : n;
    }

    private static void deleteTree(Path dir) {
        try (var s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // best effort for a temp folder
        }
    }
}
