package org.tempora.audio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.tempora.audio.TestWavs.*;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import net.jqwik.api.statistics.Statistics;
import org.tempora.InvalidInputException;

/**
 * Bounded fuzzing: random bytes, mutated valid WAV and FLAC headers, random truncations and chunk sizes. The reader
 * must either return a sane waveform or throw {@link InvalidInputException}; never another exception, never hang.
 */
class AudioFuzzTest {
    /** A Java class name in a message meant for a user: qualified ({@code java.io.EOFException}) or a bare throwable name. */
    static final java.util.regex.Pattern JAVA_NAME =
            java.util.regex.Pattern.compile("\\b[a-z]+(\\.[a-z]\\w*)+\\.[A-Z]\\w*|[A-Za-z]*(Exception|Error)\\b");

    private static Path dir;
    private static Path file;
    private static List<byte[]> wavBases;
    private static List<byte[]> flacBases;

    @BeforeContainer
    static void makeBases() throws IOException {
        dir = Files.createTempDirectory("tempora-fuzz");
        file = dir.resolve("input.bin");
        wavBases = new ArrayList<>();
        int[][] mono = {{0, 1000, -1000, 32767, -32768, 5, 6, 7, 8, 9}};
        wavBases.add(riff(chunk("fmt ", fmt(PCM, 1, 16000, 16)), chunk("data", intData(mono, 2))));
        wavBases.add(riff(chunk("LIST", new byte[7]), chunk("fmt ", fmt(PCM, 2, 44100, 24)),
                chunk("data", intData(new int[][] {{1, 2, 3}, {4, 5, 6}}, 3))));
        wavBases.add(riff(chunk("fmt ", fmt(FLOAT, 2, 48000, 32)), chunk("fact", le(4).putInt(3).array()),
                chunk("data", floatData(new float[][] {{0.5f, -0.5f, 0.25f}, {0f, 1f, -1f}}))));
        wavBases.add(riff(chunk("fmt ", fmtExtensible(PCM, 3, 96000, 32, 24)),
                chunk("data", intData(new int[][] {{256, 512}, {-256, 0}, {1 << 30, -(1 << 30)}}, 4))));
        wavBases.add(riff(chunk("fmt ", fmt(PCM, 1, 8000, 8)), chunk("data", new byte[] {0, 127, (byte) 255, 3, 4})));
        wavBases.add(riff(chunk("fmt ", fmt(FLOAT, 1, 22050, 64)), chunk("data", doubleData(new double[][] {{0.1, 0.2}}))));
        flacBases = new ArrayList<>();
        flacBases.add(Files.readAllBytes(FlacReadTest.encode(dir.resolve("a.flac"),
                FlacReadTest.signal(1, 3000, 16, 11), 16000, 16)));
        flacBases.add(Files.readAllBytes(FlacReadTest.encode(dir.resolve("b.flac"),
                FlacReadTest.signal(2, 3000, 24, 12), 48000, 24)));
    }

    @AfterContainer
    static void cleanUp() throws IOException {
        try (var files = Files.list(dir)) {
            for (Path p : files.toList()) Files.deleteIfExists(p);
        }
        Files.deleteIfExists(dir);
    }

    @Property(tries = 1500)
    void readerReturnsASaneWaveformOrThrowsInvalidInput(@ForAll("inputs") byte[] bytes, @ForAll boolean mix)
            throws IOException {
        Files.write(file, bytes);
        ChannelMode mode = mix ? ChannelMode.MIX : ChannelMode.FIRST;
        // runs on the property's own thread: no wall-clock limit here (a loaded CI machine must not fail it); a hang
        // is caught by surefire's forkedProcessTimeoutInSeconds (pom.xml) instead
        String outcome;
        try {
            Waveform w = AudioReader.read(file, mode);
            assertThat(w.sampleRate()).isBetween(AudioReader.MIN_SAMPLE_RATE, AudioReader.MAX_SAMPLE_RATE);
            assertThat(w.length()).isPositive();
            for (float v : w.samples()) {
                if (!Float.isFinite(v)) fail("non-finite sample returned for %s", describe(bytes));
            }
            outcome = "decoded";
        } catch (InvalidInputException expected) {
            assertThat(expected.getMessage()).startsWith(file + ": ").doesNotContain("\n")
                    .doesNotContainPattern(JAVA_NAME);
            outcome = "rejected";
        } catch (Throwable other) {
            throw new AssertionError("unexpected " + other + " for " + describe(bytes), other);
        }
        // the inputs must exercise both paths, or the property proves little
        Statistics.collect(outcome);
        Statistics.coverage(c -> {
            c.check("decoded").percentage(p -> p > 5);
            c.check("rejected").percentage(p -> p > 30);
        });
    }

    private static String describe(byte[] b) {
        return b.length + " bytes starting " + Bytes.hex(b, 0, Math.min(b.length, 64), " ");
    }

