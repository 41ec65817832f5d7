package org.tempora.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.tempora.ConfigException;
import org.tempora.TemporaException;
import org.tempora.api.AudioClassifier;
import org.tempora.io.AudioFiles;
import org.tempora.run.Inference;
import org.tempora.run.ModelBundle;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code tempora classify --model RUN FILE|DIR...}: top-k labels per file, with a timeline for long files. */
@Command(name = "classify", mixinStandardHelpOptions = true,
        description = {"Classify audio files with a trained model and print the top-k labels with scores. "
                + "Files longer than the model's input are scored in sliding windows: a per-window timeline and "
                + "an aggregate (mean probability over windows).",
                "A bad file gets one error line (exit code 3); the others are still classified."})
final class ClassifyCommand extends CliCommand {
    @Mixin
    ModelOption model;

    @Parameters(arity = "0..*", paramLabel = "FILE|DIR", description = "Audio files or folders (searched for .wav/.flac).")
    List<Path> inputs;

    @Option(names = "--stream", description = "Classify a live or endless stream: standard input, or the one FILE given, "
            + "as 16-bit signed little-endian mono PCM (raw at --rate Hz, or a WAV stream whose header gives its rate), "
            + "printing one line per window hop as soon as its window is complete "
            + "(e.g. arecord -f S16_LE -c 1 -r 16000 | tempora classify -m RUN --stream).")
    boolean stream;

    @Option(names = "--follow", description = "With --stream FILE: read the file as it grows (a recorder still writing it), "
            + "like tail -f, until it has not grown for --idle seconds or Ctrl-C.")
    boolean follow;

    @Option(names = "--idle", defaultValue = "10", converter = OptionValues.NonNegative.class,
            description = "With --follow: end after the file has not grown for this many seconds (default: ${DEFAULT-VALUE}).")
    double idle;

    @Option(names = "--rate", defaultValue = "16000", converter = OptionValues.Count.class,
            description = "Sample rate of raw --stream input (default: ${DEFAULT-VALUE}; a WAV header's rate wins); resampled to the model's.")
    int rate;

    @Option(names = {"-k", "--top-k"}, defaultValue = "3", converter = OptionValues.Count.class, description = "Labels per file (default: ${DEFAULT-VALUE}).")
    int topK;

    @Option(names = "--hop", defaultValue = "0", converter = OptionValues.NonNegative.class, description = "Window hop in seconds for long files (default: half a window).")
    double hop;

    @Option(names = "--json", description = "One JSON object per file (JSON lines).")
    boolean json;

    @Mixin
    ThreadsOption threads;

    @Mixin
    DeviceOption device;

    @Override
    public Integer call() {
        device.apply();
        PrintWriter o = out();
        PrintWriter err = err();
        int code = Main.EXIT_OK;
        int n = threads.resolve();
        if (stream) return stream(o, n);
        if (inputs == null || inputs.isEmpty()) throw new ConfigException("give audio files or folders, or --stream for standard input");
        List<Path> files = AudioFiles.expand(inputs);    // an input folder without audio fails before the model loads
        try (ModelBundle m = ModelBundle.load(model.model, n)) {
            for (Path f : files) {
                try {
                    Inference.FileResult r = Inference.classify(m, f, topK, hop);
                    if (json) o.println(Json.MAPPER.valueToTree(asJson(r)));
                    else print(o, r);
                } catch (TemporaException e) {
                    err.println(Main.errorLine(e));
                    code = Math.max(code, e.exitCode());
                }
                o.flush();
            }
        }
        err.flush();
        return code;
    }

    /** --stream: windows of standard input, one line (or JSON object) each, flushed as it comes. */
    private int stream(PrintWriter o, int n) {
        if (inputs != null && inputs.size() > 1) throw new ConfigException("--stream reads standard input or one FILE, got " + inputs.size() + " files");
        Path file = inputs == null || inputs.isEmpty() ? null : inputs.get(0);
        if (follow && file == null) throw new ConfigException("--follow needs a FILE to follow");
        if (file != null && !java.nio.file.Files.isRegularFile(file)) throw new org.tempora.InvalidInputException(file, "no such file");
        java.io.InputStream in = file == null ? System.in
                : follow ? new org.tempora.audio.GrowingFile(file, Math.round(idle * 1000), 50) : open(file);
        org.tempora.audio.PcmStream pcm = org.tempora.audio.PcmStream.open(in, rate, file == null ? "standard input" : file.toString());
        try (AudioClassifier m = AudioClassifier.load(model.model, new AudioClassifier.Options(n, 1, topK, hop))) {
            m.stream(pcm.pcm(), pcm.rate(), s -> {
                if (json) {
                    Map<String, Object> j = new LinkedHashMap<>();
                    j.put("start_s", s.startSeconds());
                    j.put("end_s", s.endSeconds());
                    j.put("top", s.top().stream().map(l -> labelJson(l.name(), l.score())).toList());
                    o.println(Json.MAPPER.valueToTree(j));
                } else {
                    StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%8.2f-%8.2f s:", s.startSeconds(), s.endSeconds()));
                    for (AudioClassifier.Label l : s.top()) line.append(String.format(Locale.ROOT, "  %s %.3f", l.name(), l.score()));
                    o.println(line);
                }
                o.flush();
            });
        } finally {
            if (file != null) {
                try {
                    pcm.pcm().close();
                } catch (java.io.IOException ignored) {
                    // read-only; nothing to lose
                }
            }
        }
        return Main.EXIT_OK;
    }

    private static java.io.InputStream open(Path file) {
        try {
            return java.nio.file.Files.newInputStream(file);
        } catch (java.io.IOException e) {
            throw new org.tempora.InvalidInputException(file, "cannot open: " + e.getMessage(), e);
        }
    }

    private static Map<String, Object> labelJson(String label, double score) {
        return Map.of("label", label, "score", score);
    }

    private static void print(PrintWriter o, Inference.FileResult r) {
        StringBuilder line = new StringBuilder(r.file().toString()).append(String.format(Locale.ROOT, " (%.2f s):", r.durationSeconds()));
        for (Inference.Label l : r.top()) line.append(String.format(Locale.ROOT, "  %s %.3f", l.name(), l.score()));
        o.println(line);
        for (Inference.Window w : r.windows()) {
            Inference.Label best = w.top().get(0);
            o.printf(Locale.ROOT, "    %7.2f-%7.2f s  %s %.3f%n", w.startSeconds(), w.endSeconds(), best.name(), best.score());
        }
    }

    private static Map<String, Object> asJson(Inference.FileResult r) {
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("file", r.file().toString());
        j.put("duration_s", r.durationSeconds());
        j.put("top", r.top().stream().map(l -> labelJson(l.name(), l.score())).toList());
        if (!r.windows().isEmpty()) {
            j.put("windows", r.windows().stream().map(w -> {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("start_s", w.startSeconds());
                m.put("end_s", w.endSeconds());
                m.put("top", w.top().stream().map(l -> labelJson(l.name(), l.score())).toList());
                return m;
            }).toList());
        }
        return j;
    }
}
