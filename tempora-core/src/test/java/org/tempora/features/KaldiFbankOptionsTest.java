package org.tempora.features;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.tempora.io.Npy;
import org.tempora.testing.Fixtures;

/**
 * The fbank options AST does not use but a user may set, against torchaudio 0.13.1 outputs made by
 * {@code tools/gen_fbank_options.py} (fixtures/fbank-options): windows, edges, pre-emphasis, DC removal,
 * magnitude, linear energies, frequency band, frame length, mean subtraction, non-power-of-two FFT.
 */
class KaldiFbankOptionsTest {
    static final Path DIR = Fixtures.dir("fbank-options");
    static final JsonNode META = Fixtures.json(DIR.resolve("cases.json"));
    static final float[] WAVE = Fixtures.npy(Fixtures.caseDir("fbank", "ast_chirp_noise_1s"), "waveform.npy").f32();

    static Stream<String> cases() {
        List<String> names = new ArrayList<>();
        META.get("cases").fieldNames().forEachRemaining(names::add);
        return names.stream();
    }

    static FbankOptions options(JsonNode a) {
        FbankOptions o = FbankOptions.ast(16000);
        if (a.has("window_type")) o = o.withWindow(WindowType.parse(a.get("window_type").asText()));
        if (a.has("snip_edges")) o = o.withSnipEdges(a.get("snip_edges").asBoolean());
        if (a.has("frame_shift")) o = o.withFrameShiftMs(a.get("frame_shift").asDouble());
        if (a.has("frame_length")) o = o.withFrameLengthMs(a.get("frame_length").asDouble());
        if (a.has("preemphasis_coefficient")) o = o.withPreemphasis(a.get("preemphasis_coefficient").asDouble());
        if (a.has("remove_dc_offset")) o = o.withRemoveDcOffset(a.get("remove_dc_offset").asBoolean());
        if (a.has("use_power")) o = o.withUsePower(a.get("use_power").asBoolean());
        if (a.has("use_log_fbank")) o = o.withUseLog(a.get("use_log_fbank").asBoolean());
        if (a.has("subtract_mean")) o = o.withSubtractMean(a.get("subtract_mean").asBoolean());
        if (a.has("round_to_power_of_two")) o = o.withRoundToPowerOfTwo(a.get("round_to_power_of_two").asBoolean());
        if (a.has("low_freq") || a.has("high_freq")) {
            o = o.withFrequencyRange(a.path("low_freq").asDouble(20), a.path("high_freq").asDouble(0));
        }
        return o;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void matchesTorchaudio(String name) {
        JsonNode c = META.get("cases").get(name);
        FbankOptions o = options(c.get("args"));
        Spectrogram s = new KaldiFbank(o).compute(WAVE, name);
        Npy.Array ref = Npy.read(DIR.resolve(name + ".npy"));
        assertThat(new int[] {s.frames(), s.bins()}).containsExactly(ref.shape());
        float[] r = ref.f32();
        if (!o.useLog()) {
            // linear energies: relative error against the frame's largest energy
            for (int f = 0; f < s.frames(); f++) {
                float max = 0;
                for (int b = 0; b < s.bins(); b++) max = Math.max(max, r[f * s.bins() + b]);
                for (int b = 0; b < s.bins(); b++) {
                    assertThat(Math.abs(s.get(f, b) - r[f * s.bins() + b])).isLessThanOrEqualTo(1e-5f * max);
                }
            }
        } else if (o.subtractMean()) {
            // mean subtraction spreads every frame's float32 noise over the column: 1e-3 everywhere
            for (int i = 0; i < r.length; i++) assertThat(Math.abs(s.data()[i] - r[i])).isLessThanOrEqualTo(1e-3f);
        } else {
            KaldiFbankFixtureTest.assertWithinFbankTolerance(name, s.data(), r, s.frames(), s.bins(), 1e-4, 3e-3);
        }
    }

    @Test
    void ditherIsSeededAndDeterministic() {
        FbankOptions o = FbankOptions.ast(16000).withDither(1e-3, 42);
        float[] a = new KaldiFbank(o).compute(WAVE, "x").data();
        float[] b = new KaldiFbank(o).compute(WAVE, "x").data();
        float[] c = new KaldiFbank(o.withDither(1e-3, 43)).compute(WAVE, "x").data();
        assertThat(a).containsExactly(b);
        assertThat(a).isNotEqualTo(c);
        // on digital silence every cell is the floor without dither, and lifted above it with dither
        float[] silence = new float[4000];
        float[] quiet = new KaldiFbank(FbankOptions.ast(16000)).compute(silence, "silence").data();
        float[] dithered = new KaldiFbank(o).compute(silence, "silence").data();
        assertThat(quiet).containsOnly(-15.942385f);
        assertThat(dithered[10]).isGreaterThan(-15f);
    }

    @Test
    void frameCountFollowsKaldi() {
        FbankOptions o = FbankOptions.ast(16000);
        assertThat(o.numFrames(160000)).isEqualTo(998);
        assertThat(o.numFrames(400)).isEqualTo(1);
        assertThat(o.withSnipEdges(false).numFrames(16000)).isEqualTo(100);
        assertThat(o.withFrameShiftMs(1).windowShift()).isEqualTo(16);
        assertThat(FbankOptions.ast(22050).windowSize()).isEqualTo(551);
        assertThat(FbankOptions.ast(22050).windowShift()).isEqualTo(220);
        assertThat(FbankOptions.ast(44100).paddedWindowSize()).isEqualTo(2048);
    }
}
