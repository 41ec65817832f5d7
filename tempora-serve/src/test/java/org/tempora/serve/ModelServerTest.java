package org.tempora.serve;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tempora.api.AudioClassifier;
import org.tempora.audio.WavWriter;
import org.tempora.audio.Waveform;
import org.tempora.config.ConfigLoader;
import org.tempora.run.Experiment;
import org.tempora.run.RunListener;

/** `tempora serve`'s HTTP contract (issue #14): answers, the status code of every bad request, the queue, metrics. */
class ModelServerTest {
    @TempDir
    static Path dir;
    static Path run;
    static ModelServer server;
    static final HttpClient HTTP = HttpClient.newHttpClient();
    static final ObjectMapper JSON = new ObjectMapper();

    @BeforeAll
    static void start() throws IOException {
        run = trainTiny(dir);
        // small limits so the tests can cross them: 200 kB bodies, 2 s of audio, one worker and one waiting request
        server = ModelServer.start(Map.of("tiny", run), "127.0.0.1", 0, new ModelServer.Limits(200_000, 2, 1, 1), 2);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    static Path trainTiny(Path dir) {
        return trainTiny(dir, "run");
    }

    /** A one-epoch micro model on 3 synthetic classes; {@code extra} settings on top (e.g. a DiffRes stage). */
    static Path trainTiny(Path dir, String name, String... extra) {
        Path out = dir.resolve(name);
        List<String> set = new ArrayList<>(List.of("data.synthetic.classes=3", "data.synthetic.clips_per_class=16",
                "train.epochs=1", "backbone.dim=16", "backbone.depth=1", "backbone.heads=2", "train.batch_size=8"));
        set.addAll(List.of(extra));
        Experiment.train(ConfigLoader.load("demo", null, set),
                new Experiment.Options(out, dir.resolve("cache"), false, false, 2), new RunListener() {});
        return out;
    }

    static byte[] wav(double seconds) throws IOException {
        int n = (int) (16000 * seconds);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) (0.3 * Math.sin(2 * Math.PI * 440 * i / 16000.0));
        Path p = Files.createTempFile(dir, "clip", ".wav");
        WavWriter.write(p, new Waveform(x, 16000, p.toString()), WavWriter.Encoding.PCM_16);
        return Files.readAllBytes(p);
    }

    static HttpResponse<String> post(String query, String type, byte[] body) throws Exception {
        return post("/v1/classify", query, type, body);
    }

