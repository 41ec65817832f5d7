package org.tempora.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tempora.audio.AudioReader;
import org.tempora.audio.ChannelMode;
import org.tempora.audio.TestWavs;
import org.tempora.features.FbankOptions;
import org.tempora.features.FrontEnd;
import org.tempora.io.Npy;

/**
 * Long inputs through the command line: {@code fbank} writes its .npy row by row (bit for bit what the whole-file
 * computation gives, and within a 64 MiB heap for a 30-minute file), and {@code classify} and {@code explain} refuse
 * a FIFO by name instead of hanging.
 */
class LongInputsTest {
    @TempDir
    static Path dir;

    static CliBadInputTest.Run run(String... args) {
        return CliBadInputTest.run(args);
    }

    /** A mono 16-bit PCM WAV of {@code n} samples at {@code rate}, written block by block (never in memory). */
    static Path pcm16(String name, long n, int rate) {
        Path f = dir.resolve(name);
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(f), 1 << 16)) {
            ByteBuffer h = ByteBuffer.allocate(44).order(ByteOrder.LITTLE_ENDIAN);
            h.put("RIFF".getBytes()).putInt((int) (36 + 2 * n)).put("WAVE".getBytes());
            h.put("fmt ".getBytes()).putInt(16).putShort((short) 1).putShort((short) 1).putInt(rate).putInt(rate * 2)
                    .putShort((short) 2).putShort((short) 16);
            h.put("data".getBytes()).putInt((int) (2 * n));
            out.write(h.array());
            ByteBuffer b = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
            long seed = 12345;
            for (long i = 0; i < n; i++) {
                seed = seed * 6364136223846793005L + 1442695040888963407L;
                double noise = (seed >>> 40) / (double) (1L << 24) - 0.5;
                double v = 0.3 * Math.sin(i * 2 * Math.PI * (200 + (i / rate) % 50 * 30) / rate) + 0.05 * noise;
                b.putShort((short) Math.round(v * 32767));
                if (!b.hasRemaining()) {
                    out.write(b.array());
                    b.clear();
                }
            }
            out.write(b.array(), 0, b.position());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return f;
    }

    static Path model;

    @BeforeAll
    static void trainATinyModel() {
        model = dir.resolve("tiny-run");
        CliBadInputTest.Run r = run("train", "--preset", "demo", "--data", "synthetic", "--out", model.toString(), "--cache", dir.resolve("cache").toString(),
                "--set", "data.synthetic.classes=2", "--set", "data.synthetic.clips_per_class=8", "--set", "train.epochs=1",
                "--set", "backbone.dim=16", "--set", "backbone.depth=1", "--set", "backbone.heads=2", "--set", "train.batch_size=8",
                "--set", "train.schedule.warmup_steps=1", "--threads", "2");
        assertThat(r.code()).as(r.err()).isZero();
    }

    @Test
    void fbankStreamsRowsBitForBitAsTheWholeFile() {
        Path f = pcm16("seven.wav", 44100L * 7 + 11, 44100); // resampled to 16 kHz; ~700 rows, several chunks
        List<String[]> cases = new ArrayList<>();
        cases.add(new String[] {});
        cases.add(new String[] {"--target-frames", "300", "--norm-mean", "-6.845978", "--norm-std", "5.5654526"});
        cases.add(new String[] {"--target-frames", "1000"});
        cases.add(new String[] {"--no-snip-edges", "--frame-shift-ms", "4", "--dither", "0.01", "--seed", "3"});
        for (String[] extra : cases) {
            Path out = dir.resolve("seven-" + cases.indexOf(extra) + ".npy");
            List<String> args = new ArrayList<>(List.of("fbank", f.toString(), "--out", out.toString()));
            args.addAll(List.of(extra));
            CliBadInputTest.Run r = run(args.toArray(String[]::new));
            assertThat(r.code()).as(r.err()).isZero();
            FbankOptions o = FbankOptions.ast(16000);
            int target = 0;
            double mean = Double.NaN;
            double std = Double.NaN;
            for (int i = 0; i < extra.length; i++) {
                switch (extra[i]) {
                    case "--target-frames" -> target = Integer.parseInt(extra[++i]);
                    case "--norm-mean" -> mean = Double.parseDouble(extra[++i]);
                    case "--norm-std" -> std = Double.parseDouble(extra[++i]);
                    case "--no-snip-edges" -> o = o.withSnipEdges(false);
                    case "--frame-shift-ms" -> o = o.withFrameShiftMs(Double.parseDouble(extra[++i]));
                    case "--dither" -> {
                        double d = Double.parseDouble(extra[++i]);
                        i++; // --seed
                        o = o.withDither(d, Long.parseLong(extra[++i]));
                    }
                    default -> throw new IllegalStateException(extra[i]);
                }
            }
            FrontEnd fe = new FrontEnd(o, ChannelMode.FIRST, target, mean, std);
            float[] whole = fe.compute(AudioReader.read(f)).data();
            Npy.Array a = Npy.read(out);
            assertThat(a.shape()).containsExactly(whole.length / 128, 128);
            assertThat(a.f32()).as(String.join(" ", extra)).containsExactly(whole);
        }
    }

    /**
     * A 30-minute file (57.6 MB; its samples alone are 115 MB of floats) in a child JVM with a 64 MiB heap: the
     * streamed fbank writes all 179,998 rows. The whole-file computation ran out of memory here.
     */
    @Test
    void fbankOfThirtyMinutesFitsInA64MiBHeap() throws Exception {
        Path f = pcm16("thirty-minutes.wav", 16000L * 1800, 16000);
        Path out = dir.resolve("thirty-minutes.npy");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-Xmx64m", "--add-modules", "jdk.incubator.vector", "-Djava.awt.headless=true",
                "-cp", System.getProperty("java.class.path"), Main.class.getName(), "fbank", f.toString(), "--out", out.toString())
                .redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor()).as(log).isZero();
        assertThat(Files.size(out)).isEqualTo(128 + 179_998L * 128 * 4);
        Files.delete(out);
        Files.delete(f);
    }

    @Test
    void classifyAndExplainRefuseAFifo() {
        Path fifo = TestWavs.fifo(dir, "pipe.wav");
        Path good = pcm16("good.wav", 16000, 16000);
        assertTimeoutPreemptively(Duration.ofSeconds(120), () -> {
            CliBadInputTest.Run c = run("classify", "--model", model.toString(), fifo.toString(), good.toString());
            assertThat(c.code()).isEqualTo(3);
            assertThat(c.err().strip()).isEqualTo("tempora: " + fifo + ": not a regular file (a FIFO)");
            assertThat(c.out()).contains(good.toString()); // the good file is still classified
            CliBadInputTest.Run e = run("explain", "--model", model.toString(), fifo.toString(), "--out", dir.resolve("x.png").toString());
            assertThat(e.code()).isEqualTo(3);
            assertThat(e.err().strip()).isEqualTo("tempora: " + fifo + ": not a regular file (a FIFO)");
        });
    }
}
