package org.tempora.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.UploadedFile;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import org.tempora.ConfigException;
import org.tempora.InvalidInputException;
import org.tempora.TemporaException;
import org.tempora.api.AudioClassifier;
import org.tempora.audio.AudioInfo;
import org.tempora.audio.AudioReader;
import org.tempora.audio.PcmStream;

/**
 * Trained models over HTTP. Each model is an {@link AudioClassifier} chosen by name; the endpoints are:
 * <pre>
 * POST /v1/classify?model=NAME&amp;top_k=K   a raw WAV/FLAC body (audio/wav, audio/flac, application/octet-stream) or
 *                                        multipart/form-data with a "file" part → JSON top-k and timeline
 * GET  /v1/models                        every model: labels, input spec, test metrics, data digest, FLOPs
 * GET  /health, /ready                   liveness; readiness (models loaded)
 * GET  /metrics                          Prometheus: requests by model and status, latency histogram, queue depth
 * GET  /                                 the web page (upload or record, see the labels)
 * </pre>
 * Status codes: 200; 400 audio the model cannot take (the CLI's one-line message); 404 unknown model; 413 a body or
 * duration over the limit; 415 another content type; 503 with Retry-After when {@code workers + queue} requests are
 * already in (a bounded queue, so a flood is turned away rather than piled up). Closing stops accepting and lets
 * requests in flight finish.
 */
public final class ModelServer implements AutoCloseable {
    /**
     * @param maxBodyBytes largest upload accepted
     * @param maxSeconds   longest audio accepted (by its header)
     * @param workers      requests that run a model at once (per model, the classifier's own bound)
     * @param queue        requests that may wait beyond those; more get 503
     */
    public record Limits(long maxBodyBytes, double maxSeconds, int workers, int queue) {
        public Limits {
            if (maxBodyBytes < 1) throw new ConfigException("the body limit must be >= 1 byte, got " + maxBodyBytes);
            if (!(maxSeconds > 0) || Double.isInfinite(maxSeconds)) throw new ConfigException("the duration limit must be > 0 s, got " + maxSeconds);
            if (workers < 1) throw new ConfigException("workers must be >= 1, got " + workers);
            if (queue < 0) throw new ConfigException("the queue must be >= 0, got " + queue);
        }

        /** 50 MB bodies, 10 minutes of audio, 2 workers, 16 waiting. */
        public static Limits defaults() {
            return new Limits(50L << 20, 600, 2, 16);
        }
    }

    /**
     * Micro-batching of concurrent requests for clips up to one model window (longer ones are windowed and batched on
     * their own).
     *
     * @param maxBatch  requests scored in one forward pass at most; 1 = off
     * @param maxWaitMs how long the first request of a batch waits for others (0: take only those already waiting)
     */
    public record Batching(int maxBatch, double maxWaitMs) {
        public Batching {
            if (maxBatch < 1) throw new ConfigException("the batch size must be >= 1, got " + maxBatch);
            if (!(maxWaitMs >= 0) || Double.isInfinite(maxWaitMs)) throw new ConfigException("the batch wait must be >= 0 ms, got " + maxWaitMs);
        }

        public static final Batching OFF = new Batching(1, 0);

