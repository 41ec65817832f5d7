package org.tempora.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tempora.Stop;

/** {@code tempora serve}: starts on a free port, answers, and a stop (what SIGTERM requests) ends it with 143 and one line. */
class ServeCommandTest {
    @TempDir
    Path dir;

    @AfterEach
    void clear() {
        Stop.clear();
    }

    @Test
    void servesUntilStoppedThenExits143() throws Exception {
        Path run = CliBadInputTest.trainTiny(dir);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CompletableFuture<Integer> serving = CompletableFuture.supplyAsync(() ->
                Main.run(new String[] {"serve", "--model", "demo=" + run, "--port", "0", "--threads", "2"},
                        new PrintWriter(out, true), new PrintWriter(err, true)));
        Pattern address = Pattern.compile("serving demo on (http://127\\.0\\.0\\.1:\\d+/)");
        Matcher m = address.matcher("");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!(m = address.matcher(out.toString())).find() && System.nanoTime() < deadline && !serving.isDone()) Thread.sleep(50);
        assertThat(m.find(0)).as("stdout %s, stderr %s", out, err).isTrue();
        String base = m.group(1);
        HttpResponse<String> models = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(base + "v1/models")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(models.statusCode()).isEqualTo(200);
        assertThat(models.body()).contains("\"name\":\"demo\"");
        Stop.request("TERM", 143);   // what the SIGTERM handler does
        assertThat(serving.get(60, TimeUnit.SECONDS)).isEqualTo(143);
        assertThat(err.toString()).isEqualTo("tempora: stopped by SIGTERM after finishing the requests in flight\n");
    }

    /** `tempora bench serve` at toy size: every mode and level measured, none failed, the memory table printed. */
    @Test
    void benchServeMeasuresEveryModeAndLevel() {
        Path run = CliBadInputTest.trainTiny(dir);
        CliBadInputTest.Run r = CliBadInputTest.run("bench", "serve", "-m", run.toString(), "--concurrency", "1,3", "--seconds", "0.5",
                "--warmup", "0.2", "--threads", "1", "--batch", "4", "--memory-requests", "30", "--memory-concurrency", "3");
        assertThat(r.code()).as(r.err()).isZero();
        java.util.List<String> rows = r.out().lines().filter(l -> l.matches("\\| (in-process|HTTP).*")).toList();
        assertThat(rows).hasSize(6);
        for (String row : rows) {
            String[] c = row.split("\\|");
            assertThat(Long.parseLong(c[3].strip())).as(row).isPositive();        // requests
            assertThat(c[9].strip()).as(row).isEqualTo("0");                       // failed
            assertThat(Double.parseDouble(c[7].strip())).as(row).isGreaterThanOrEqualTo(Double.parseDouble(c[5].strip())); // p99 ≥ p50
        }
        assertThat(rows.get(4)).startsWith("| HTTP, micro-batching ≤ 4 | 1 |");
        assertThat(Double.parseDouble(rows.get(5).split("\\|")[10].strip())).as("mean batch").isBetween(1.0, 4.0);
        assertThat(r.out()).contains("| requests | resident set (MB) | heap in use after GC (MB) |").contains("| 30 | ").contains("least-squares trend");
    }
}
