package org.tempora.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGTERM to a training process (issue #12, item 2: it crashed the JVM in 2 of 5 tries): a real child JVM running the
 * CLI gets the signal mid-training, stops after the step in flight with a checkpoint, prints one line and exits 143,
 * leaving no crash log and no temporary file; `train --resume` then finishes the run.
 */
class SignalTest {
    @TempDir
    Path dir;

    Process start(String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "-Dai.djl.offline=true", "-Djava.awt.headless=true", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                "-Dorg.slf4j.simpleLogger.log.ai.djl.util.cuda=error",
                "-XX:ErrorFile=" + dir.resolve("hs_err_pid%p.log"), "org.tempora.cli.Main"));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile())
                .redirectOutput(dir.resolve("out.txt").toFile()).redirectError(dir.resolve("err.txt").toFile());
        pb.environment().put("MKL_CBWR", "AUTO,STRICT");
        return pb.start();
    }

    @Test
    void sigtermMidTrainingCheckpointsAndExits143WithOneLine() throws Exception {
        Path run = dir.resolve("run");
        String[] train = {"train", "--preset", "demo", "--data", "synthetic", "--epochs", "4", "-q", "--threads", "2",
                "--set", "data.synthetic.classes=3", "--set", "data.synthetic.clips_per_class=40", "--set", "train.batch_size=8",
                "--set", "backbone.dim=32", "--set", "backbone.depth=1", "--set", "backbone.heads=2",
                "--cache", dir.resolve("cache").toString(), "--out", run.toString()};
        Process p = start(train);
        Path state = run.resolve("checkpoints/last.json");
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
        while (!Files.exists(state) && p.isAlive() && System.nanoTime() < deadline) Thread.sleep(100);
        assertThat(Files.exists(state)).as("the first epoch's checkpoint (stderr: %s)", Files.readString(dir.resolve("err.txt"))).isTrue();
        p.destroy();   // SIGTERM on Linux
        assertThat(p.waitFor(3, TimeUnit.MINUTES)).isTrue();
        List<String> err = Files.readAllLines(dir.resolve("err.txt"), StandardCharsets.UTF_8);
        assertThat(p.exitValue()).as("exit code; stderr %s", err).isEqualTo(143);
        assertThat(err).hasSize(1);
        assertThat(err.get(0)).matches("tempora: stopped by SIGTERM (in epoch \\d after step \\d+ of \\d+; checkpoint written"
                + "|during evaluation).*");
        try (Stream<Path> s = Files.walk(dir)) {
            assertThat(s.map(f -> f.getFileName().toString()).filter(n -> n.startsWith("hs_err") || n.endsWith(".tmp")).toList()).isEmpty();
        }

        // resume without naming the experiment again: the run's own config.yaml is used
        Process r = start("train", "--resume", "-q", "--threads", "2", "--cache", dir.resolve("cache").toString(), "--out", run.toString());
        assertThat(r.waitFor(5, TimeUnit.MINUTES)).isTrue();
        assertThat(r.exitValue()).as("resume; stderr %s", Files.readString(dir.resolve("err.txt"))).isZero();
        assertThat(run.resolve("model.npz")).exists();
        assertThat(Files.readString(run.resolve("run.json"))).contains("\"status\" : \"finished\"");
    }
}
