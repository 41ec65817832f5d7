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
        Path out = dir.resolve("run");
        Experiment.train(ConfigLoader.load("demo", null, List.of("data.synthetic.classes=3", "data.synthetic.clips_per_class=16",
                "train.epochs=1", "backbone.dim=16", "backbone.depth=1", "backbone.heads=2", "train.batch_size=8")),
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
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/v1/classify" + query))
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
        assertThat(get("/health").statusCode()).isEqualTo(200);
        assertThat(get("/ready").body()).isEqualTo("ready");
        String metrics = get("/metrics").body();
        assertThat(metrics).contains("tempora_requests_total{model=\"tiny\",status=\"415\"}")
                .contains("tempora_requests_total{model=\"nope\",status=\"404\"}").contains("tempora_classify_seconds_bucket");
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
}
