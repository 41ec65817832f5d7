package org.tempora.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import org.tempora.explain.Explainer;
import org.tempora.features.FrontEnd;
import org.tempora.features.LogMelStream;
import org.tempora.features.Spectrogram;
import org.tempora.report.ExplainChart;
import org.tempora.run.ModelBundle;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code tempora explain --model RUN FILE [--out PNG]}: the picture of where a DiffRes model spent its resolution. */
@Command(name = "explain", mixinStandardHelpOptions = true,
        description = {"Show where a trained DiffRes model spends its temporal resolution on one audio file: writes a PNG "
                + "(input spectrogram with merged frames shaded, importance curve, output-frame mapping, warped output) "
                + "and prints a short summary (output frames per input second, most and least resolved regions).",
                "A file longer than the model's input is explained over its first window."})
final class ExplainCommand extends CliCommand {
    @Mixin
    ModelOption model;

    @Parameters(index = "0", paramLabel = "FILE", description = "An audio file (.wav/.flac).")
    Path file;

    @Option(names = {"-o", "--out"}, paramLabel = "PNG", description = "Image to write (default: <FILE name>-diffres.png in the current folder).")
    Path out;

    @Mixin
    ThreadsOption threads;

    @Override
    public Integer call() {
        PrintWriter o = out();
        int n = threads.resolve();
        try (ModelBundle m = ModelBundle.load(model.model, n)) {
            FrontEnd fe = m.frontEnd;
            int frames;
            double seconds;
            Spectrogram in;
            // only the model's input is computed: the first target_frames rows of a file of any length
            try (LogMelStream s = fe.openLogMel(fe.source(file), fe.targetFrames() > 0 ? fe.targetFrames() : Integer.MAX_VALUE)) {
                frames = s.naturalFrames();
                seconds = s.sourceSeconds();
                in = fe.finish(s.readAll()); // raw log-mel padded to the model's frames (no normalisation)
            }
            double shift = fe.fbank().windowShift() / (double) fe.sampleRate();
            Explainer.Explanation e = Explainer.explain(m.model, in.data(), in.frames(), in.bins(),
                    Math.min(frames, in.frames()), shift);
            Path png = out != null ? out : Path.of(stem(file) + "-diffres.png");
            ExplainChart.writePng(e, png);
            o.println(file + (frames > in.frames()
                    ? String.format(Locale.ROOT, " (%.2f s; explaining the first %.2f s, the model's input)", seconds, in.frames() * shift)
                    : String.format(Locale.ROOT, " (%.2f s)", seconds)));
            o.print(e.summary().text());
            o.println("wrote " + png);
        }
        o.flush();
        return Main.EXIT_OK;
    }

    private static String stem(Path f) {
        String s = f.getFileName().toString();
        int dot = s.lastIndexOf('.');
        return dot > 0 ? s.substring(0, dot) : s;
    }
}
