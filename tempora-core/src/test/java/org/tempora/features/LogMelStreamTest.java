package org.tempora.features;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.tempora.InvalidInputException;
import org.tempora.audio.AudioReader;
import org.tempora.audio.ChannelMode;
import org.tempora.audio.SampleSource;
import org.tempora.audio.WavWriter;
import org.tempora.audio.Waveform;
import org.tempora.testing.Fixtures;

/**
 * The streaming front-end ({@link LogMelStream}) against the whole-signal one ({@link FrontEnd#compute(Waveform)}):
 * bit for bit equal float32 rows for every fbank option, with and without resampling, for lengths that are not
 * multiples of any block, with tiny blocks and chunks (so that a one-second clip crosses hundreds of them) and with
 * the short-clip memory copy off (so that the second pass really reads the source again).
 */
class LogMelStreamTest {
    @TempDir
    static Path tmp;

    /** Tiny reads, 3-row chunks, no in-memory copy; odd reads and 16-row chunks; the defaults. */
    static final List<LogMelStream.Tuning> TUNINGS = List.of(
            new LogMelStream.Tuning(7, 3, 0),
            new LogMelStream.Tuning(1001, 16, 0),
            LogMelStream.Tuning.DEFAULT);

    static float[] noise(int n, long seed, float dc) {
        Random r = new Random(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = dc + (float) (0.3 * Math.sin(i * 0.031) + 0.05 * r.nextGaussian());
        return x;
    }

    static Stream<Arguments> optionCases() {
        FbankOptions ast = FbankOptions.ast(16000);
        return Stream.of(
                Arguments.of("ast", ast),
                Arguments.of("no_snip_edges", ast.withSnipEdges(false)),
                Arguments.of("no_snip_edges_shift_4ms", ast.withSnipEdges(false).withFrameShiftMs(4)),
                Arguments.of("no_snip_edges_shift_over_window", ast.withSnipEdges(false).withFrameLengthMs(10).withFrameShiftMs(25)),
                Arguments.of("dither", ast.withDither(0.01, 7)),
                Arguments.of("dither_no_snip", ast.withDither(0.02, 3).withSnipEdges(false)),
                Arguments.of("no_dc_removal", ast.withRemoveDcOffset(false)),
                Arguments.of("no_preemphasis", ast.withPreemphasis(0)),
                Arguments.of("subtract_mean", ast.withSubtractMean(true)),
                Arguments.of("subtract_mean_no_snip", ast.withSubtractMean(true).withSnipEdges(false)),
                Arguments.of("povey_40_bins", ast.withWindow(WindowType.POVEY).withNumMelBins(40)),
                Arguments.of("magnitude_linear", ast.withUsePower(false).withUseLog(false)),
                Arguments.of("non_pow2_fft", ast.withRoundToPowerOfTwo(false).withFrameLengthMs(20)),
                Arguments.of("shift_1ms", ast.withFrameShiftMs(1)),
                Arguments.of("rate_8000", FbankOptions.ast(8000).withSnipEdges(false)),
                Arguments.of("rate_22050_resampled", FbankOptions.ast(22050)));
    }

    /** Natural length (no target), truncated, padded; raw and normalised (all six for AST's options, two otherwise). */
    static List<FrontEnd> frontEnds(FbankOptions o) {
        List<FrontEnd> out = new ArrayList<>();
        boolean all = o.equals(FbankOptions.ast(16000));
        for (int target : new int[] {0, 37, 5000}) {
            if (all || target == 0) out.add(new FrontEnd(o, ChannelMode.FIRST, target, Double.NaN, Double.NaN));
            if (all || target == 37) out.add(new FrontEnd(o, ChannelMode.FIRST, target, -6.845978, 5.5654526));
        }
        return out;
    }

    static void assertStreamEqualsWhole(String what, FrontEnd fe, Waveform w, LogMelStream.Tuning t) {
        Spectrogram whole = fe.compute(w);
        Spectrogram streamed;
        try (LogMelStream s = new LogMelStream(fe.fbank(), SampleSource.of(w), fe.targetFrames() > 0 ? fe.targetFrames() : Integer.MAX_VALUE,
                fe.targetFrames(), fe.normMean(), fe.normStd(), t)) {
            streamed = readInOddPieces(s);
        }
        assertThat(streamed.frames()).as(what + ": frames").isEqualTo(whole.frames());
        assertThat(streamed.bins()).isEqualTo(whole.bins());
        assertBitIdentical(what, streamed.data(), whole.data());
    }

    /** Reads the rows 1, 2, 3, … at a time, so that reads and chunks never line up. */
    static Spectrogram readInOddPieces(LogMelStream s) {
        float[] out = new float[s.rows() * s.bins()];
        int done = 0;
        for (int ask = 1; done < s.rows(); ask = ask % 11 + 1) {
            int got = s.read(out, done, Math.min(ask, s.rows() - done));
            assertThat(got).isPositive();
            done += got;
        }
        assertThat(s.read(out, 0, 1)).isEqualTo(-1);
        return new Spectrogram(out, s.rows(), s.bins());
    }

    static void assertBitIdentical(String what, float[] got, float[] want) {
        assertThat(got.length).as(what).isEqualTo(want.length);
        for (int i = 0; i < want.length; i++) {
            if (Float.floatToRawIntBits(got[i]) != Float.floatToRawIntBits(want[i])) {
                throw new AssertionError(what + ": cell " + i + " is " + got[i] + ", the whole-signal path gives " + want[i]);
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("optionCases")
    void bitIdenticalToTheWholeSignalPath(String name, FbankOptions o) {
        int rate = (int) o.sampleRate();
        // 8001 samples: not a multiple of any read block, chunk or shift; a DC offset the clip mean removes
        List<Waveform> waves = List.of(
                new Waveform(noise(8001, 1, 0.25f), rate, name + "-a"),
                new Waveform(noise(o.windowSize() + 1, 2, -0.1f), rate, name + "-b"), // barely over one window
                new Waveform(noise(22050 + 17, 3, 0f), 44100, name + "-c")); // resampled to the fbank rate first
        for (Waveform w : waves) {
            for (FrontEnd fe : frontEnds(o)) {
                for (LogMelStream.Tuning t : TUNINGS) {
                    assertStreamEqualsWhole(name + " " + w.source() + " target " + fe.targetFrames() + " norm "
                            + fe.normalizes() + " " + t, fe, w, t);
                }
            }
        }
    }

    static Stream<String> fbankFixtures() {
        return Fixtures.cases("fbank").stream().filter(c -> Files.exists(Fixtures.caseDir("fbank", c).resolve("waveform.npy")));
    }

    /** The torchaudio fixtures' signals and options (8/16/22.05/44.1 kHz, shifts 1–40 ms, 40/64 bins, windows). */
    @ParameterizedTest(name = "{0}")
    @MethodSource("fbankFixtures")
    void goldenFixtureSignals(String name) {
        Path dir = Fixtures.caseDir("fbank", name);
        JsonNode c = Fixtures.caseJson(dir);
        float[] wave = Fixtures.npy(dir, "waveform.npy").f32();
        if (c.has("target_length")) {
            // the AST pipeline cases: pad or truncate to the target, normalise with the Speech Commands statistics
            FrontEnd fe = FrontEnd.ast(c.get("target_length").asInt(), c.get("norm_mean").asDouble(), c.get("norm_std").asDouble());
            Waveform w = new Waveform(wave, c.get("sample_rate").asInt(), name);
            for (LogMelStream.Tuning t : TUNINGS) assertStreamEqualsWhole(name + " " + t, fe, w, t);
            return;
        }
        FbankOptions o = KaldiFbankFixtureTest.optionsOf(c.get("args"));
        Waveform w = new Waveform(wave, (int) o.sampleRate(), name);
        if (wave.length < o.windowSize()) return; // the error case: see tooShortIsTheSameError
        for (LogMelStream.Tuning t : TUNINGS) {
            assertStreamEqualsWhole(name + " " + t, FrontEnd.raw(o, ChannelMode.FIRST), w, t);
            assertStreamEqualsWhole(name + " at 16 kHz " + t, FrontEnd.raw(o.withSampleRate(16000), ChannelMode.FIRST), w, t);
        }
    }

    @Test
    void aFileReadTwiceGivesWhatTheWholeFileGives() {
        FrontEnd fe = FrontEnd.ast(100, -6.845978, 5.5654526);
        for (int rate : new int[] {16000, 44100}) {
            Path f = tmp.resolve("clip-" + rate + ".wav");
            WavWriter.write(f, new Waveform(noise(rate * 3 + 5, 4, 0.01f), rate, "clip"), WavWriter.Encoding.PCM_16);
            Spectrogram whole = fe.compute(AudioReader.read(f));
            assertBitIdentical("compute(Path) " + rate, fe.compute(f).data(), whole.data());
            for (LogMelStream.Tuning t : TUNINGS) {
                try (LogMelStream s = new LogMelStream(fe.fbank(), fe.source(f), 100, 100, fe.normMean(), fe.normStd(), t)) {
                    assertBitIdentical("file " + rate + " " + t, readInOddPieces(s).data(), whole.data());
                }
            }
            // the natural length, and what the stream says about the file
            Spectrogram natural = FrontEnd.raw(fe.fbank(), ChannelMode.FIRST).logMel(AudioReader.read(f));
            try (LogMelStream s = fe.openLogMel(fe.source(f))) {
                assertThat(s.rows()).isEqualTo(natural.frames()).isEqualTo(s.naturalFrames());
                assertThat(s.sourceSeconds()).isEqualTo((rate * 3 + 5) / (double) rate);
                assertBitIdentical("natural " + rate, s.readAll().data(), natural.data());
            }
            // a prefix: only those rows, equal to the first rows of the whole clip
            try (LogMelStream s = fe.openLogMel(fe.source(f), 10)) {
                assertThat(s.rows()).isEqualTo(10);
                assertThat(s.naturalFrames()).isEqualTo(natural.frames());
                float[] first = java.util.Arrays.copyOf(natural.data(), 10 * natural.bins());
                assertBitIdentical("prefix " + rate, s.readAll().data(), first);
            }
        }
    }

    /** With a row limit, the row pass reads only the prefix it needs; the mean pass reads everything once. */
    @Test
    void aPrefixReadsOnlyWhatItNeeds() {
        float[] x = noise(16000 * 60, 8, 0.02f);
        long[] read = new long[3];
        int[] passes = {0};
        SampleSource counting = new SampleSource() {
            @Override
            public String name() {
                return "minute";
            }

            @Override
            public org.tempora.audio.SampleStream open() {
                int pass = passes[0]++;
                org.tempora.audio.SampleStream in = org.tempora.audio.SampleStream.of(x, 16000);
                return new org.tempora.audio.SampleStream() {
                    @Override
                    public int sampleRate() {
                        return 16000;
                    }

                    @Override
                    public int read(float[] buf, int off, int len) {
                        int got = in.read(buf, off, len);
                        if (got > 0) read[pass] += got;
                        return got;
                    }

                    @Override
                    public void close() {
                        in.close();
                    }
                };
            }
        };
        LogMelStream.Tuning t = new LogMelStream.Tuning(1000, 64, 0);
        FbankOptions o = FbankOptions.ast(16000);
        try (LogMelStream s = new LogMelStream(o, counting, 100, 100, Double.NaN, Double.NaN, t)) {
            assertThat(s.naturalFrames()).isEqualTo(5998);
            s.readAll();
        }
        assertThat(passes[0]).isEqualTo(2);
        assertThat(read[0]).isEqualTo(x.length);
        assertThat(read[1]).as("samples read by the row pass").isLessThanOrEqualTo(99 * 160 + 400 + 1000);
    }

    @Test
    void tooShortIsTheSameError() {
        FbankOptions o = FbankOptions.ast(16000);
        Waveform w = new Waveform(noise(399, 5, 0), 16000, "short.wav");
        String whole = null;
        try {
            FrontEnd.raw(o, ChannelMode.FIRST).compute(w);
        } catch (InvalidInputException e) {
            whole = e.getMessage();
        }
        assertThat(whole).isNotNull();
        assertThatThrownBy(() -> FrontEnd.raw(o, ChannelMode.FIRST).compute(SampleSource.of(w)))
                .isInstanceOf(InvalidInputException.class).hasMessage(whole);
    }

    @Test
    void nonFiniteSamplesAreTheSameError() {
        FrontEnd fe = FrontEnd.ast(0, Double.NaN, Double.NaN);
        for (float bad : new float[] {Float.NaN, Float.POSITIVE_INFINITY}) {
            float[] x = noise(8000, 6, 0);
            x[5000] = bad;
            Waveform w = new Waveform(x, 16000, "bad.wav");
            String whole = null;
            try {
                fe.compute(w);
            } catch (InvalidInputException e) {
                whole = e.getMessage();
            }
            assertThat(whole).isNotNull();
            for (LogMelStream.Tuning t : TUNINGS) {
                assertThatThrownBy(() -> new LogMelStream(fe.fbank(), SampleSource.of(w), 10, 0, Double.NaN, Double.NaN, t).close())
                        .isInstanceOf(InvalidInputException.class).hasMessage(whole);
            }
        }
        // finite samples whose difference with the mean overflows float32, beyond a 10-row prefix
        float[] x = new float[8000];
        java.util.Arrays.fill(x, -3e38f);
        x[7000] = 3e38f;
        Waveform w = new Waveform(x, 16000, "huge.wav");
        assertThatThrownBy(() -> fe.compute(w)).isInstanceOf(InvalidInputException.class).hasMessageContaining("sample 7000 is Infinity");
        assertThatThrownBy(() -> new LogMelStream(fe.fbank(), SampleSource.of(w), 10, 0, Double.NaN, Double.NaN, TUNINGS.get(0)).close())
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("sample 7000 is Infinity");
    }
}
