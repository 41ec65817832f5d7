package org.tempora.audio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.tempora.audio.ResamplerMeasurement.*;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** Checks the claims docs/audio.md makes about the resampler, with the same tone measurements. */
class ResamplerTest {
    /** docs/audio.md: worst measured stop-band rejection is 119.6 dB; allow a little for other JVMs' sin(). */
    static final double STATED_REJECTION_DB = 118;
    /** docs/audio.md: pass-band gain stays within ±1e-5 dB up to 0.9 of the lower Nyquist. */
    static final double STATED_RIPPLE_DB = 1e-4;

    @Test
    void toneAboveTheNewNyquistVanishes16kTo8k() {
        Resampler r = Resampler.of(16000, 8000);
        float[] y = r.apply(tone(6000, 16000, SECONDS, 0.7));
        int e = edge(r);
        double peak = 0;
        for (int j = e; j < y.length - e; j++) peak = Math.max(peak, Math.abs(y[j]));
        assertThat(peak).as("largest sample left of a 0.5-amplitude 6 kHz tone").isLessThan(1e-6); // < -114 dB
        assertThat(rejectionDb(r, 6000)).isGreaterThan(STATED_REJECTION_DB);
    }

    @Test
    void toneAboveTheNewNyquistVanishes44k1To16k() {
        Resampler r = Resampler.of(44100, 16000);
        float[] y = r.apply(tone(20000, 44100, SECONDS, 0.2));
        int e = edge(r);
        double peak = 0;
        for (int j = e; j < y.length - e; j++) peak = Math.max(peak, Math.abs(y[j]));
        assertThat(peak).isLessThan(1e-6);
        assertThat(rejectionDb(r, 20000)).isGreaterThan(STATED_REJECTION_DB);
    }

    @ParameterizedTest
    @CsvSource({"16000, 8000", "44100, 16000", "22050, 16000", "8000, 16000"})
    void stopBandSweepStaysBelowTheStatedRejection(int in, int out) {
        Sweep s = sweep(Resampler.of(in, out), 10);
        assertThat(s.minRejectionDb()).as("worst rejection, at %.0f Hz", s.worstRejectionFreq())
                .isGreaterThan(STATED_REJECTION_DB);
        assertThat(s.maxAbsGainDb()).as("pass-band ripple").isLessThan(STATED_RIPPLE_DB);
    }

    @ParameterizedTest
    @CsvSource({"16000, 8000", "44100, 16000", "22050, 16000", "8000, 16000"})
    void inBandTonesKeepTheirAmplitude(int in, int out) {
        Resampler r = Resampler.of(in, out);
        double nyqLow = Math.min(in, out) / 2.0;
        for (double f : new double[] {1000, 0.8 * nyqLow}) {
            double gain = passbandGainDb(r, f);
            assertThat(Math.abs(gain)).as("gain at %.0f Hz", f).isLessThan(0.1).isLessThan(STATED_RIPPLE_DB);
        }
    }

    @Test
    void outputIsTheBandLimitedSignalAtTheOutputTimesWithoutDelay() {
        double f = 1234.5;
        double phase = 0.4;
        for (int[] p : new int[][] {{44100, 16000}, {8000, 16000}, {22050, 16000}}) {
            Resampler r = Resampler.of(p[0], p[1]);
            float[] y = r.apply(tone(f, p[0], 1.0, phase));
            int e = edge(r);
            double worst = 0;
            for (int j = e; j < y.length - e; j++) {
                double exact = AMPLITUDE * Math.sin(2 * Math.PI * f * j / p[1] + phase);
                worst = Math.max(worst, Math.abs(y[j] - exact));
            }
            assertThat(worst).as("%d -> %d", p[0], p[1]).isLessThan(1e-6);
        }
    }

    @Test
    void dcIsPreserved() {
        for (int[] p : new int[][] {{16000, 8000}, {44100, 16000}, {8000, 16000}, {44101, 16000}, {16000, 48000}}) {
            Resampler r = Resampler.of(p[0], p[1]);
            float[] x = new float[p[0] / 2];
            java.util.Arrays.fill(x, 0.3f);
            float[] y = r.apply(x);
            int e = edge(r);
            for (int j = e; j < y.length - e; j++) {
                assertThat((double) y[j]).as("%d -> %d at %d", p[0], p[1], j).isCloseTo(0.3, org.assertj.core.data.Offset.offset(1e-6));
            }
        }
    }

    @Test
    void outputLengthIsCeilOfNTimesOutOverIn() {
        Random rnd = new Random(3);
        int[][] pairs = {{16000, 8000}, {44100, 16000}, {22050, 16000}, {8000, 16000}, {48000, 44100}, {7919, 7907}};
        for (int[] p : pairs) {
            for (int t = 0; t < 200; t++) {
                long n = t < 5 ? t : rnd.nextInt(5_000_000);
                BigInteger[] qr = BigInteger.valueOf(n).multiply(BigInteger.valueOf(p[1]))
                        .divideAndRemainder(BigInteger.valueOf(p[0]));
                long ceil = qr[0].longValueExact() + (qr[1].signum() > 0 ? 1 : 0);
                assertThat(Resampler.outputLength(n, p[0], p[1])).as("n=%d %d->%d", n, p[0], p[1]).isEqualTo(ceil);
            }
        }
        assertThat(Resampler.outputLength(16000, 44100, 16000)).isEqualTo(5805); // 5804.99 -> 5805
        assertThat(Resampler.outputLength(16001, 16000, 8000)).isEqualTo(8001); // 8000.5 -> 8001
        assertThat(Resampler.outputLength(1, 44100, 16000)).isEqualTo(1);
        assertThat(Resampler.of(44100, 16000).apply(new float[44101]).length).isEqualTo(16001); // 16000.36 -> 16001
        assertThat(Resampler.of(8000, 16000).apply(new float[0])).isEmpty();
    }

