package org.tempora.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.tempora.audio.TestWavs.FLOAT;
import static org.tempora.audio.TestWavs.PCM;
import static org.tempora.audio.TestWavs.chunk;
import static org.tempora.audio.TestWavs.fmt;
import static org.tempora.audio.TestWavs.floatData;
import static org.tempora.audio.TestWavs.intData;
import static org.tempora.audio.TestWavs.riff;
import static org.tempora.audio.TestWavs.write;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every bad input of the foundation issue through the command line: one line on stderr naming the file and
 * the problem, the documented exit code (3 bad data, 2 usage, 1 other), no stack trace without --debug, and no
 * half-written output.
 */
class CliBadInputTest {
    @TempDir
    static Path dir;

    /** stdout, stderr and exit code of one CLI run. */
    record Run(int code, String out, String err) {}

    static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Run(code, out.toString(), err.toString());
    }

    /** Trains the smallest demo model (3 classes, 1 epoch) into {@code dir/run} through the CLI; returns the run folder. */
    static Path trainTiny(Path dir) {
        Path run = dir.resolve("run");
        Run t = run("train", "--preset", "demo", "--data", "synthetic", "--epochs", "1",
                "--set", "data.synthetic.classes=3", "--set", "data.synthetic.clips_per_class=8", "--set", "backbone.dim=16",
                "--set", "backbone.depth=1", "--set", "backbone.heads=2", "--cache", dir.resolve("cache").toString(),
                "--out", run.toString(), "-q");
        org.assertj.core.api.Assertions.assertThat(t.code()).as(t.err()).isZero();
        return run;
    }

    static byte[] pcm16(int n, int rate) {
        int[][] pcm = new int[1][n];
        for (int i = 0; i < n; i++) pcm[0][i] = (int) (8000 * Math.sin(i * 0.05));
        return riff(chunk("fmt ", fmt(PCM, 1, rate, 16)), chunk("data", intData(pcm, 2)));
    }

    static Stream<Arguments> badFiles() {
        byte[] good = pcm16(1600, 16000);
        byte[] truncated = java.util.Arrays.copyOf(good, 30);
        byte[] lying = riff(chunk("fmt ", fmt(PCM, 1, 16000, 16)), chunk("data", 100000, new byte[4]));
        byte[] magic = "hello, world, this is not audio".getBytes();
        byte[] mulaw = riff(chunk("fmt ", fmt(7, 1, 8000, 8)), chunk("data", new byte[100]));
        byte[] adpcm = riff(chunk("fmt ", fmt(0x11, 1, 8000, 4)), chunk("data", new byte[100]));
        byte[] empty = riff(chunk("fmt ", fmt(PCM, 1, 16000, 16)), chunk("data", new byte[0]));
        float[][] nan = new float[1][1000];
        nan[0][500] = Float.NaN;
        byte[] nanWav = riff(chunk("fmt ", fmt(FLOAT, 1, 16000, 32)), chunk("data", floatData(nan)));
        float[][] inf = new float[1][1000];
        inf[0][7] = Float.POSITIVE_INFINITY;
        byte[] infWav = riff(chunk("fmt ", fmt(FLOAT, 1, 16000, 32)), chunk("data", floatData(inf)));
        byte[] absurdRate = pcm16(1600, 999);
        return Stream.of(
                Arguments.of("truncated.wav", truncated, "truncated header: file ends inside"),
                Arguments.of("lying.wav", lying, "data chunk claims 100000 bytes but only 4 bytes follow it in the file"),
                Arguments.of("magic.wav", magic, "not a WAV or FLAC file (starts with bytes 68 65 6C 6C)"),
                Arguments.of("mulaw.wav", mulaw, "unsupported WAV encoding mu-law (format tag 7)"),
                Arguments.of("adpcm.wav", adpcm, "unsupported WAV encoding IMA-ADPCM (format tag 17)"),
                Arguments.of("empty.wav", empty, "no audio samples (the data chunk is empty)"),
                Arguments.of("nan.wav", nanWav, "sample 500 is NaN"),
                Arguments.of("inf.wav", infWav, "sample 7 is +Inf"),
                Arguments.of("rate.wav", absurdRate, "implausible sample rate 999 Hz (supported: 1000 to 768000 Hz)"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badFiles")
    void fbankReportsOneLineAndExit3(String name, byte[] bytes, String problem) throws IOException {
        Path f = write(dir, name, bytes);
        Path out = dir.resolve(name + ".npy");
        Run r = run("fbank", f.toString(), "--out", out.toString());
        assertThat(r.code()).isEqualTo(3);
        assertThat(r.err()).startsWith("tempora: " + f + ": " + problem.substring(0, Math.min(problem.length(), 30)));
        assertThat(r.err()).contains(problem);
        assertThat(r.err().strip().lines()).hasSize(1);
        assertThat(r.err()).doesNotContain("Exception").doesNotContain("\tat ");
        assertThat(out).doesNotExist();
        assertThat(Files.list(dir).filter(p -> p.getFileName().toString().endsWith(".tmp")).count()).isZero();
    }

    /** A coarse-to-fine schedule that cannot carry the resolution stage: one line naming the phase, exit 2, no folder. */
    @Test
    void phasesWithAResolutionStageTheyCannotCarry() {
        Path out = dir.resolve("pool-diffres");
        Run r = run("train", "--preset", "diffres-0.5", "--data", "synthetic", "--phases", "avgpool 2->1 @1", "--epochs", "2",
                "--cache", dir.resolve("cache").toString(), "--out", out.toString(), "-q");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err().strip()).isEqualTo("tempora: phase 1 (avgpool ×2): a pooling phase cannot run with resolution.kind diffres"
                + " (a model has one resolution stage); use fshift or patch phases");
        assertThat(out).doesNotExist();
    }

    @Test
    void clipShorterThanOneWindow() {
        Path f = write(dir, "short.wav", pcm16(399, 16000));
        Run r = run("fbank", f.toString(), "--out", dir.resolve("short.npy").toString());
        assertThat(r.code()).isEqualTo(3);
        assertThat(r.err().strip()).isEqualTo("tempora: " + f
                + ": clip of 399 samples (0.0249 s) is shorter than one analysis window of 400 samples (25 ms at 16000 Hz)");
        assertThat(dir.resolve("short.npy")).doesNotExist();
    }

    @Test
    void missingAndUnreadableFiles() throws IOException {
        Path missing = dir.resolve("nope.wav");
        Run r = run("info", missing.toString());
        assertThat(r.code()).isEqualTo(3);
        assertThat(r.err().strip()).isEqualTo("tempora: " + missing + ": file not found");
        Path folder = Files.createDirectories(dir.resolve("folder.wav"));
        Run r2 = run("fbank", folder.toString(), "--out", dir.resolve("x").toString());
        assertThat(r2.code()).isEqualTo(3); // a folder with no audio in it: bad input, as for classify and stats
        assertThat(r2.err().strip()).isEqualTo("tempora: " + folder + ": no .wav or .flac files in this folder");
    }

    /** A FIFO, a device or a folder given as a file: one line, exit 3, refused before opening (a FIFO would hang). */
    @Test
    void nonRegularFilesAreRefused() throws IOException {
        Path fifo = org.tempora.audio.TestWavs.fifo(dir, "pipe.wav");
        Path dev = Path.of("/dev/null");
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            for (Path f : new Path[] {fifo, dev}) {
                String problem = f.equals(fifo) ? "not a regular file (a FIFO)" : "not a regular file (a character device)";
                Run info = run("info", f.toString());
                assertThat(info.code()).isEqualTo(3);
                assertThat(info.err().strip()).isEqualTo("tempora: " + f + ": " + problem);
                Path out = dir.resolve("nonregular.npy");
                Run fbank = run("fbank", f.toString(), "--out", out.toString());
                assertThat(fbank.code()).isEqualTo(3);
                assertThat(fbank.err().strip()).isEqualTo("tempora: " + f + ": " + problem);
                assertThat(out).doesNotExist();
            }
            // in a folder: listed, then refused by name (stats fails, or skips it with --skip-bad)
            Path set = Files.createDirectories(dir.resolve("with-fifo"));
            write(set, "a.wav", pcm16(16000, 16000));
            Path inner = org.tempora.audio.TestWavs.fifo(set, "b.wav");
            Run stats = run("stats", set.toString(), "-q");
            assertThat(stats.code()).isEqualTo(3);
            assertThat(stats.err().strip()).isEqualTo("tempora: " + inner + ": not a regular file (a FIFO)");
            Run skipping = run("stats", set.toString(), "-q", "--skip-bad");
            assertThat(skipping.code()).isZero();
            assertThat(skipping.err().strip()).isEqualTo("tempora: skipped " + inner + ": not a regular file (a FIFO)");
            Run folderFbank = run("fbank", set.toString(), "--out", dir.resolve("with-fifo-out").toString());
            assertThat(folderFbank.code()).isEqualTo(3);
            assertThat(folderFbank.err().strip()).isEqualTo("tempora: " + inner + ": not a regular file (a FIFO)");
            assertThat(dir.resolve("with-fifo-out/a.npy")).exists();
        });
    }

    @Test
    void infoReportsBadFilesButStillPrintsGoodOnes() {
        Path good = write(dir, "good.wav", pcm16(16000, 16000));
        Path bad = write(dir, "bad.wav", "nonsense".getBytes());
        Run r = run("info", good.toString(), bad.toString());
        assertThat(r.code()).isEqualTo(3);
        assertThat(r.out().strip()).isEqualTo(good + ": WAV, PCM signed 16-bit, 16000 Hz, 1 channel, 16 bit, 1.000 s (16000 frames)");
        assertThat(r.err().strip().lines()).hasSize(1);
    }

    @Test
    void debugAddsTheStackTrace() {
        Path f = write(dir, "dbg.wav", "nonsense".getBytes());
        Run r = run("info", f.toString(), "--debug");
        assertThat(r.code()).isEqualTo(3);
        assertThat(r.err()).contains("tempora: " + f + ": not a WAV or FLAC file");
        Run r2 = run("fbank", f.toString(), "--out", dir.resolve("dbg.npy").toString(), "--debug");
        assertThat(r2.code()).isEqualTo(3);
        assertThat(r2.err()).contains("not a WAV or FLAC file");
    }

    @Test
    void usageErrorsExit2WithOneLine() {
        Run unknown = run("fbank", "--no-such-option");
        assertThat(unknown.code()).isEqualTo(2);
        assertThat(unknown.err().strip().lines()).hasSize(1);
        Run noOut = run("fbank", "x.wav");
        assertThat(noOut.code()).isEqualTo(2);
        assertThat(noOut.err()).contains("Missing required option: '--out=PATH'");
        Run badWindow = run("fbank", write(dir, "w.wav", pcm16(1600, 16000)).toString(), "--out", dir.resolve("w.npy").toString(), "--window", "kaiser");
        assertThat(badWindow.code()).isEqualTo(2);
        assertThat(badWindow.err().strip()).isEqualTo(
                "tempora: unknown window type 'kaiser' (expected hanning, povey, hamming, rectangular or blackman)");
        Run noCommand = run();
        assertThat(noCommand.code()).isEqualTo(2);
        Run badPreset = run("train", "--preset", "nope");
        assertThat(badPreset.code()).isEqualTo(2);
        assertThat(badPreset.err()).startsWith("tempora: unknown preset 'nope'");
        Run badKey = run("train", "--set", "train.epoch=3");
        assertThat(badKey.code()).isEqualTo(2);
        assertThat(badKey.err().strip()).isEqualTo("tempora: unknown config key 'train.epoch' in override 'train.epoch=3'");
    }

    @Test
    void helpWorksEverywhere() {
        for (String cmd : new String[] {"info", "fbank", "stats", "train", "eval", "classify", "demo", "bench", "presets"}) {
            Run r = run(cmd, "--help");
            assertThat(r.code()).as(cmd).isZero();
            assertThat(r.out()).as(cmd).contains("Usage: tempora " + cmd);
        }
    }
}
