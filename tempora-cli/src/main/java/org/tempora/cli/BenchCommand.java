package org.tempora.cli;

import ai.djl.engine.Engine;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.tempora.bench.FbankBenchmark;
import org.tempora.bench.Machine;
import org.tempora.bench.StepBenchmark;
import org.tempora.io.AudioFiles;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code tempora bench ...}: speed measurements recorded in BENCHMARKS.md (never timed unit tests). */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Benchmarks. Results print as a Markdown block ready for BENCHMARKS.md, with the machine and date.",
        subcommands = {BenchCommand.Fbank.class, BenchCommand.Step.class, BenchCommand.Serve.class, BenchCommand.ApiMemory.class, BenchCommand.Jmh.class})
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

        @Option(names = "--clips", converter = OptionValues.Count.class, defaultValue = "500", description = "Generated clips when no FILE is given (default: ${DEFAULT-VALUE}).")
        int clips;

        @Option(names = "--limit", converter = OptionValues.CountOrZero.class, defaultValue = "0", description = "Use at most this many files (0 = all).")
        int limit;

        @Option(names = "--threads", converter = OptionValues.Count.class, description = "Threads for the all-cores run (default: all cores).")
        Integer threads;

        @Option(names = "--repeat", converter = OptionValues.Count.class, defaultValue = "5", description = "Timed passes; the median is reported (default: ${DEFAULT-VALUE}).")
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
                out.printf("- command: `tempora %s`%n", String.join(" ", spec.commandLine().getParseResult().originalArgs()));
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
                        s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                    }
                }
            }
            return Main.EXIT_OK;
        }
    }

    /** AST training step and batch inference beside the PyTorch peer. */
    @Command(name = "step", mixinStandardHelpOptions = true,
            description = "AST training-step (forward + backward + Adam) and batch-inference time on DJL, beside "
                    + "../shared/peer/ast_step_peer.py with the same shape and threads in the same run, and the achieved "
                    + "training GFLOP/s as a fraction of a 2048x2048 matmul on the same threads.")
    static final class Step implements Callable<Integer> {
        @Option(names = "--batch", converter = OptionValues.Count.class, defaultValue = "32") int batch;
        @Option(names = "--frames", converter = OptionValues.Count.class, defaultValue = "128") int frames;
        @Option(names = "--mels", converter = OptionValues.Count.class, defaultValue = "128") int mels;
        @Option(names = "--dim", converter = OptionValues.Count.class, defaultValue = "192", description = "192 tiny, 384 small, 768 base") int dim;
        @Option(names = "--depth", converter = OptionValues.Count.class, defaultValue = "12") int depth;
        @Option(names = "--heads", converter = OptionValues.Count.class, defaultValue = "3") int heads;
        @Option(names = "--classes", converter = OptionValues.Count.class, defaultValue = "35") int classes;
        @Option(names = "--patch", arity = "2", converter = OptionValues.Count.class, description = "PF PT (default: 16 16)") int[] patch = {16, 16};
        @Option(names = "--fstride", converter = OptionValues.Count.class, defaultValue = "10") int fstride;
        @Option(names = "--tstride", converter = OptionValues.Count.class, defaultValue = "10") int tstride;
        @Option(names = "--threads", converter = OptionValues.Count.class, defaultValue = "2") int threads;
        @Option(names = "--warmup", converter = OptionValues.CountOrZero.class, defaultValue = "3") int warmup;
        @Option(names = "--steps", converter = OptionValues.Count.class, defaultValue = "10") int steps;
        @Option(names = "--peer", defaultValue = "../shared/peer/ast_step_peer.py") Path peer;
        @Option(names = "--python", defaultValue = "/usr/bin/python3") String python;
        @Option(names = "--no-peer") boolean noPeer;

        @Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            boolean runPeer = !noPeer && Files.exists(peer);
            var c = new StepBenchmark.Config(batch, frames, mels, dim, depth, heads, classes, patch[0], patch[1],
                    fstride, tstride, threads, warmup, steps);
            var r = StepBenchmark.run(c, runPeer ? peer : null, python);
            out.printf("### AST training step and inference%n%n");
            out.printf("- command: `tempora %s`%n", String.join(" ", spec.commandLine().getParseResult().originalArgs()));
            out.printf("- machine: %s%n", Machine.current().describe());
            out.printf(Locale.ROOT, "- shape: batch %d, %d frames x %d mels, patch %dx%d stride %d/%d -> %d tokens, dim %d, depth %d, heads %d, %d classes; %.2f M params; %.3f GFLOPs forward per example; threads %d%n",
                    batch, frames, mels, patch[0], patch[1], fstride, tstride, r.tokens(), dim, depth, heads, classes, r.params() / 1e6,
                    r.forwardGflopsPerExample(), threads);
            out.printf("%n| implementation | train step (s, median of %d) | examples/s | batch inference (s) | examples/s |%n|---|---|---|---|---|%n", steps);
            out.printf(Locale.ROOT, "| tempora (DJL %s, libtorch) | %.3f | %.1f | %.3f | %.1f |%n", Engine.getDjlVersion(),
                    r.trainStepSeconds(), batch / r.trainStepSeconds(), r.inferBatchSeconds(), batch / r.inferBatchSeconds());
            if (r.peer() != null) {
                var p = r.peer();
                out.printf(Locale.ROOT, "| PyTorch %s peer | %.3f | %.1f | %.3f | %.1f |%n", p.get("torch").asText(), p.get("train_step_s").asDouble(),
                        p.get("train_examples_per_s").asDouble(), p.get("infer_batch_s").asDouble(), p.get("infer_examples_per_s").asDouble());
                out.printf(Locale.ROOT, "%ntempora / peer step time: %.2fx; inference: %.2fx%n", r.trainStepSeconds() / p.get("train_step_s").asDouble(),
                        r.inferBatchSeconds() / p.get("infer_batch_s").asDouble());
            }
            if (r.peerNote() != null) out.println(r.peerNote());
            out.printf(Locale.ROOT, "achieved training rate %.1f GFLOP/s (3 x forward FLOPs per example) = %.0f %% of a 2048x2048 float32 matmul at %.1f GFLOP/s on %d threads%n",
                    r.trainGflopsPerSecond(), 100 * r.trainGflopsPerSecond() / r.matmulGflopsPerSecond(), r.matmulGflopsPerSecond(), threads);
            out.flush();
            return Main.EXIT_OK;
        }
    }

    /** {@code tempora bench serve}: the HTTP server against the in-process API, with and without micro-batching. */
    @Command(name = "serve", mixinStandardHelpOptions = true,
            description = {"Requests/s and p50/p90/p99 latency of `tempora serve` on localhost for one clip, at each concurrency "
                    + "(closed loop: each client sends its next request when the last is answered), against the in-process "
                    + "AudioClassifier on the same model in the same run (the server's overhead), with and without "
                    + "micro-batching; then the resident set and heap over --memory-requests requests.",
                    "Bounded: about (3 modes x levels x (--warmup + --seconds)) plus the memory check."})
    static final class Serve implements Callable<Integer> {
        @Option(names = {"-m", "--model"}, required = true, paramLabel = "RUN") Path model;
        @Option(names = "--clip", paramLabel = "FILE", description = "The clip to send (default: a generated chirp of --clip-seconds).") Path clip;
        @Option(names = "--clip-seconds", defaultValue = "1", converter = OptionValues.Positive.class) double clipSeconds;
        @Option(names = "--concurrency", split = ",", defaultValue = "1,8,32", converter = OptionValues.Count.class) List<Integer> concurrency;
        @Option(names = "--seconds", defaultValue = "15", converter = OptionValues.Positive.class, description = "Measured seconds per level (default: ${DEFAULT-VALUE}).") double seconds;
        @Option(names = "--warmup", defaultValue = "3", converter = OptionValues.NonNegative.class) double warmup;
        @Option(names = "--threads", defaultValue = "0", converter = OptionValues.CountOrZero.class, description = "Engine threads (default: all cores).") int threads;
        @Option(names = "--workers", defaultValue = "2", converter = OptionValues.Count.class) int workers;
        @Option(names = "--batch", defaultValue = "16", converter = OptionValues.Count.class) int batch;
        @Option(names = "--memory-requests", defaultValue = "100000", converter = OptionValues.CountOrZero.class) int memoryRequests;
        @Option(names = "--memory-concurrency", defaultValue = "8", converter = OptionValues.Count.class) int memoryConcurrency;

        @Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            var c = new org.tempora.serve.ServeBenchmark.Config(model, clip, clipSeconds, concurrency, seconds, warmup, threads,
                    workers, batch, memoryRequests, memoryConcurrency);
            var r = org.tempora.serve.ServeBenchmark.run(c);
            out.printf("### tempora serve against the in-process API%n%n");
            out.printf("- command: `tempora %s`%n", String.join(" ", spec.commandLine().getParseResult().originalArgs()));
            out.printf("- machine: %s%n", Machine.current().describe());
            out.printf(Locale.ROOT, "- model: %s; clip %.2f s; %d workers, engine threads %s; %.0f s per level after %.0f s warm-up%n%n",
                    model, r.clipSeconds(), workers, threads == 0 ? "all cores" : Integer.toString(threads), seconds, warmup);
            out.println("| mode | concurrency | requests | req/s | p50 ms | p90 ms | p99 ms | max ms | failed | mean batch |");
            out.println("|---|---|---|---|---|---|---|---|---|---|");
            for (var l : r.levels()) {
                out.printf(Locale.ROOT, "| %s | %d | %d | %.1f | %.2f | %.2f | %.2f | %.1f | %d | %s |%n", l.mode(), l.concurrency(), l.requests(),
                        l.perSecond(), l.p50(), l.p90(), l.p99(), l.max(), l.failures(),
                        Double.isNaN(l.meanBatch()) ? "–" : String.format(Locale.ROOT, "%.2f", l.meanBatch()));
            }
            if (!r.memory().isEmpty()) printMemory(out, "requests", r.memory());
            out.flush();
            return Main.EXIT_OK;
        }
    }

    static void printMemory(PrintWriter out, String what, List<org.tempora.serve.ServeBenchmark.MemorySample> m) {
        out.printf("%n| %s | resident set (MB) | heap in use after GC (MB) |%n|---|---|---|%n", what);
        for (var s : m) out.printf(Locale.ROOT, "| %d | %.1f | %.1f |%n", s.requests(), s.rssBytes() / 1048576.0, s.heapBytes() / 1048576.0);
        // the trend after warm-up (the first 10 % of the run: allocator pools, JIT, the engine's caches): the least-squares
        // slope of the resident set, and its range; the allocator's pools make single samples wander by 100 MB and more
        long total = m.get(m.size() - 1).requests();
        var late = m.stream().filter(s -> s.requests() >= total / 10).toList();
        if (late.size() >= 3) {
            double mx = late.stream().mapToDouble(s -> s.requests()).average().orElse(0);
            double my = late.stream().mapToDouble(s -> s.rssBytes()).average().orElse(0);
            double sxy = 0;
            double sxx = 0;
            for (var s : late) {
                sxy += (s.requests() - mx) * (s.rssBytes() - my);
                sxx += (s.requests() - mx) * (s.requests() - mx);
            }
            String unit = what.endsWith("s") ? what.substring(0, what.length() - 1) : what;
            out.printf(Locale.ROOT, "%nresident set from %d to %d %s: %.1f to %.1f MB; least-squares trend %+.1f bytes per %s (%+.1f MB per million)%n",
                    late.get(0).requests(), total, what, late.stream().mapToLong(s -> s.rssBytes()).min().orElse(0) / 1048576.0,
                    late.stream().mapToLong(s -> s.rssBytes()).max().orElse(0) / 1048576.0, sxy / sxx, unit, sxy / sxx * 1e6 / 1048576.0);
        }
    }

    /** {@code tempora bench api-memory}: native memory of the embedding API over many calls. */
    @Command(name = "api-memory", mixinStandardHelpOptions = true,
            description = "Classifies an in-memory clip --calls times through AudioClassifier from --callers threads and prints the "
                    + "resident set (which holds libtorch's native memory) and the heap every --calls/20 calls.")
    static final class ApiMemory implements Callable<Integer> {
        @Option(names = {"-m", "--model"}, required = true, paramLabel = "RUN") Path model;
        @Option(names = "--calls", defaultValue = "1000000", converter = OptionValues.Count.class) int calls;
        @Option(names = "--callers", defaultValue = "2", converter = OptionValues.Count.class) int callers;
        @Option(names = "--threads", defaultValue = "1", converter = OptionValues.CountOrZero.class, description = "Engine threads per call (default: ${DEFAULT-VALUE}).") int threads;
        @Option(names = "--clip-seconds", defaultValue = "1", converter = OptionValues.Positive.class) double clipSeconds;

        @Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            long t0 = System.nanoTime();
            var m = org.tempora.serve.ServeBenchmark.apiMemory(model, calls, callers, threads, 20, clipSeconds);
            double s = (System.nanoTime() - t0) / 1e9;
            out.printf("### AudioClassifier memory over %d calls%n%n", calls);
            out.printf("- command: `tempora %s`%n", String.join(" ", spec.commandLine().getParseResult().originalArgs()));
            out.printf("- machine: %s%n", Machine.current().describe());
            out.printf(Locale.ROOT, "- %.0f s, %.0f calls/s, %d callers, %d engine thread(s) each%n", s, calls / s, callers, threads);
            printMemory(out, "calls", m);
            out.flush();
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
            // JMH's own options (-f, -wi, -i, …) arrive here as positional arguments, in order (see Main)
            org.openjdk.jmh.Main.main(args == null ? new String[0] : args.toArray(new String[0]));
            return Main.EXIT_OK;
        }
    }
}
