package org.tempora.serve;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import org.tempora.ConfigException;
import org.tempora.TemporaException;
import org.tempora.api.AudioClassifier;
import org.tempora.audio.WavWriter;
import org.tempora.audio.Waveform;

/**
 * {@code tempora bench serve}: what the HTTP server costs over calling the library in the same process, and what
 * micro-batching buys. One model, one clip, and for each concurrency a closed loop of that many clients, each sending
 * the next request when the last is answered, for a fixed time after a warm-up. Localhost only; the clients run in this
 * JVM, so they share the two cores with the server (as a sidecar would). Then the memory check: the resident set and heap
 * over many requests.
 */
public final class ServeBenchmark {
    private ServeBenchmark() {}

    /**
     * @param clipSeconds    length of the generated clip (a chirp with noise at the model's rate)
     * @param seconds        measured time per concurrency level
     * @param warmupSeconds  unmeasured time before each level
     * @param memoryRequests requests of the memory check (0 = skip), at {@code memoryConcurrency}
     */
    public record Config(Path model, Path clip, double clipSeconds, List<Integer> concurrency, double seconds,
                         double warmupSeconds, int threads, int workers, int maxBatch, long memoryRequests, int memoryConcurrency) {
        public Config {
            if (concurrency.isEmpty() || concurrency.stream().anyMatch(c -> c < 1)) throw new ConfigException("concurrency levels must be >= 1");
            if (!(seconds > 0)) throw new ConfigException("--seconds must be > 0");
        }
    }

    /** One mode at one concurrency: requests per second and latency percentiles (ms), and the non-200 answers. */
    public record Level(String mode, int concurrency, long requests, double perSecond, double p50, double p90, double p99,
                        double max, long failures, double meanBatch) {}

    /** A sample of the memory check: after {@code requests} requests, the process's resident set and the used heap. */
    public record MemorySample(long requests, long rssBytes, long heapBytes) {}

    public record Result(List<Level> levels, List<MemorySample> memory, double clipSeconds) {}

    public static Result run(Config c) throws Exception {
        Path tmp = Files.createTempDirectory("tempora-bench-serve-");
        try {
            Path clip = c.clip();
            double clipSeconds;
            try (AudioClassifier probe = AudioClassifier.load(c.model(), new AudioClassifier.Options(c.threads(), 1, 5, 0))) {
                if (clip == null) {
                    clip = tmp.resolve("clip.wav");
                    writeClip(clip, probe.frontEnd().sampleRate(), c.clipSeconds());
                }
                clipSeconds = probe.classify(clip).durationSeconds();
            }
            byte[] body = Files.readAllBytes(clip);
            List<Level> levels = new ArrayList<>();
            // 1. the library in this process: the floor under any server
            try (AudioClassifier m = AudioClassifier.load(c.model(), new AudioClassifier.Options(c.threads(), c.workers(), 5, 0))) {
                Path f = clip;
                for (int conc : c.concurrency()) {
                    levels.add(measure("in-process API", conc, c, () -> m.classify(f) != null));
                }
            }
            // 2. HTTP without and with micro-batching
            for (int batch : new int[] {1, c.maxBatch()}) {
                ModelServer.Limits limits = new ModelServer.Limits(50L << 20, 600, c.workers(), Math.max(64, 2 * maxOf(c.concurrency())));
                try (ModelServer s = ModelServer.start(Map.of("m", c.model()), "127.0.0.1", 0, limits,
                        new ModelServer.Batching(batch, 0), c.threads());
                     Clients clients = new Clients()) {
                    HttpClient http = clients.http;
                    URI uri = URI.create("http://127.0.0.1:" + s.port() + "/v1/classify");
                    String mode = batch == 1 ? "HTTP, no batching" : "HTTP, micro-batching ≤ " + batch;
                    for (int conc : c.concurrency()) {
                        double[] before = s.batchStats("m");
                        Level l = measure(mode, conc, c, () -> post(http, uri, body));
                        levels.add(batch == 1 ? l : withMeanBatch(l, before, s.batchStats("m")));
                    }
                }
            }
            // 3. memory over many requests, batching on (the default server)
            List<MemorySample> memory = new ArrayList<>();
            if (c.memoryRequests() > 0) {
                ModelServer.Limits limits = new ModelServer.Limits(50L << 20, 600, c.workers(), 64);
                try (ModelServer s = ModelServer.start(Map.of("m", c.model()), "127.0.0.1", 0, limits,
                        new ModelServer.Batching(c.maxBatch(), 0), c.threads());
                     Clients clients = new Clients()) {
                    HttpClient http = clients.http;
                    URI uri = URI.create("http://127.0.0.1:" + s.port() + "/v1/classify");
                    memory = memoryCheck(c.memoryRequests(), c.memoryConcurrency(), 10, () -> post(http, uri, body));
                }
            }
            return new Result(levels, memory, clipSeconds);
        } finally {
            try (var s = Files.list(tmp)) {
                for (Path p : s.toList()) Files.deleteIfExists(p);
            }
            Files.deleteIfExists(tmp);
        }
    }

    /**
     * The library's memory over {@code calls} classifications of an in-memory clip from {@code callers} threads: the
     * resident set (which holds libtorch's native memory) and the heap, sampled {@code samples} times. A native leak of
     * even one small tensor per call shows as a steady rise: 1M calls × 1 kB = 1 GB.
     */
    public static List<MemorySample> apiMemory(Path model, long calls, int callers, int threads, int samples, double clipSeconds) throws Exception {
        try (AudioClassifier m = AudioClassifier.load(model, new AudioClassifier.Options(threads, callers, 5, 0))) {
            int rate = m.frontEnd().sampleRate();
            float[] x = chirp(rate, clipSeconds);
            return memoryCheck(calls, callers, samples, () -> m.classify(x, rate) != null);
        }
    }

