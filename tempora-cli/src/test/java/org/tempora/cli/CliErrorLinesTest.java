package org.tempora.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.tempora.audio.TestWavs.PCM;
import static org.tempora.audio.TestWavs.chunk;
import static org.tempora.audio.TestWavs.fmt;
import static org.tempora.audio.TestWavs.intData;
import static org.tempora.audio.TestWavs.riff;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.tempora.InvalidInputException;
import org.tempora.TemporaException;
import picocli.CommandLine;

/**
 * Whatever goes wrong, the command line prints exactly one line on stderr without --debug: bad configs, bad data,
 * unwritable outputs, bad option values, and even exceptions whose message has line breaks. The line names the file
 * (or option) and the problem in words, never a Java class name, and the exit code is the documented one.
 */
class CliErrorLinesTest {
    @TempDir
    static Path dir;

    /** A Java class name: qualified ({@code java.io.UncheckedIOException}) or a bare throwable name. */
    static final Pattern JAVA_NAME = Pattern.compile("\\b[a-z]+(\\.[a-z]\\w*)+\\.[A-Z]\\w*|[A-Za-z]*(Exception|Error)\\b");

    static CliBadInputTest.Run run(String... args) {
        return CliBadInputTest.run(args);
    }

    static Path file(String name, String text) throws IOException {
        Path p = dir.resolve(name);
        Files.createDirectories(p.getParent());
        return Files.writeString(p, text);
    }

    static Path file(String name, byte[] bytes) throws IOException {
        Path p = dir.resolve(name);
        Files.createDirectories(p.getParent());
        return Files.write(p, bytes);
    }

    static byte[] wav(int n) {
        int[][] pcm = new int[1][n];
        for (int i = 0; i < n; i++) pcm[0][i] = (int) (8000 * Math.sin(i * 0.05));
        return riff(chunk("fmt ", fmt(PCM, 1, 16000, 16)), chunk("data", intData(pcm, 2)));
    }

    /** A FLAC file with a valid STREAMINFO (16 kHz, mono, 16-bit, 16000 samples) followed by noise instead of frames. */
    static byte[] flacWithGarbageFrames() {
        ByteBuffer b = ByteBuffer.allocate(4 + 4 + 34 + 2000);
        b.put("fLaC".getBytes(StandardCharsets.US_ASCII));
        b.put(new byte[] {(byte) 0x80, 0, 0, 34});
        b.putShort((short) 4096).putShort((short) 4096);       // min/max block size
        b.put(new byte[6]);                                    // min/max frame size unknown
        long packed = 16000L << 44 | 0L << 41 | 15L << 36 | 16000L;  // rate, channels-1, bits-1, total samples
        b.putLong(packed);
        b.put(new byte[16]);                                   // MD5
        byte[] noise = new byte[2000];
        new Random(3).nextBytes(noise);
        noise[0] = (byte) 0xFF;                                // a frame sync code, then nonsense
        noise[1] = (byte) 0xF8;
        b.put(noise);
        return b.array();
    }

    @BeforeAll
    static void inputs() throws IOException {
        file("bad.yaml", "train:\n  lr: [1\n  epochs: 3\n");
        file("bad.json", "{\"train\": {\"lr\": 0.001}\n");
        file("null.json", "{\"train\": {\"lr\": }}\n");
        file("tabs.yaml", "train:\n\tlr: 1\n");
        file("as/class_labels_indices.csv", "index,mid,display_name\n0,/m/a,A\n1,/m/b,B\n");
        file("as/train.json", "{\"data\": [ {\"wav\": \"a.wav\", \"labels\": \"/m/a\",} ]}\n");
        file("as/eval.json", "{\"data\": []}\n");
        file("corrupt.flac", flacWithGarbageFrames());
        file("good.wav", wav(16000));
        file("a-file", "not a folder\n");
        file("badrun/model.json", "{\"format\": 1,\n \"config\": \n");
        file("badrun/model.npz", new byte[0]);
        Files.createDirectories(dir.resolve("empty"));
    }

