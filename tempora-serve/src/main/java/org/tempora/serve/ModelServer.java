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

    private ModelServer(Map<String, AudioClassifier> models, Limits limits) {
        this.models = models;
        this.limits = limits;
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
        app.get("/", ctx -> ctx.contentType("text/html; charset=utf-8").result(resource("index.html")));
    }

    /**
     * Loads the models and starts listening.
     *
     * @param models name → run folder or bundle
     * @param port   0 for any free port ({@link #port()})
     */
    public static ModelServer start(Map<String, Path> models, String host, int port, Limits limits, int threads) {
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
        ModelServer s = new ModelServer(loaded, limits);
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
            out.add(j);
        }
        json(ctx, 200, Map.of("models", out));
    }

    private void classify(Context ctx) {
        String name = ctx.queryParam("model") != null ? ctx.queryParam("model") : models.keySet().iterator().next();
        AudioClassifier m = models.get(name);
        if (m == null) {
            error(ctx, 404, name, "unknown model '" + name + "' (" + String.join(", ", models.keySet()) + ")");
            return;
        }
        if (!admitted.tryAcquire()) {
            ctx.header("Retry-After", "1");
            error(ctx, 503, name, "busy: " + (limits.workers() + limits.queue()) + " requests are in; retry shortly");
            return;
        }
        inFlight.incrementAndGet();
        Timer.Sample t = Timer.start(metrics);
        Path tmp = null;
        try {
            int topK = 5;
            if (ctx.queryParam("top_k") != null) {
                try {
                    topK = Integer.parseInt(ctx.queryParam("top_k"));
                } catch (NumberFormatException e) {
                    topK = -1;
                }
                if (topK < 1) {
                    error(ctx, 400, name, "top_k must be a positive integer, got '" + ctx.queryParam("top_k") + "'");
                    return;
                }
            }
            tmp = receive(ctx, name);
            if (tmp == null) return;
            AudioInfo info = AudioReader.info(tmp);
            if (info.durationSeconds() > limits.maxSeconds()) {
                error(ctx, 413, name, String.format(Locale.ROOT, "the audio lasts %.1f s; this server takes at most %.1f s",
                        info.durationSeconds(), limits.maxSeconds()));
                return;
            }
            AudioClassifier.Prediction p = m.classify(tmp);
            Map<String, Object> j = new LinkedHashMap<>();
            j.put("model", name);
            j.put("duration_seconds", p.durationSeconds());
            j.put("top", labels(p.top(), topK));
            List<Map<String, Object>> timeline = new ArrayList<>();
            for (AudioClassifier.Segment s : p.timeline()) {
                Map<String, Object> w = new LinkedHashMap<>();
                w.put("start_seconds", s.startSeconds());
                w.put("end_seconds", s.endSeconds());
                w.put("top", labels(s.top(), topK));
                timeline.add(w);
            }
            j.put("timeline", timeline);
            json(ctx, 200, j);
            count(name, 200);
        } catch (InvalidInputException e) {
            String msg = tmp == null ? e.getMessage() : e.getMessage().replace(tmp.toString(), "the upload");
            error(ctx, 400, name, msg);
        } catch (TemporaException e) {
            error(ctx, 500, name, e.getMessage());
        } catch (IOException e) {
            error(ctx, 400, name, "cannot read the upload: " + e.getMessage());
        } finally {
            t.stop(Timer.builder("tempora_classify_seconds").description("classify requests, upload to answer")
                    .tag("model", name).publishPercentileHistogram().register(metrics));
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