    /** An HTTP client and the threads it runs on (Java 17's client cannot be closed itself). */
    private static final class Clients implements AutoCloseable {
        final ExecutorService threads = Executors.newFixedThreadPool(4);
        final HttpClient http = HttpClient.newBuilder().executor(threads).build();

        @Override
        public void close() {
            threads.shutdownNow();
        }
    }

    /** One call; true when it succeeded. */
    @FunctionalInterface
    interface Call {
        boolean call() throws Exception;
    }

    private static Level measure(String mode, int conc, Config c, Call call) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(conc);
        try {
            long warmEnd = System.nanoTime() + (long) (c.warmupSeconds() * 1e9);
            long end = warmEnd + (long) (c.seconds() * 1e9);
            AtomicLong failures = new AtomicLong();
            AtomicLong lastDone = new AtomicLong(end);
            List<Future<long[]>> fs = new ArrayList<>();
            for (int i = 0; i < conc; i++) {
                fs.add(pool.submit(() -> {
                    long[] lat = new long[1024];
                    int n = 0;
                    while (true) {
                        long t0 = System.nanoTime();
                        if (t0 >= end && n > 0) break;   // every client measures at least one request
                        boolean ok = call.call();
                        long t1 = System.nanoTime();
                        if (t0 < warmEnd) continue;
                        if (!ok) failures.incrementAndGet();
                        if (n == lat.length) lat = Arrays.copyOf(lat, 2 * n);
                        lat[n++] = t1 - t0;
                        lastDone.accumulateAndGet(t1, Math::max);
                    }
                    return Arrays.copyOf(lat, n);
                }));
            }
            long[] all = new long[0];
            for (Future<long[]> f : fs) {
                long[] l = f.get();
                long[] m = Arrays.copyOf(all, all.length + l.length);
                System.arraycopy(l, 0, m, all.length, l.length);
                all = m;
            }
            Arrays.sort(all);
            double elapsed = (lastDone.get() - warmEnd) / 1e9;   // the measured window, stretched by requests still running at its end
            return new Level(mode, conc, all.length, all.length / elapsed, pct(all, 0.50), pct(all, 0.90), pct(all, 0.99),
                    all[all.length - 1] / 1e6, failures.get(), Double.NaN);
        } finally {
            pool.shutdownNow();
        }
    }

    private static double pct(long[] sorted, double q) {
        int i = (int) Math.ceil(q * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))] / 1e6;
    }

    /** The level with the mean batch size over its requests (the server's batch-size summary, before and after). */
    private static Level withMeanBatch(Level l, double[] before, double[] after) {
        double batches = after[0] - before[0];
        double mean = batches > 0 ? (after[1] - before[1]) / batches : Double.NaN;
        return new Level(l.mode(), l.concurrency(), l.requests(), l.perSecond(), l.p50(), l.p90(), l.p99(), l.max(), l.failures(), mean);
    }

    private static boolean post(HttpClient http, URI uri, byte[] body) {
        try {
            HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(uri).header("Content-Type", "audio/wav")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofByteArray());
            return r.statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** {@code total} calls from {@code callers} threads, the resident set and heap sampled {@code samples} times. */
    private static List<MemorySample> memoryCheck(long total, int callers, int samples, Call call) throws Exception {
        List<MemorySample> out = new ArrayList<>();
        long every = Math.max(1, total / samples);
        AtomicLong done = new AtomicLong();
        out.add(sample(0));
        ExecutorService pool = Executors.newFixedThreadPool(callers);
        try {
            List<Future<?>> fs = new ArrayList<>();
            for (int i = 0; i < callers; i++) {
                fs.add(pool.submit(() -> {
                    while (true) {
                        long k = done.incrementAndGet();
                        if (k > total) return null;
                        if (!call.call()) throw new TemporaException("call " + k + " of the memory check failed");
                        if (k % every == 0) {
                            synchronized (out) {
                                out.add(sample(k));
                            }
                        }
                    }
                }));
            }
            for (Future<?> f : fs) f.get();
        } finally {
            pool.shutdownNow();
        }
        out.sort(java.util.Comparator.comparingLong(MemorySample::requests));
        return out;
    }

    /** The resident set from /proc/self/status (Linux) and the heap in use after a GC. */
    static MemorySample sample(long requests) {
        System.gc();
        Runtime rt = Runtime.getRuntime();
        return new MemorySample(requests, rssBytes(), rt.totalMemory() - rt.freeMemory());
    }

    public static long rssBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }

    static int maxOf(List<Integer> l) {
        return l.stream().mapToInt(Integer::intValue).max().orElse(1);
    }

    /** A chirp with a little noise, deterministic: the benchmarks' clip. */
    static float[] chirp(int rate, double seconds) {
        int n = (int) Math.round(rate * seconds);
        float[] x = new float[n];
        java.util.Random r = new java.util.Random(7);
        for (int i = 0; i < n; i++) {
            double t = i / (double) rate;
            x[i] = (float) (0.3 * Math.sin(2 * Math.PI * (300 + 900 * t) * t) + 0.02 * r.nextGaussian());
        }
        return x;
    }

    /** {@link #chirp} as a 16-bit WAV file at the model's rate. */
    static void writeClip(Path f, int rate, double seconds) {
        float[] x = chirp(rate, seconds);
        try {
            WavWriter.write(f, new Waveform(x, rate, f.toString()), WavWriter.Encoding.PCM_16);
        } catch (RuntimeException e) {
            throw new UncheckedIOException(new IOException("cannot write the benchmark clip: " + e.getMessage(), e));
        }
    }
}
