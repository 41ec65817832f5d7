package org.tempora.features;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.tempora.ConfigException;
import org.tempora.audio.ChannelMode;
import org.tempora.audio.Waveform;
import org.tempora.config.ConfigLoader;
import org.tempora.config.ExperimentConfig;
import org.tempora.data.SyntheticDataset;
import org.tempora.run.PreparedData;

/** The one front-end object: what a bundle records of it, and that a training config reaches every fbank option. */
class FrontEndTest {

    @Test
    void descriptionRoundTripsEveryOption() {
        FbankOptions o = FbankOptions.kaldiDefaults(22050).withNumMelBins(40).withFrameShiftMs(12.5).withFrameLengthMs(30)
                .withWindow(WindowType.BLACKMAN).withFrequencyRange(60, -400).withPreemphasis(0.5).withDither(0.25, 7)
                .withRemoveDcOffset(false).withSnipEdges(false).withUsePower(false).withRoundToPowerOfTwo(false)
                .withSubtractMean(true);
        FrontEnd fe = new FrontEnd(o, ChannelMode.MIX, 300, -4.25, 3.5);
        FrontEnd back = FrontEnd.fromDescription(fe.describe());
        assertThat(back).isEqualTo(fe);
        FrontEnd raw = new FrontEnd(FbankOptions.ast(16000), ChannelMode.channel(2), 128, Double.NaN, Double.NaN);
        assertThat(FrontEnd.fromDescription(raw.describe())).isEqualTo(raw);
        assertThat(raw.describe()).containsEntry("channel", "2").containsEntry("norm_mean", null);
    }

    @Test
    void aMissingOrBadKeyIsNamed() {
        Map<String, Object> m = new LinkedHashMap<>(FrontEnd.ast(128, 0, 1).describe());
        m.remove("num_mel_bins");
        assertThatThrownBy(() -> FrontEnd.fromDescription(m)).isInstanceOf(ConfigException.class)
                .hasMessage("front_end.num_mel_bins is missing");
        Map<String, Object> bad = new LinkedHashMap<>(FrontEnd.ast(128, 0, 1).describe());
        bad.put("snip_edges", "yes");
        assertThatThrownBy(() -> FrontEnd.fromDescription(bad)).isInstanceOf(ConfigException.class)
                .hasMessage("front_end.snip_edges must be true or false, got yes");
    }

    @Test
    void everyFbankOptionIsATrainingConfigKey() {
        ExperimentConfig cfg = ConfigLoader.load("demo", null, List.of("features.mel_bins=64", "features.window=povey",
                "features.low_freq=50", "features.high_freq=-200", "features.preemphasis=0.9", "features.dither=0.1",
                "features.dither_seed=3", "features.remove_dc_offset=false", "features.snip_edges=false",
                "features.use_power=false", "features.channel=mix", "features.frame_length_ms=20", "features.frame_shift_ms=8"));
        FrontEnd fe = PreparedData.frontEnd(cfg.features());
        assertThat(fe.fbank()).isEqualTo(FbankOptions.ast(16000).withNumMelBins(64).withWindow(WindowType.POVEY)
                .withFrequencyRange(50, -200).withPreemphasis(0.9).withDither(0.1, 3).withRemoveDcOffset(false)
                .withSnipEdges(false).withUsePower(false).withFrameLengthMs(20).withFrameShiftMs(8));
        assertThat(fe.channel()).isEqualTo(ChannelMode.MIX);
        // the defaults are AST's call exactly (so feature-cache keys of existing runs do not change)
        assertThat(PreparedData.frontEnd(ExperimentConfig.defaults().features()).fbank()).isEqualTo(FbankOptions.ast(16000));
        assertThatThrownBy(() -> ConfigLoader.load("demo", null, List.of("features.channel=left")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("channel");
    }

    @Test
    void computeIsLogMelThenFinish() {
        Waveform w = new Waveform(SyntheticDataset.generate(1, 2, 0, 0.7), 16000, "x");
        FrontEnd fe = FrontEnd.ast(128, -5, 4);
        Spectrogram full = fe.logMel(w);
        assertThat(full.frames()).isEqualTo(FbankOptions.ast(16000).numFrames(w.length()));
        assertThat(fe.compute(w).data()).containsExactly(fe.finish(full).data());
        // at another rate the audio is resampled first: 0.7 s at 8 kHz gives the 16 kHz frame count
        Waveform low = new Waveform(new float[5600], 8000, "low");
        assertThat(fe.logMel(low).frames()).isEqualTo(FbankOptions.ast(16000).numFrames(11200));
    }
}