    static Stream<Arguments> badRuns() {
        String d = dir.toString();
        List<Arguments> l = new ArrayList<>();
        l.add(Arguments.of("invalid YAML config", 3, d + "/bad.yaml: not valid YAML/JSON: expected ',' or ']'",
                new String[] {"train", "--preset", "demo", "--config", d + "/bad.yaml", "--data", "synthetic", "--out", d + "/r1"}));
        l.add(Arguments.of("invalid JSON config", 3, d + "/bad.json: not valid YAML/JSON",
                new String[] {"train", "--preset", "demo", "--config", d + "/bad.json", "--data", "synthetic", "--out", d + "/r2"}));
        l.add(Arguments.of("null for a number", 2, "bad value for 'train.lr': null (expected a number)",
                new String[] {"train", "--preset", "demo", "--config", d + "/null.json", "--data", "synthetic", "--out", d + "/r2"}));
        l.add(Arguments.of("tabs in a YAML config", 3, d + "/tabs.yaml: not valid YAML/JSON",
                new String[] {"train", "--preset", "demo", "--config", d + "/tabs.yaml", "--data", "synthetic", "--out", d + "/r3"}));
        l.add(Arguments.of("malformed AudioSet JSON", 3, d + "/as/train.json: not valid JSON: ",
                new String[] {"train", "--preset", "demo", "--data", d + "/as", "--out", d + "/r4", "--epochs", "1"}));
        l.add(Arguments.of("corrupt FLAC", 3, d + "/corrupt.flac: corrupt FLAC stream (",
                new String[] {"fbank", d + "/corrupt.flac", "--out", d + "/corrupt.npy"}));
        l.add(Arguments.of("run folder under a file", 1, "cannot write run folder " + d + "/a-file/run: " + d + "/a-file is a file, not a folder",
                new String[] {"train", "--preset", "demo", "--data", "synthetic", "--out", d + "/a-file/run"}));
        l.add(Arguments.of("fbank output under a file", 1, "cannot write " + d + "/a-file/x.npy: " + d + "/a-file is a file, not a folder",
                new String[] {"fbank", d + "/good.wav", "--out", d + "/a-file/x.npy"}));
        if (Files.isDirectory(Path.of("/proc"))) {
            l.add(Arguments.of("run folder in /proc", 1, "cannot write run folder /proc/tempora-run: /proc does not accept new files",
                    new String[] {"train", "--preset", "demo", "--data", "synthetic", "--out", "/proc/tempora-run"}));
        }
        l.add(Arguments.of("model.json not JSON", 3, d + "/badrun/model.json: not valid JSON: ",
                new String[] {"eval", "--model", d + "/badrun"}));
        l.add(Arguments.of("missing run", 3, d + "/nope: no such run folder", new String[] {"classify", "--model", d + "/nope", d + "/good.wav"}));
        l.add(Arguments.of("compare a missing run", 3, d + "/nope/run.json: missing", new String[] {"compare", "--baseline", d + "/nope"}));
        l.add(Arguments.of("config value of the wrong type", 2, "bad value for 'train.epochs': \"abc\" (expected an integer)",
                new String[] {"train", "--preset", "demo", "--set", "train.epochs=abc", "--data", "synthetic", "--out", d + "/r5"}));
        l.add(Arguments.of("config list for a number", 2, "bad value for 'train.lr': [1,2] (expected a number)",
                new String[] {"train", "--preset", "demo", "--set", "train.lr=[1,2]", "--data", "synthetic", "--out", d + "/r6"}));
        l.add(Arguments.of("a section set to a value", 2, "'data' is a section",
                new String[] {"train", "--preset", "demo", "--set", "data=5", "--out", d + "/r7"}));
        l.add(Arguments.of("unknown option", 2, "Unknown option: '--bogus'", new String[] {"train", "--bogus"}));
        l.add(Arguments.of("missing file", 3, d + "/none.wav: file not found", new String[] {"info", d + "/none.wav"}));
        return l.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badRuns")
    void exactlyOneLineNamingTheProblem(String name, int code, String expected, String[] args) {
        CliBadInputTest.Run r = run(args);
        assertThat(r.err()).as(name).contains(expected);
        assertOneLine(r.err(), name);
        assertThat(r.code()).as(name + ": " + r.err()).isEqualTo(code);
    }

    static void assertOneLine(String err, String what) {
        assertThat(err).as(what).endsWith("\n");
        assertThat(err.lines().count()).as(what + ": " + err).isEqualTo(1);
        assertThat(err).as(what).startsWith("tempora").doesNotContain("internal error").doesNotContain("\tat ")
                .doesNotContain("[Source:").doesNotContainPattern(JAVA_NAME);
    }

    /** Commands that fail with multi-line messages, to check the handler's own guarantee. */
    @CommandLine.Command(name = "multiline")
    static final class MultiLine implements java.util.concurrent.Callable<Integer> {
        @CommandLine.Parameters(index = "0")
        String kind;

        @CommandLine.Option(names = "--debug")
        boolean debug;

        @Override
        public Integer call() {
            switch (kind) {
                case "tempora" -> throw new TemporaException("first line\n  second line\r\nthird");
                case "input" -> throw new InvalidInputException("some.wav", "bad:\n  excerpt\n  ^");
                case "io" -> throw new java.io.UncheckedIOException("cannot write x:\nno space", new IOException("no space"));
                default -> throw new IllegalStateException("unexpected\nstate");
            }
        }
    }

    /** Main's command line with the test command added (the streams are set again: picocli hands them to subcommands when set). */
    private static CommandLine withMultiLine(StringWriter out, StringWriter err) {
        CommandLine cl = Main.commandLine(new PrintWriter(out, true), new PrintWriter(err, true));
        cl.addSubcommand("multiline", new MultiLine());
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        return cl;
    }

    @Test
    void theHandlerCollapsesLineBreaks() {
        for (String kind : new String[] {"tempora", "input", "io", "other"}) {
            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();
            int code = withMultiLine(out, err).execute("multiline", kind);
            assertThat(err.toString().lines().count()).as(kind + ": " + err).isEqualTo(1);
            assertThat(code).as(kind).isEqualTo(switch (kind) {
                case "input" -> 3;
                default -> 1;
            });
        }
        StringWriter err = new StringWriter();
        withMultiLine(new StringWriter(), err).execute("multiline", "tempora", "--debug");
        assertThat(err.toString()).contains("\tat ");    // --debug: the stack trace follows the line
        assertThat(err.toString().lines().findFirst().orElse("")).isEqualTo("tempora: first line second line third");
    }

    @Test
    void helpPrintsNoPicocliWarning() {
        PrintStream original = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        List<String[]> helps = new ArrayList<>();
        helps.add(new String[] {"--help"});
        for (String cmd : Main.commandLine(new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter()))
                .getSubcommands().keySet()) {
            if (!cmd.equals("help")) helps.add(new String[] {cmd, "--help"});
        }
        helps.add(new String[] {"bench", "fbank", "--help"});
        try {
            System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
            for (String[] h : helps) {
                CliBadInputTest.Run r = run(h);
                assertThat(r.code()).as(String.join(" ", h)).isZero();
                assertThat(r.err()).as(String.join(" ", h)).isEmpty();
                assertThat(r.out()).as(String.join(" ", h)).contains("Usage: tempora");
            }
        } finally {
            System.setErr(original);
        }
        assertThat(captured.toString(StandardCharsets.UTF_8)).doesNotContain("picocli WARN").isEmpty();
    }
}