        /** Up to 16 requests a pass, no waiting (BENCHMARKS.md §11). */
        public static Batching defaults() {
            return new Batching(16, 0);
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> RAW = Set.of("audio/wav", "audio/x-wav", "audio/wave", "audio/vnd.wave", "audio/flac",
            "audio/x-flac", "application/octet-stream");

    private final Map<String, AudioClassifier> models;
    private final Limits limits;
    private final Javalin app;
    private final Semaphore admitted;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Path uploads;
    private final Map<String, MicroBatcher> batchers = new LinkedHashMap<>();

    private ModelServer(Map<String, AudioClassifier> models, Limits limits, Batching batching) {
        this.models = models;
        this.limits = limits;
        if (batching.maxBatch() > 1) {
            models.forEach((name, m) -> batchers.put(name, new MicroBatcher(name, m, limits.workers(), batching.maxBatch(),
                    batching.maxWaitMs(), metrics)));
        }
        this.admitted = new Semaphore(limits.workers() + limits.queue());
        Gauge.builder("tempora_requests_in_flight", inFlight, AtomicInteger::get)
                .description("classify requests admitted: running or queued").register(metrics);
        try {
            this.uploads = Files.createTempDirectory("tempora-serve-");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a folder for uploads: " + e.getMessage(), e);
        }
        this.app = Javalin.create(cfg -> {
            cfg.showJavalinBanner = false;
            cfg.http.maxRequestSize = limits.maxBodyBytes();
            cfg.jetty.modifyServer(server -> server.setStopTimeout(30_000));   // finish requests in flight
        });
        app.get("/health", ctx -> ctx.result("ok"));
        app.get("/ready", ctx -> ctx.status(models.isEmpty() ? 503 : 200).result(models.isEmpty() ? "no model" : "ready"));
        app.get("/metrics", ctx -> ctx.contentType("text/plain; version=0.0.4; charset=utf-8").result(metrics.scrape()));
        app.get("/v1/models", this::listModels);
        app.post("/v1/classify", this::classify);
        app.post("/v1/explain", this::explain);
        app.post("/v1/stream", this::stream);
        app.get("/v1/models/{name}/report/{file}", this::reportFile);
        app.get("/", ctx -> ctx.contentType("text/html; charset=utf-8").result(resource("index.html")));
    }

    /**
     * Loads the models and starts listening.
     *
     * @param models name → run folder or bundle
     * @param port   0 for any free port ({@link #port()})
     */
    public static ModelServer start(Map<String, Path> models, String host, int port, Limits limits, int threads) {
        return start(models, host, port, limits, Batching.defaults(), threads);
    }

    /** {@link #start(Map, String, int, Limits, int)} with the given micro-batching. */
    public static ModelServer start(Map<String, Path> models, String host, int port, Limits limits, Batching batching, int threads) {
        if (models.isEmpty()) throw new ConfigException("serve needs at least one --model");
        if (port < 0 || port > 65535) throw new ConfigException("--port must be in 0..65535, got " + port);
        Map<String, AudioClassifier> loaded = new LinkedHashMap<>();
        try {
            for (Map.Entry<String, Path> e : models.entrySet()) {
                loaded.put(e.getKey(), AudioClassifier.load(e.getValue(), new AudioClassifier.Options(threads, limits.workers(), 5, 0)));
            }
        } catch (RuntimeException e) {
            loaded.values().forEach(AudioClassifier::close);
            throw e;
        }
        ModelServer s = new ModelServer(loaded, limits, batching);
        try {
            s.app.start(host, port);
        } catch (Exception e) {   // Jetty may throw its stop's ExecutionException undeclared
            s.close();
            throw new TemporaException("cannot listen on " + host + ":" + port + ": " + bindProblem(e), e);
        }
        return s;
    }

    /** The bind failure somewhere in Jetty's wrapping (causes and suppressed), in words. */
    private static String bindProblem(Throwable e) {
        java.util.ArrayDeque<Throwable> todo = new java.util.ArrayDeque<>(List.of(e));
        java.util.Set<Throwable> seen = new java.util.HashSet<>();
        while (!todo.isEmpty()) {
            Throwable t = todo.pop();
            if (!seen.add(t)) continue;
            if (t instanceof java.net.BindException || t instanceof java.net.UnknownHostException) {
                return String.valueOf(t.getMessage()).replace('\n', ' ');
            }
            if (t.getCause() != null) todo.add(t.getCause());
            todo.addAll(List.of(t.getSuppressed()));
        }
        return "the address is in use or cannot be bound";
    }

    /** The micro-batcher's count of forward passes and of requests they scored, for a model (zeros without batching). */
    double[] batchStats(String model) {
        io.micrometer.core.instrument.DistributionSummary d = metrics.find("tempora_batch_size").tag("model", model).summary();
        return d == null ? new double[2] : new double[] {d.count(), d.totalAmount()};
    }

    /** Uploads held on disk right now (each is removed when its request ends). */
    int uploadsHeld() {
        try (var s = Files.list(uploads)) {
            return (int) s.count();
        } catch (IOException e) {
            return -1;
        }
    }

    public int port() {
        return app.port();
    }

    private void listModels(Context ctx) throws IOException {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Map.Entry<String, AudioClassifier> e : models.entrySet()) {
            AudioClassifier m = e.getValue();
            Map<String, Object> j = new LinkedHashMap<>();
            j.put("name", e.getKey());
            j.put("labels", m.labels());
            j.put("multi_label", m.multiLabel());
            var fe = m.frontEnd();
            j.put("input", Map.of("sample_rate", fe.sampleRate(), "target_frames", fe.targetFrames(),
                    "mel_bins", fe.fbank().numMelBins(), "frame_shift_ms", fe.fbank().frameShiftMs(), "channel", fe.channel().toString()));
            j.put("gflops_per_clip", m.flopsPerClip() / 1e9);
            Path runJson = m.source().resolve("run.json");
            if (Files.isRegularFile(runJson)) {
                JsonNode r = JSON.readTree(runJson.toFile());
                if (r.has("test")) j.put("test", r.get("test"));
                if (r.has("latency_ms_single_clip")) j.put("latency_ms_single_clip", r.get("latency_ms_single_clip"));
                if (r.path("data").has("digest")) j.put("data", Map.of("name", r.path("data").path("name").asText(),
                        "digest", r.path("data").path("digest").asText()));
            }
            j.put("charts", charts(m.source().resolve("report")));
            out.add(j);
        }
        json(ctx, 200, Map.of("models", out));
    }

