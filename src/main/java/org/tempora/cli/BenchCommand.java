package org.tempora.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.tempora.bench.FbankBenchmark;
import org.tempora.bench.Machine;
import org.tempora.io.AudioFiles;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code tempora bench ...}: speed measurements recorded in BENCHMARKS.md (never timed unit tests). */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Benchmarks. Results print as a Markdown block ready for BENCHMARKS.md, with the machine and date.",
        subcommands = {BenchCommand.Fbank.class, BenchCommand.Jmh.class})
final class BenchCommand implements Runnable {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "a benchmark is required: fbank or jmh");
    }

    /** fbank throughput beside torchaudio. */
    @Command(name = "fbank", mixinStandardHelpOptions = true,
            description = {"fbank throughput (seconds of audio per second) single-threaded and on all cores, beside "
                    + "torchaudio's compliance.kaldi.fbank (../shared/peer/fbank_peer.py) on the same files in the same run, "
                    + "and the max difference between the two outputs.",
                    "Without FILE arguments, --clips generated 1 s clips are used."})
    static final class Fbank implements Callable<Integer> {
        @Parameters(arity = "0..*", paramLabel = "FILE", description = "16 kHz WAV/FLAC files or folders.")
        List<Path> inputs;

        @Option(names = "--clips", defaultValue = "500", description = "Generated clips when no FILE is given (default: ${DEFAULT-VALUE}).")
        int clips;

        @Option(names = "--limit", defaultValue = "0", description = "Use at most this many files (0 = all).")
        int limit;

        @Option(names = "--threads", description = "Threads for the all-cores run (default: all cores).")
        Integer threads;

        @Option(names = "--repeat", defaultValue = "5", description = "Timed passes; the median is reported (default: ${DEFAULT-VALUE}).")
        int repeat;

        @Option(names = "--peer", defaultValue = "../shared/peer/fbank_peer.py", description = "The torchaudio peer script (default: ${DEFAULT-VALUE}).")
        Path peer;

        @Option(names = "--python", defaultValue = "/usr/bin/python3", description = "Python with torch and torchaudio (default: ${DEFAULT-VALUE}).")
        String python;

        @Option(names = "--no-peer", description = "Do not run the peer.")
        boolean noPeer;

        @Mixin
        FrontEndOptions fe;

        @Mixin
        DebugOption debug;

        @Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            Path tmp = null;
            List<Path> files;
            if (inputs == null || inputs.isEmpty()) {
                tmp = Files.createTempDirectory("tempora-bench-fbank");
                files = FbankBenchmark.generateClips(tmp, clips, 1.0, fe.sampleRate);
            } else {
                files = AudioFiles.expand(inputs);
            }
            if (limit > 0 && files.size() > limit) files = files.subList(0, limit);
            int n = threads == null ? Runtime.getRuntime().availableProcessors() : threads;
            boolean runPeer = !noPeer && Files.exists(peer);
            try {
                FbankBenchmark.Result r = FbankBenchmark.run(new FbankBenchmark.Config(files, fe.fbank(), n, repeat,
                        runPeer ? peer : null, python));
                out.printf(Locale.ROOT, "### fbank throughput%n%n");
                out.printf("- command: `tempora bench fbank %s`%n", String.join(" ", spec.commandLine().getParseResult().originalArgs()));
                out.printf("- machine: %s%n", Machine.current().describe());
                out.printf(Locale.ROOT, "- input: %d files, %.1f s of audio; options: %s, %d mel bins, %s ms shift%n", r.files(), r.audioSeconds(),
                        fe.fbank().window().kaldiName(), fe.melBins, fe.frameShiftMs);
                out.printf("%n| implementation | threads | wall (s, median of %d) | audio s / s |%n|---|---|---|---|%n", repeat);
                for (FbankBenchmark.Side s : r.sides()) {
                    out.printf(Locale.ROOT, "| %s | %d | %.3f | %.0f |%n", s.name().equals("torchaudio") && r.peerVersion() != null
                            ? r.peerVersion() : s.name(), s.threads(), s.wallSeconds(), s.audioSecondsPerSecond());
                }
                if (!Double.isNaN(r.maxDiffNearMax())) {
                    out.printf(Locale.ROOT, "%nmax |tempora − torchaudio| (log mel): %.2e on cells within 8 nats of the frame max, %.2e on all cells%n",
                            r.maxDiffNearMax(), r.maxDiffAll());
                    double ours = r.sides().get(0).audioSecondsPerSecond();
                    r.sides().stream().filter(s -> s.name().equals("torchaudio") && s.threads() == 1).findFirst().ifPresent(p ->
                            out.printf(Locale.ROOT, "single-thread speed-up over torchaudio: %.2fx%n", ours / p.audioSecondsPerSecond()));
                }
                if (r.peerNote() != null) out.println(r.peerNote());
                if (!runPeer && !noPeer) out.println("(peer script " + peer + " not found: peer not measured)");
                out.flush();
            } finally {
                if (tmp != null) {
                    try (var s = Files.walk(tmp)) {
                        s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                    }
                }
            }
            return Main.EXIT_OK;
        }
    }

    /** JMH micro-benchmarks compiled into the jar. */
    @Command(name = "jmh", mixinStandardHelpOptions = true,
            description = "Run the JMH micro-benchmarks (org.tempora.bench.*Jmh). Arguments are passed to JMH, e.g. 'Fbank -f 1 -wi 2 -i 3'.")
    static final class Jmh implements Callable<Integer> {
        @Parameters(arity = "0..*", paramLabel = "JMH-ARG")
        List<String> args;

        @Override
        public Integer call() throws Exception {
            org.openjdk.jmh.Main.main(args == null ? new String[0] : args.toArray(new String[0]));
            return Main.EXIT_OK;
        }
    }
}