    @Provide
    Arbitrary<byte[]> inputs() {
        return Arbitraries.frequencyOf(
                Tuple.of(1, Arbitraries.bytes().array(byte[].class).ofMaxSize(300)),
                Tuple.of(1, magicThenNoise()),
                Tuple.of(4, flipped(Arbitraries.of(wavBases), 64)),
                Tuple.of(3, fieldValues()),
                Tuple.of(2, truncated(Arbitraries.of(all()))),
                Tuple.of(3, chunkSizes()),
                Tuple.of(2, flipped(Arbitraries.of(flacBases), 64)),
                Tuple.of(2, flipped(Arbitraries.of(flacBases), Integer.MAX_VALUE)));
    }

    private static List<byte[]> all() {
        List<byte[]> l = new ArrayList<>(wavBases);
        l.addAll(flacBases);
        return l;
    }

    /** A valid magic followed by random bytes. */
    private static Arbitrary<byte[]> magicThenNoise() {
        Arbitrary<byte[]> magic = Arbitraries.of(
                concat(ascii("RIFF"), new byte[4], ascii("WAVE")),
                concat(ascii("RIFF"), new byte[4], ascii("WAVEfmt ")),
                ascii("fLaC"),
                concat(ascii("fLaC"), new byte[] {0, 0, 0, 34}));
        return Combinators.combine(magic, Arbitraries.bytes().array(byte[].class).ofMaxSize(200)).as(TestWavs::concat);
    }

    /** 1 to 6 random bytes of a base replaced, within the first {@code window} bytes. */
    private static Arbitrary<byte[]> flipped(Arbitrary<byte[]> bases, int window) {
        return Combinators.combine(bases,
                        Arbitraries.integers().between(0, Integer.MAX_VALUE).list().ofMinSize(1).ofMaxSize(6),
                        Arbitraries.bytes().list().ofSize(6))
                .as((base, positions, values) -> {
                    byte[] b = base.clone();
                    int limit = Math.min(window, b.length);
                    for (int i = 0; i < positions.size(); i++) b[positions.get(i) % limit] = values.get(i);
                    return b;
                });
    }

    /** A 16- or 32-bit header field (tag, channels, rate, align, bits, cbSize, valid bits…) set to an edge value. */
    private static Arbitrary<byte[]> fieldValues() {
        Arbitrary<Long> value = Arbitraries.oneOf(
                Arbitraries.of(0L, 1L, 2L, 3L, 6L, 7L, 8L, 12L, 16L, 17L, 22L, 24L, 32L, 40L, 64L, 0xFFFEL, 0xFFFFL,
                        0x7FFFFFFFL, 0x80000000L, 0xFFFFFFFFL),
                Arbitraries.longs().between(0, 0xFFFFFFFFL));
        return Combinators.combine(Arbitraries.of(wavBases), Arbitraries.integers().between(20, 60), value,
                        Arbitraries.of(2, 4))
                .as((base, offset, v, width) -> {
                    byte[] b = base.clone();
                    if (offset + width > b.length) return b;
                    ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
                    if (width == 2) bb.putShort(offset, (short) (long) v);
                    else bb.putInt(offset, (int) (long) v);
                    return b;
                });
    }

    /** A base cut at a random length. */
    private static Arbitrary<byte[]> truncated(Arbitrary<byte[]> bases) {
        return Combinators.combine(bases, Arbitraries.doubles().between(0, 1))
                .as((base, f) -> Arrays.copyOf(base, (int) (base.length * f)));
    }

    /** The size field of one of a WAV base's chunks (or the RIFF size) replaced by an arbitrary value. */
    private static Arbitrary<byte[]> chunkSizes() {
        Arbitrary<Long> size = Arbitraries.oneOf(
                Arbitraries.of(0L, 1L, 3L, 15L, 16L, 17L, 18L, 39L, 40L, 0x7FFFFFFFL, 0x80000000L, 0xFFFFFFFEL,
                        0xFFFFFFFFL),
                Arbitraries.longs().between(0, 0xFFFFFFFFL),
                Arbitraries.longs().between(0, 100));
        return Combinators.combine(Arbitraries.of(wavBases), Arbitraries.integers().between(0, 10), size)
                .as((base, which, v) -> {
                    List<Integer> offsets = sizeFieldOffsets(base);
                    byte[] b = base.clone();
                    int at = offsets.get(which % offsets.size());
                    ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putInt(at, (int) (long) v);
                    return b;
                });
    }

    private static List<Integer> sizeFieldOffsets(byte[] wav) {
        List<Integer> offsets = new ArrayList<>(List.of(4));
        ByteBuffer bb = ByteBuffer.wrap(wav).order(ByteOrder.LITTLE_ENDIAN);
        int pos = 12;
        while (pos + 8 <= wav.length) {
            offsets.add(pos + 4);
            int size = bb.getInt(pos + 4);
            pos += 8 + size + (size & 1);
        }
        return offsets;
    }
}