    @Test
    void sameRateReturnsTheInputUnchanged() {
        Waveform w = new Waveform(new float[] {0.1f, 0.2f}, 16000, "x");
        assertThat(Resampler.resample(w, 16000)).isSameAs(w);
        Waveform down = Resampler.resample(new Waveform(tone(440, 16000, 0.5, 0), 16000, "t.wav"), 8000);
        assertThat(down.sampleRate()).isEqualTo(8000);
        assertThat(down.length()).isEqualTo(4000);
        assertThat(down.source()).isEqualTo("t.wav");
    }

    @Test
    void wrongInputRateIsRejected() {
        Waveform w = new Waveform(new float[10], 22050, "x");
        assertThatThrownBy(() -> Resampler.of(16000, 8000).apply(w))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("waveform is at 22050 Hz, this resampler expects 16000");
    }

    @Test
    void sharedInstancesAreReusedAndSafeAcrossThreads() throws Exception {
        Resampler r = Resampler.of(44100, 16000);
        assertThat(Resampler.of(44100, 16000)).isSameAs(r);
        List<float[]> inputs = new ArrayList<>();
        Random rnd = new Random(9);
        for (int t = 0; t < 8; t++) {
            float[] x = new float[44100];
            for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian() * 0.1f;
            inputs.add(x);
        }
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<float[]>> futures = new ArrayList<>();
            for (float[] x : inputs) futures.add(pool.submit(() -> r.apply(x)));
            for (int t = 0; t < inputs.size(); t++) {
                FloatArrays.assertBitExact(futures.get(t).get(), new Resampler(44100, 16000, true).apply(inputs.get(t)));
            }
        } finally {
            pool.shutdown();
        }
    }

    @Test
    void coefficientsComputedOnTheFlyEqualTheTable() {
        float[] x = tone(3000, 44100, 0.3, 0.1);
        Resampler table = new Resampler(44100, 16000, true);
        Resampler onTheFly = new Resampler(44100, 16000, false);
        assertThat(table.hasTable()).isTrue();
        assertThat(onTheFly.hasTable()).isFalse();
        FloatArrays.assertBitExact(onTheFly.apply(x), table.apply(x));
    }

    @Test
    void nearlyCoprimeRatesWorkWithoutATable() {
        Resampler r = Resampler.of(44101, 16000); // 16000 phases x 442 taps: too big to store
        assertThat(r.hasTable()).isFalse();
        assertThat(Math.abs(passbandGainDb(r, 2500))).isLessThan(STATED_RIPPLE_DB);
        assertThat(rejectionDb(r, 12000)).isGreaterThan(STATED_REJECTION_DB);
    }

    /**
     * The streaming resampler reads exactly the samples of the whole-array one: every rate pair, input lengths that
     * are no multiple of anything, blocks of 1, 7 and 4096 samples, reads of odd sizes, and the on-the-fly path.
     */
    @Test
    void streamingEqualsTheWholeSignalBitForBit() {
        int[][] pairs = {{44100, 16000}, {16000, 8000}, {8000, 16000}, {22050, 16000}, {48000, 16000}, {16000, 44100}, {44101, 16000}};
        java.util.Random rnd = new java.util.Random(5);
        for (int[] p : pairs) {
            for (int n : new int[] {0, 1, 5, 333, 9001}) {
                float[] x = new float[n];
                for (int i = 0; i < n; i++) x[i] = (float) (0.4 * Math.sin(i * 0.07) + 0.1 * rnd.nextGaussian());
                List<Resampler> rs = new ArrayList<>(List.of(Resampler.of(p[0], p[1])));
                if (p[0] == 44100) rs.add(new Resampler(44100, 16000, false));
                for (Resampler r : rs) {
                    float[] whole = r.apply(x);
                    for (int block : new int[] {1, 7, 4096}) {
                        float[] streamed = new float[whole.length + 1]; // one spare slot: too many samples are caught
                        int done = 0;
                        try (SampleStream s = r.open(SampleStream.of(x, p[0]), block)) {
                            assertThat(s.sampleRate()).isEqualTo(p[1]);
                            for (int ask = 1, got; (got = s.read(streamed, done, Math.min(ask, streamed.length - done))) >= 0; ask = ask % 13 + 1) {
                                assertThat(got).isPositive();
                                done += got;
                            }
                        }
                        assertThat(done).as("%s, n=%d, block %d", r, n, block).isEqualTo(whole.length);
                        FloatArrays.assertBitExact(Arrays.copyOf(streamed, whole.length), whole);
                    }
                }
            }
        }
    }
}