    static HttpResponse<String> post(String path, String query, String type, byte[] body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path + query))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (type != null) b.header("Content-Type", type);
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static HttpResponse<String> get(String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aClipGetsItsLabelsAsRawBodyOrMultipart() throws Exception {
        byte[] clip = wav(1);
        HttpResponse<String> r = post("?model=tiny&top_k=2", "audio/wav", clip);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode j = JSON.readTree(r.body());
        assertThat(j.get("model").asText()).isEqualTo("tiny");
        assertThat(j.get("duration_seconds").asDouble()).isEqualTo(1.0);
        assertThat(j.get("top")).hasSize(2);
        JsonNode models = JSON.readTree(get("/v1/models").body()).get("models");
        List<String> labels = new ArrayList<>();
        models.get(0).get("labels").forEach(l -> labels.add(l.asText()));
        assertThat(labels).hasSize(3).contains(j.get("top").get(0).get("label").asText());
        assertThat(models.get(0).get("input").get("sample_rate").asInt()).isEqualTo(16000);
        assertThat(models.get(0).get("test").get("top1").asDouble()).isBetween(0.0, 1.0);

        String boundary = "----tempora";
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.write(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"clip.wav\"\r\n"
                + "Content-Type: audio/wav\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        body.write(clip);
        body.write(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.US_ASCII));
        HttpResponse<String> m = post("?top_k=2", "multipart/form-data; boundary=" + boundary, body.toByteArray());
        assertThat(m.statusCode()).as(m.body()).isEqualTo(200);
        assertThat(JSON.readTree(m.body()).get("top")).isEqualTo(j.get("top"));
    }

    @Test
    void everyBadRequestGetsItsStatusAndOneLine() throws Exception {
        record Case(String query, String type, byte[] body, int status, String message) {}
        List<Case> cases = List.of(
                new Case("", "text/plain", "hello".getBytes(StandardCharsets.UTF_8), 415, "send audio as audio/wav"),
                new Case("", null, wav(1), 415, "no content type"),
                new Case("", "audio/wav", "garbage".getBytes(StandardCharsets.UTF_8), 400, "the upload: not a WAV or FLAC file"),
                new Case("", "audio/wav", java.util.Arrays.copyOf(wav(1), 30), 400, "the upload: "),
                new Case("?model=nope", "audio/wav", wav(1), 404, "unknown model 'nope' (tiny)"),
                new Case("?top_k=0", "audio/wav", wav(1), 400, "top_k must be a positive integer"),
                new Case("", "audio/wav", wav(3), 413, "the audio lasts 3.0 s; this server takes at most 2.0 s"),
                new Case("", "audio/wav", new byte[300_000], 413, "this server takes at most 200000"),
                new Case("", "multipart/form-data; boundary=x", "--x--\r\n".getBytes(StandardCharsets.US_ASCII), 400, "no part named 'file'"));
        for (Case c : cases) {
            HttpResponse<String> r = post(c.query(), c.type(), c.body());
            assertThat(r.statusCode()).as(c.message() + ": " + r.body()).isEqualTo(c.status());
            String error = JSON.readTree(r.body()).get("error").asText();
            assertThat(error).contains(c.message()).doesNotContain("\n").doesNotContain("Exception");
        }
        assertThat(server.uploadsHeld()).as("every upload, good or bad, removed when its request ended").isZero();
        assertThat(get("/health").statusCode()).isEqualTo(200);
        assertThat(get("/ready").body()).isEqualTo("ready");
        String metrics = get("/metrics").body();
        assertThat(metrics).contains("tempora_requests_total{model=\"tiny\",status=\"415\"}")
                .contains("tempora_requests_total{model=\"nope\",status=\"404\"}").contains("tempora_request_seconds_bucket{endpoint=\"classify\"");
    }

    @Test
    void aFloodIsTurnedAwayWith503AndNothingBreaks() throws Exception {
        byte[] clip = wav(1);
        ExecutorService pool = Executors.newFixedThreadPool(12);
        try {
            List<Future<HttpResponse<String>>> fs = new ArrayList<>();
            for (int i = 0; i < 24; i++) fs.add(pool.submit(() -> post("", "audio/wav", clip)));
            int ok = 0;
            int busy = 0;
            for (Future<HttpResponse<String>> f : fs) {
                HttpResponse<String> r = f.get();
                if (r.statusCode() == 200) ok++;
                else {
                    assertThat(r.statusCode()).as(r.body()).isEqualTo(503);
                    assertThat(r.headers().firstValue("Retry-After")).contains("1");
                    busy++;
                }
            }
            assertThat(ok).isPositive();
            assertThat(busy).as("one worker and one place in the queue for 24 requests at once").isPositive();
        } finally {
            pool.shutdownNow();
        }
        assertThat(post("", "audio/wav", clip).statusCode()).as("served again once the flood is over").isEqualTo(200);
        assertThat(server.uploadsHeld()).as("nothing left behind by the flood").isZero();
    }

    @Test
    void aPortThatCannotBeUsedIsOneClearError() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ModelServer.start(Map.of("tiny", run), "127.0.0.1", 70000,
                ModelServer.Limits.defaults(), 1)).isInstanceOf(org.tempora.ConfigException.class).hasMessage("--port must be in 0..65535, got 70000");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ModelServer.start(Map.of("tiny", run), "127.0.0.1", server.port(),
                ModelServer.Limits.defaults(), 1)).isInstanceOf(org.tempora.TemporaException.class)
                .hasMessageStartingWith("cannot listen on 127.0.0.1:" + server.port() + ": ").hasMessageNotContaining("\n");
    }

    @Test
    void thePageIsServed() throws Exception {
        HttpResponse<String> r = get("/");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("text/html");
        assertThat(r.body()).contains("<title>tempora</title>").contains("/v1/classify").contains("id=\"file\"");
    }

    @Test
    void concurrentRequestsAreBatchedAndGetTheLabelsOfSingleCalls() throws Exception {
        List<byte[]> clips = new ArrayList<>();
        for (int i = 0; i < 8; i++) clips.add(wavTone(0.6 + 0.05 * i, 200 + 150 * i));
        List<AudioClassifier.Prediction> direct = new ArrayList<>();
        try (AudioClassifier m = AudioClassifier.load(run)) {
            for (int i = 0; i < clips.size(); i++) {
                Path f = dir.resolve("direct-" + i + ".wav");
                Files.write(f, clips.get(i));
                direct.add(m.classify(f));
            }
        }
        double before = batchedRequests();
        ExecutorService pool = Executors.newFixedThreadPool(2);   // one running, one queued: the server's limits
        try {
            List<Future<HttpResponse<String>>> fs = new ArrayList<>();
            for (byte[] c : clips) fs.add(pool.submit(() -> post("?top_k=3", "audio/wav", c)));
            for (int i = 0; i < clips.size(); i++) {
                HttpResponse<String> r = fs.get(i).get();
                assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
                JsonNode top = JSON.readTree(r.body()).get("top");
                for (int k = 0; k < 3; k++) {
                    assertThat(top.get(k).get("label").asText()).isEqualTo(direct.get(i).top().get(k).name());
                    assertThat(top.get(k).get("score").asDouble()).isCloseTo(direct.get(i).top().get(k).score(),
                            org.assertj.core.api.Assertions.within(1e-5));
                }
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(batchedRequests() - before).as("every clip went through the batcher").isEqualTo(clips.size());
    }

    /** Requests scored by the batcher so far (the sum of the batch-size summary). */
    private static double batchedRequests() throws Exception {
        for (String line : get("/metrics").body().split("\n")) {
            if (line.startsWith("tempora_batch_size_sum{model=\"tiny\"}")) return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
        }
        return 0;
    }

    static byte[] wavTone(double seconds, double hz) throws IOException {
        int n = (int) (16000 * seconds);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) (0.3 * Math.sin(2 * Math.PI * hz * i / 16000.0) + 0.05 * Math.sin(i * 0.37));
        Path p = Files.createTempFile(dir, "tone", ".wav");
        WavWriter.write(p, new Waveform(x, 16000, p.toString()), WavWriter.Encoding.PCM_16);
        return Files.readAllBytes(p);
    }

    @Test
    void explainShowsTheModelsInputAndTheDiffResPicture() throws Exception {
        HttpResponse<String> r = post("/v1/explain", "", "audio/wav", wav(0.5));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode j = JSON.readTree(r.body());
        assertThat(j.get("frames").asInt()).isEqualTo(100);
        assertThat(j.get("bins").asInt()).isEqualTo(128);
        assertThat(j.get("log_mel")).hasSize(100 * 128);
        assertThat(j.get("valid_frames").asInt()).isEqualTo(48);   // 0.5 s: 1 + (8000 − 400) / 160 frames
        assertThat(j.has("diffres")).as("a model without DiffRes").isFalse();

        Path diffres = trainTiny(dir, "diffres", "resolution.kind=diffres", "resolution.reduction=0.5");
        try (ModelServer s = ModelServer.start(Map.of("d", diffres), "127.0.0.1", 0, ModelServer.Limits.defaults(), 2)) {
            HttpResponse<String> d = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.port() + "/v1/explain"))
                    .header("Content-Type", "audio/wav").POST(HttpRequest.BodyPublishers.ofByteArray(wav(1))).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(d.statusCode()).as(d.body()).isEqualTo(200);
            JsonNode e = JSON.readTree(d.body()).get("diffres");
            assertThat(e.get("output_frames").asInt()).isEqualTo(50);
            assertThat(e.get("score")).hasSize(100);
            double sum = 0;
            for (JsonNode v : e.get("score")) sum += v.asDouble();
            assertThat(sum).as("the scores share out the output frames").isCloseTo(50, org.assertj.core.api.Assertions.within(0.05));
            assertThat(e.get("boundaries")).hasSize(51);
            assertThat(e.get("summary").asText()).isNotBlank();
        }
    }

    @Test
    void aChunkedPcmStreamGetsOneLinePerHopAsTheLibraryGives() throws Exception {
        int n = 16000 * 19 / 10;   // 1.9 s: two windows of the 1 s model, within the 2 s limit
        byte[] pcm = pcm(n);
        List<String> expected = new ArrayList<>();
        try (AudioClassifier m = AudioClassifier.load(run)) {
            m.stream(new java.io.ByteArrayInputStream(pcm), 16000, s -> expected.add(s.top().get(0).name() + "@" + s.startSeconds()));
        }
        // an InputStream publisher has no length: the client sends it chunked
        HttpResponse<java.util.stream.Stream<String>> r = HTTP.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + server.port() + "/v1/stream?rate=16000&top_k=1"))
                .header("Content-Type", "application/octet-stream")
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(pcm))).build(),
                HttpResponse.BodyHandlers.ofLines());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("application/x-ndjson");
        List<String> got = new ArrayList<>();
        for (String line : r.body().toList()) {
            JsonNode j = JSON.readTree(line);
            got.add(j.get("top").get(0).get("label").asText() + "@" + j.get("start_seconds").asDouble());
        }
        assertThat(expected).hasSizeGreaterThan(1);
        assertThat(got).isEqualTo(expected);

        HttpResponse<String> tooLong = post("/v1/stream", "?rate=16000", "application/octet-stream", pcm(16000 * 3));
        String[] lines = tooLong.body().split("\n");
        assertThat(JSON.readTree(lines[lines.length - 1]).get("error").asText())
                .isEqualTo("the stream went past this server's limit of 2.0 s; the rest was not read");
        // a WAV stream brings its own rate (8 kHz here, resampled to the model's)
        HttpResponse<String> wavStream = post("/v1/stream", "?top_k=1", "audio/wav", wavAt(8000, 1.9));
        assertThat(wavStream.statusCode()).as(wavStream.body()).isEqualTo(200);
        assertThat(wavStream.body().lines().toList()).hasSize(2).allSatisfy(l -> assertThat(l).startsWith("{\"start_seconds\":"));
        HttpResponse<String> noRate = post("/v1/stream", "", "application/octet-stream", pcm(100));
        assertThat(noRate.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(noRate.body()).get("error").asText()).startsWith("give the stream's sample rate: rate=HZ");
    }

    private static byte[] wavAt(int rate, double seconds) throws IOException {
        int n = (int) (rate * seconds);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) (0.3 * Math.sin(2 * Math.PI * 500 * i / (double) rate));
        Path p = Files.createTempFile(dir, "stream", ".wav");
        WavWriter.write(p, new Waveform(x, rate, p.toString()), WavWriter.Encoding.PCM_16);
        return Files.readAllBytes(p);
    }

    private static byte[] pcm(int n) {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(2 * n).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i++) b.putShort((short) (9000 * Math.sin(2 * Math.PI * (300 + i / 40.0) * i / 16000.0)));
        return b.array();
    }

    @Test
    void theModelCardListsTheReportChartsAccuracyFirstAndServesOnlyThem() throws Exception {
        Path report = run.resolve("report");
        Files.createDirectories(report);
        for (String f : List.of("per_class.png", "curves_loss.png", "curves_tokens.png", "curves_metric.png", "explain-0.png")) {
            Files.write(report.resolve(f), new byte[] {(byte) 0x89, 'P', 'N', 'G', (byte) f.length()});
        }
        JsonNode charts = JSON.readTree(get("/v1/models").body()).get("models").get(0).get("charts");
        List<String> names = new ArrayList<>();
        charts.forEach(c -> names.add(c.asText()));
        assertThat(names).containsExactly("curves_metric.png", "curves_loss.png", "curves_tokens.png", "per_class.png", "explain-0.png");
        HttpResponse<byte[]> png = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port()
                + "/v1/models/tiny/report/curves_metric.png")).build(), HttpResponse.BodyHandlers.ofByteArray());
        assertThat(png.statusCode()).isEqualTo(200);
        assertThat(png.headers().firstValue("Content-Type")).contains("image/png");
        assertThat(png.body()).hasSize(5);
        assertThat(get("/v1/models/tiny/report/config.yaml").statusCode()).isEqualTo(404);
        assertThat(get("/v1/models/tiny/report/..%2Fmodel.json").statusCode()).isEqualTo(404);
        assertThat(get("/v1/models/nope/report/curves_metric.png").statusCode()).isEqualTo(404);
    }
}
