package org.tempora.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.tempora.ConfigException;

/** A config is checked completely when it is loaded: a bad choice or range fails at once, with its key path. */
class ConfigValidatorTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "train.optimizer=sgd | bad value for 'train.optimizer': 'sgd' (expected adam, adamw)",
            "train.loss=mse | bad value for 'train.loss': 'mse' (expected auto, ce, bce)",
            "train.schedule.kind=linear | bad value for 'train.schedule.kind': 'linear' (expected multistep, cosine, constant)",
            "train.stop_rule=early | bad value for 'train.stop_rule': 'early' (expected budget, surpass, plateau)",
            "resolution.kind=diffress | bad value for 'resolution.kind': 'diffress'",
            "tokens.kind=fft | bad value for 'tokens.kind': 'fft' (expected square, rect, fftp)",
            "backbone.kind=vit | bad value for 'backbone.kind': 'vit' (expected ",
            "backbone.size=huge | bad value for 'backbone.size': 'huge'",
            "eval.select=first | bad value for 'eval.select': 'first' (expected best, last)",
            "features.window=kaiser | bad value for 'features.window': 'kaiser'",
            "features.channel=left | bad value for 'features.channel': 'left' (a channel index or mix)",
            "train.lr=0 | bad value for 'train.lr': 0.0 (must be > 0)",
            "train.batch_size=0 | bad value for 'train.batch_size': 0 (must be >= 1)",
            "train.lr=-1 | bad value for 'train.lr': -1.0 (must be > 0)",
            "train.lr=NaN | bad value for 'train.lr': NaN (must be > 0)",
            "train.lr=Infinity | bad value for 'train.lr': Infinity (must be > 0)",
            "train.weight_decay=Infinity | bad value for 'train.weight_decay': Infinity (must be a finite number >= 0.0)",
            "train.weight_decay=-Infinity | bad value for 'train.weight_decay': -Infinity (must be a finite number >= 0.0)",
            "train.label_smoothing=1.5 | bad value for 'train.label_smoothing': 1.5 (must be in [0.0, 1.0])",
            "train.label_smoothing=0.1; train.loss=bce | train.label_smoothing applies to the ce loss only (train.loss is bce)",
            "train.grad_clip=1e999 | bad value for 'train.grad_clip': Infinity (must be a finite number >= 0.0)",
            "train.phase_min_delta=NaN | bad value for 'train.phase_min_delta': NaN",
            "features.dither=Infinity | bad value for 'features.dither': Infinity",
            "features.low_freq=Infinity | bad value for 'features.low_freq': Infinity",
            "features.high_freq=Infinity | bad value for 'features.high_freq': Infinity (must be a finite number)",
            "features.high_freq=NaN | bad value for 'features.high_freq': NaN (must be a finite number)",
            "features.norm_mean=Infinity; features.norm_std=1 | bad value for 'features.norm_mean': Infinity (must be a finite number)",
            "features.norm_mean=0; features.norm_std=Infinity | bad value for 'features.norm_std': Infinity (must be > 0)",
            "eval.window_seconds=Infinity | bad value for 'eval.window_seconds': Infinity",
            "eval.hop_seconds=-1 | bad value for 'eval.hop_seconds': -1.0",
            "train.epochs=-2 | bad value for 'train.epochs': -2 (must be >= 1)",
            "augment.vtlp=0.6 | bad value for 'augment.vtlp': 0.6",
            "augment.time_stretch=-0.1 | bad value for 'augment.time_stretch': -0.1",
            "train.epochs=1.5 | bad value for 'train.epochs': 1.5 (expected an integer)",
            "train.threads=-3 | bad value for 'train.threads': -3 (must be >= 0)",
            "train.data_threads=-1 | bad value for 'train.data_threads': -1 (must be >= 0)",
            "eval.batch_size=0 | bad value for 'eval.batch_size': 0 (must be >= 1)",
            "features.mel_bins=0 | bad value for 'features.mel_bins': 0 (must be >= 4)",
            "features.target_frames=-1 | bad value for 'features.target_frames': -1 (must be >= 1)",
            "features.frame_shift_ms=Infinity | bad value for 'features.frame_shift_ms': Infinity (must be > 0)",
            "data.synthetic.clips_per_class=4 | bad value for 'data.synthetic.clips_per_class': 4 (must be >= 5)",
            "data.synthetic.seconds=Infinity | bad value for 'data.synthetic.seconds': Infinity (must be > 0)",
            "data.fold=9 | bad value for 'data.fold': 9 (must be in [1, 5])",
            "data.layout=bogus | bad value for 'data.layout': 'bogus' (expected auto, speechcommands, esc50, audioset, folders, synthetic)",
            "augment.freqm=-1 | bad value for 'augment.freqm': -1 (must be >= 0)",
            "augment.mixup=1.5 | bad value for 'augment.mixup': 1.5 (must be in [0.0, 1.0])",
            "data.train_fraction=0 | bad value for 'data.train_fraction'",
            "tokens.patch=[16] | tokens.patch needs two values (frequency, time), got [16]",
            "resolution.kind=diffres; resolution.channels=[avg, avg] | resolution.channels repeats a channel: [avg, avg]",
            "resolution.kind=diffres; resolution.channels=[avg, mean] | bad value for 'resolution.channels[1]': 'mean' (expected avg, logavg, max, pos)",
            "train.phases=[{method: fshiftt, factor: 2, epochs: 1}] | bad value for 'train.phases[0].method': 'fshiftt'",
            "features.norm_mean=-4 | features.norm_mean and features.norm_std must be given together",
    })
    void badValueNamesItsKey(String override, String message) {
        assertThatThrownBy(() -> ConfigLoader.load("demo", null, List.of(override.split("; "))))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("preset demo with --set overrides: ")
                .hasMessageContaining(message.strip())
                .hasMessageNotContaining("\n");
    }

    @Test
    void headsWithAudioMambaIsAnErrorNotSilentlyIgnored() {
        assertThatThrownBy(() -> ConfigLoader.load("demo", null, List.of("backbone.kind=aum", "backbone.heads=4")))
                .hasMessage("unknown config key 'backbone.heads' in override 'backbone.heads=4' (not a key of kind aum)");
        assertThatThrownBy(() -> ConfigLoader.load(null, null, List.of("backbone.kind=aum", "backbone.init=timm")))
                .hasMessage("unknown config key 'backbone.init' in override 'backbone.init=timm' (not a key of kind aum)");
        // switching kind keeps the keys both kinds have (demo's micro size, width 128, 4 blocks) and drops AST's own
        BackboneSpec b = ConfigLoader.load("demo", null, List.of("backbone.kind=aum")).backbone();
        assertThat(b).isEqualTo(new BackboneSpec.Aum("aum", "micro", 128, 4, "v2", "auto", 32));
    }

    @Test
    void everyProblemIsCounted() {
        assertThatThrownBy(() -> ConfigLoader.load("demo", null, List.of("train.lr=0", "train.batch_size=0")))
                .hasMessageStartingWith("preset demo with --set overrides: bad value for 'train.batch_size'")
                .hasMessageContaining("(and 1 more: bad value for 'train.lr'");
    }

    @Test
    void everyShippedPresetIsValid() {
        for (String p : ConfigLoader.presets()) assertThat(ConfigLoader.load(p, null, List.of())).isNotNull();
    }
}