    /**
     * The run report's charts, as the report orders them: accuracy first, then loss, learning rate, the other
     * quantities (one chart each), the confusion matrix and the per-class chart; the explain pictures last.
     */
    static List<String> charts(Path reportDir) throws IOException {
        if (!Files.isDirectory(reportDir)) return List.of();
        List<String> names;
        try (var s = Files.list(reportDir)) {
            names = s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".png") && !n.startsWith(".")).sorted().toList();
        }
        List<String> first = List.of("curves_metric.png", "curves_loss.png", "curves_lr.png");
        List<String> out = new ArrayList<>();
        for (String f : first) if (names.contains(f)) out.add(f);
        for (String n : names) if (n.startsWith("curves_") && !out.contains(n)) out.add(n);
        for (String f : List.of("confusion.png", "per_class.png")) if (names.contains(f)) out.add(f);
        for (String n : names) if (!out.contains(n)) out.add(n);
        return out;
    }

    /** What an endpoint does with an admitted upload. */
    private interface UploadHandler {
        void handle(String name, AudioClassifier model, Path audio, int topK) throws IOException;
    }

    private void classify(Context ctx) {
        withUpload(ctx, "classify", (name, m, audio, topK) -> {
            MicroBatcher b = batchers.get(name);
            AudioClassifier.Input in = b == null ? null : m.prepare(audio);
            AudioClassifier.Prediction p = in != null ? b.classify(in) : m.classify(audio);
            Map<String, Object> j = new LinkedHashMap<>();
            j.put("model", name);
            j.put("duration_seconds", p.durationSeconds());
            j.put("top", labels(p.top(), topK));
            List<Map<String, Object>> timeline = new ArrayList<>();
            for (AudioClassifier.Segment s : p.timeline()) timeline.add(segment(s, topK));
            j.put("timeline", timeline);
            json(ctx, 200, j);
        });
    }

    /**
     * {@code POST /v1/explain}: what the model sees of a clip's first window: its log-mel (frames × bins, rounded to 0.01)
     * and, for a DiffRes model, the share of an output frame each input frame gets, the output-frame boundaries and
     * the text summary of {@code tempora explain}.
     */
    private void explain(Context ctx) {
        withUpload(ctx, "explain", (name, m, audio, topK) -> {
            AudioClassifier.View v = m.view(audio);
            Map<String, Object> j = new LinkedHashMap<>();
            j.put("model", name);
            j.put("duration_seconds", v.durationSeconds());
            j.put("frames", v.frames());
            j.put("bins", v.bins());
            j.put("valid_frames", v.validFrames());
            j.put("frame_shift_seconds", v.frameShiftSeconds());
            j.put("log_mel", rounded(v.logMel()));
            if (v.diffres() != null) {
                var e = v.diffres();
                Map<String, Object> d = new LinkedHashMap<>();
                d.put("output_frames", e.outFrames());
                d.put("score", rounded(e.score(), 1e4));
                d.put("boundaries", e.boundaries());
                d.put("merged_fraction", e.summary().mergedFraction());
                d.put("summary", e.summary().text());
                j.put("diffres", d);
            }
            json(ctx, 200, j);
        });
    }

    private static float[] rounded(float[] v) {
        return rounded(v, 100);
    }

    private static float[] rounded(float[] v, double scale) {
        float[] r = new float[v.length];
        for (int i = 0; i < v.length; i++) r[i] = (float) (Math.round(v[i] * scale) / scale);
        return r;
    }

    /** The {@code model} parameter, or the first model's name. */
    private String modelName(Context ctx) {
        return ctx.queryParam("model") != null ? ctx.queryParam("model") : models.keySet().iterator().next();
    }

    /** The named model, or null after answering 404. */
    private AudioClassifier model(Context ctx, String name) {
        AudioClassifier m = models.get(name);
        if (m == null) error(ctx, 404, name, "unknown model '" + name + "' (" + String.join(", ", models.keySet()) + ")");
        return m;
    }

    /** Takes a place among the admitted requests, or answers 503 with Retry-After and returns false. */
    private boolean admit(Context ctx, String name) {
        if (admitted.tryAcquire()) return true;
        ctx.header("Retry-After", "1");
        error(ctx, 503, name, "busy: " + (limits.workers() + limits.queue()) + " requests are in; retry shortly");
        return false;
    }

    /** Looks the model up, admits the request (or 503), receives the upload, checks its duration, runs {@code h}. */
    private void withUpload(Context ctx, String endpoint, UploadHandler h) {
        String name = modelName(ctx);
        AudioClassifier m = model(ctx, name);
        if (m == null) return;
        int topK = topK(ctx, name);
        if (topK < 1) return;
        if (!admit(ctx, name)) return;
        inFlight.incrementAndGet();
        Timer.Sample t = Timer.start(metrics);
        Path tmp = null;
        int status = 500;
        try {
            tmp = receive(ctx, name);
            if (tmp == null) return;
            AudioInfo info = AudioReader.info(tmp);
            if (info.durationSeconds() > limits.maxSeconds()) {
                error(ctx, 413, name, String.format(Locale.ROOT, "the audio lasts %.1f s; this server takes at most %.1f s",
                        info.durationSeconds(), limits.maxSeconds()));
                return;
            }
            h.handle(name, m, tmp, topK);
            count(name, 200);
        } catch (InvalidInputException e) {
            String msg = tmp == null ? e.getMessage() : e.getMessage().replace(tmp.toString(), "the upload");
            error(ctx, 400, name, msg);
        } catch (TemporaException e) {
            error(ctx, 500, name, e.getMessage());
        } catch (IOException e) {
            error(ctx, 400, name, "cannot read the upload: " + e.getMessage());
        } finally {
            t.stop(Timer.builder("tempora_request_seconds").description("requests, upload to answer")
                    .tag("model", name).tag("endpoint", endpoint).publishPercentileHistogram().register(metrics));
            inFlight.decrementAndGet();
            admitted.release();
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // the upload folder is removed when the server closes
                }
            }
        }
    }

    /** The {@code top_k} parameter (5 when absent), or −1 after answering 400. */
    private int topK(Context ctx, String name) {
        String v = ctx.queryParam("top_k");
        if (v == null) return 5;
        int k;
        try {
            k = Integer.parseInt(v);
        } catch (NumberFormatException e) {
            k = -1;
        }
        if (k < 1) error(ctx, 400, name, "top_k must be a positive integer, got '" + v + "'");
        return k;
    }

    private static Map<String, Object> segment(AudioClassifier.Segment s, int topK) {
        Map<String, Object> w = new LinkedHashMap<>();
        w.put("start_seconds", s.startSeconds());
        w.put("end_seconds", s.endSeconds());
        w.put("top", labels(s.top(), topK));
        return w;
    }

    /**
     * {@code POST /v1/stream?model=NAME&rate=HZ}: a live stream of 16-bit signed little-endian mono PCM, raw at
     * {@code rate} or behind a WAV header that gives it ({@link PcmStream}), for instance an HTTP chunked upload; the answer is JSON lines, one per window hop, each sent as soon as its window is
     * complete (a chunked response), in memory bounded by one window. Audio beyond the duration limit is not read: the
     * last line is then {@code {"error": …}}.
     */
    private void stream(Context ctx) throws IOException {
        String name = modelName(ctx);
        AudioClassifier m = model(ctx, name);
        if (m == null) return;
        int topK = topK(ctx, name);
        if (topK < 1) return;
        int rate = -1;
        if (ctx.queryParam("rate") != null) {
            try {
                rate = Integer.parseInt(ctx.queryParam("rate"));
            } catch (NumberFormatException e) {
                rate = 0;
            }
            if (rate < 1) {
                error(ctx, 400, name, "rate must be a positive integer (Hz), got '" + ctx.queryParam("rate") + "'");
                return;
            }
        }
        if (!admit(ctx, name)) return;
        inFlight.incrementAndGet();
        try {
            PcmStream pcm;
            try {
                pcm = PcmStream.open(ctx.req().getInputStream(), rate, "the stream");
            } catch (InvalidInputException e) {
                error(ctx, 400, name, e.getMessage().startsWith("the stream: raw PCM needs its sample rate")
                        ? "give the stream's sample rate: rate=HZ (raw 16-bit little-endian mono PCM), or send a WAV header" : e.getMessage());
                return;
            }
            long maxBytes = (long) Math.min(Long.MAX_VALUE / 4, limits.maxSeconds() * pcm.rate()) * 2;
            LimitedStream body = new LimitedStream(pcm.pcm(), maxBytes);
            ctx.status(200).contentType("application/x-ndjson");
            OutputStream out = ctx.res().getOutputStream();
            m.stream(body, pcm.rate(), s -> {
                try {
                    out.write(JSON.writeValueAsBytes(segment(s, topK)));
                    out.write('\n');
                    out.flush();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            if (body.cut) {
                out.write(JSON.writeValueAsBytes(Map.of("error", String.format(Locale.ROOT,
                        "the stream went past this server's limit of %.1f s; the rest was not read", limits.maxSeconds()))));
                out.write('\n');
            }
            out.flush();
            count(name, 200);
        } catch (UncheckedIOException e) {
            count(name, 499);   // the client went away
        } finally {
            inFlight.decrementAndGet();
            admitted.release();
        }
    }

    /** Ends (as if the client had) after {@code max} bytes, and remembers it did. */
    private static final class LimitedStream extends java.io.FilterInputStream {
        private long left;
        boolean cut;

        LimitedStream(InputStream in, long max) {
            super(in);
            this.left = max;
        }

        @Override
        public int read() throws IOException {
            byte[] b = new byte[1];
            return read(b, 0, 1) < 0 ? -1 : b[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (left <= 0) {
                cut = cut || super.read() >= 0;
                return -1;
            }
            int n = super.read(b, off, (int) Math.min(len, left));
            if (n > 0) left -= n;
            return n;
        }
    }

    /** {@code GET /v1/models/NAME/report/FILE.png}: a chart of the model's run report (the model card shows them). */
    private void reportFile(Context ctx) throws IOException {
        AudioClassifier m = models.get(ctx.pathParam("name"));
        String file = ctx.pathParam("file");
        if (m == null || !file.matches("[A-Za-z0-9_.-]+\\.png") || file.startsWith(".")) {
            ctx.status(404).result("no such chart");
            return;
        }
        Path png = m.source().resolve("report").resolve(file);
        if (!Files.isRegularFile(png)) {
            ctx.status(404).result("no such chart");
            return;
        }
        ctx.contentType("image/png").result(Files.readAllBytes(png));
    }

    /** The uploaded audio in a temporary file, or null after answering 413/415. */
    private Path receive(Context ctx, String name) throws IOException {
        String type = ctx.contentType() == null ? "" : ctx.contentType().split(";")[0].strip().toLowerCase(Locale.ROOT);
        long declared = ctx.contentLength();
        if (declared > limits.maxBodyBytes()) {
            error(ctx, 413, name, "the body has " + declared + " bytes; this server takes at most " + limits.maxBodyBytes());
            return null;
        }
        InputStream in;
        if (type.equals("multipart/form-data")) {
            UploadedFile f = ctx.uploadedFile("file");
            if (f == null) {
                error(ctx, 400, name, "the multipart body has no part named 'file'");
                return null;
            }
            in = f.content();
        } else if (RAW.contains(type)) {
            in = ctx.bodyInputStream();
        } else {
            error(ctx, 415, name, "send audio as audio/wav, audio/flac, application/octet-stream or multipart/form-data (got '"
                    + (type.isEmpty() ? "no content type" : type) + "')");
            return null;
        }
        Path tmp = Files.createTempFile(uploads, "upload-", ".audio");
        long n = 0;
        try (in; OutputStream out = Files.newOutputStream(tmp)) {
            byte[] buf = new byte[1 << 16];
            for (int got; (got = in.read(buf)) >= 0; ) {
                n += got;
                if (n > limits.maxBodyBytes()) {
                    Files.deleteIfExists(tmp);
                    error(ctx, 413, name, "the body is larger than this server's limit of " + limits.maxBodyBytes() + " bytes");
                    return null;
                }
                out.write(buf, 0, got);
            }
        }
        return tmp;
    }

    private static List<Map<String, Object>> labels(List<AudioClassifier.Label> l, int k) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (AudioClassifier.Label x : l.subList(0, Math.min(k, l.size()))) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("label", x.name());
            m.put("score", x.score());
            out.add(m);
        }
        return out;
    }

    private void error(Context ctx, int status, String model, String message) {
        json(ctx, status, Map.of("error", message.replace('\n', ' ')));
        count(model, status);
    }

    private void count(String model, int status) {
        Counter.builder("tempora_requests").description("classify requests by model and status")
                .tag("model", model).tag("status", Integer.toString(status)).register(metrics).increment();
    }

    private static void json(Context ctx, int status, Object body) {
        try {
            ctx.status(status).contentType("application/json").result(JSON.writeValueAsString(body));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String resource(String name) {
        try (InputStream in = ModelServer.class.getResourceAsStream(name)) {
            if (in == null) throw new IllegalStateException("missing resource " + name);
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Stops accepting, lets requests in flight finish (up to 30 s), then frees the models. */
    @Override
    public void close() {
        try {
            app.stop();
        } catch (RuntimeException e) {
            // a server that never started cannot stop: nothing is listening, so nothing is lost
        } finally {
            batchers.values().forEach(MicroBatcher::close);
            models.values().forEach(AudioClassifier::close);
            try (var s = Files.list(uploads)) {
                for (Path p : s.toList()) Files.deleteIfExists(p);
                Files.deleteIfExists(uploads);
            } catch (IOException ignored) {
                // a temporary folder; the OS cleans it eventually
            }
        }
    }

}
