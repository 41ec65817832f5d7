package org.tempora.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.tempora.features.FeatureStats;
import org.tempora.features.FrontEnd;
import org.tempora.io.AudioFiles;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code tempora stats DIR}: dataset mean and std of fbank features, for AST's normalisation. */
@Command(name = "stats", mixinStandardHelpOptions = true,
        description = {"Dataset mean and standard deviation of the fbank features of all audio under DIR "
                + "(the --norm-mean/--norm-std AST normalises with), computed exactly over every cell, in parallel.",
                "Use --target-frames to include the zero padding the model will see, as AST's own statistics do."})
final class StatsCommand extends CliCommand {
    @Parameters(paramLabel = "DIR", description = "Folder searched recursively for .wav/.flac files.")
    Path dir;

    @Mixin
    FrontEndOptions fe;

    @Option(names = "--target-frames", defaultValue = "0", converter = OptionValues.CountOrZero.class, description = "Pad/truncate each clip to this many frames first (0 = natural length).")
    int targetFrames;

    @Mixin
    ThreadsOption threads;

    @Option(names = "--skip-bad", description = "Skip bad files (listed on stderr) instead of failing on the first.")
    boolean skipBad;

    @Option(names = "--json", description = "Print the result as one JSON line.")
    boolean json;

    @Option(names = {"-q", "--quiet"}, description = "No progress bar.")
    boolean quiet;

    @Override
    public Integer call() {
        FrontEnd frontEnd = fe.frontEnd(targetFrames, null, null);
        List<Path> files = AudioFiles.inFolder(dir);
        int n = threads.resolve();
        long t0 = System.nanoTime();
        FeatureStats.Result r;
        try (Progress p = Progress.start("stats", files.size(), quiet)) {
            r = FeatureStats.compute(files, frontEnd, n, skipBad, f -> p.step());
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        PrintWriter out = out();
        PrintWriter err = err();
        for (String s : r.skipped()) err.println(Main.errorLine("skipped " + s));
        if (json) {
            out.println(Json.object("dir", dir.toString(), "mean", r.mean(), "std", r.std(), "files", r.files(),
                    "skipped", r.skipped().size(), "frames", r.frames(), "cells", r.cells(), "seconds", secs));
        } else {
            out.printf(Locale.ROOT, "mean %.7f%nstd  %.7f%n", r.mean(), r.std());
            out.printf(Locale.ROOT, "(%d files, %d skipped, %d frames, %.1f s on %d threads)%n", r.files(), r.skipped().size(),
                    r.frames(), secs, n);
            out.printf(Locale.ROOT, "use: --norm-mean %.7f --norm-std %.7f%n", r.mean(), r.std());
        }
        out.flush();
        err.flush();
        return Main.EXIT_OK;
    }
}
