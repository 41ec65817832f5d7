package org.tempora.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.tempora.TemporaException;
import org.tempora.audio.AudioInfo;
import org.tempora.audio.AudioReader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code tempora info FILE...}: format, sample rate, channels, bit depth, duration of each file (header only). */
@Command(name = "info", mixinStandardHelpOptions = true,
        description = "Print format, encoding, sample rate, channels, bit depth and duration of audio files "
                + "(reads headers only). A bad file gets one error line; the exit code is then 3.")
final class InfoCommand extends CliCommand {
    @Parameters(arity = "1..*", paramLabel = "FILE", description = "WAV or FLAC files.")
    List<Path> files;

    @Option(names = "--json", description = "One JSON object per line instead of a table.")
    boolean json;

    @Override
    public Integer call() {
        PrintWriter out = out();
        PrintWriter err = err();
        int code = Main.EXIT_OK;
        for (Path f : files) {
            try {
                AudioInfo i = AudioReader.info(f);
                if (json) {
                    out.println(Json.object(
                            "file", f.toString(), "format", i.format(), "encoding", i.encoding(),
                            "sample_rate", i.sampleRate(), "channels", i.channels(), "bits_per_sample", i.bitsPerSample(),
                            "frames", i.frames(), "duration_s", i.durationSeconds()));
                } else {
                    out.printf(Locale.ROOT, "%s: %s, %s, %d Hz, %d channel%s, %d bit, %s%n", f, i.format(), i.encoding(),
                            i.sampleRate(), i.channels(), i.channels() == 1 ? "" : "s", i.bitsPerSample(),
                            i.frames() < 0 ? "unknown duration" : String.format(Locale.ROOT, "%.3f s (%d frames)", i.durationSeconds(), i.frames()));
                }
            } catch (TemporaException e) {
                err.println(Main.errorLine(e));
                code = Math.max(code, e.exitCode());
            }
        }
        out.flush();
        err.flush();
        return code;
    }
}
