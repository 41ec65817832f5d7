package org.tempora.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tempora.ConfigException;
import org.tempora.InvalidInputException;

class ConfigLoaderTest {
    @TempDir
    Path dir;

    @Test
    void defaultsPresetsFilesAndOverridesMergeInOrder() throws IOException {
        ExperimentConfig d = ConfigLoader.load(null, null, List.of());
        assertThat(d.train().lr()).isEqualTo(2.5e-4);
        assertThat(d.tokens().stride()).containsExactly(10, 10);
        ExperimentConfig kws = ConfigLoader.load("ast-kws", null, List.of());
        assertThat(kws.name()).isEqualTo("ast-kws");
        assertThat(kws.augment().noise()).isTrue(); // inherited from ast-baseline
        assertThat(kws.train().optimizer()).isEqualTo(Choices.Optimizer.ADAMW); // own value wins
        Path f = dir.resolve("exp.yaml");
        Files.writeString(f, "extends: ast-kws\nname: mine\ntrain:\n  epochs: 3\ntokens:\n  stride: [16, 16]\n");
        ExperimentConfig c = ConfigLoader.load(null, f, List.of("train.epochs=5", "tokens.patch=[16, 4]", "features.norm_mean=-4.2",
                "features.norm_std=4.5"));
        assertThat(c.name()).isEqualTo("mine");
        assertThat(c.train().epochs()).isEqualTo(5);
        assertThat(c.train().batchSize()).isEqualTo(32);
        assertThat(c.tokens().stride()).containsExactly(16, 16);
        assertThat(c.tokens().patch()).containsExactly(16, 4);
        assertThat(c.features().normMean()).isEqualTo(-4.2);
        // round trip through YAML is lossless
        ExperimentConfig back = ConfigLoader.fromYaml(ConfigLoader.toYaml(c), "x");
        assertThat(ConfigLoader.toYaml(back)).isEqualTo(ConfigLoader.toYaml(c));
    }

    @Test
    void everyShippedPresetLoads() {
        assertThat(ConfigLoader.presets()).contains("demo", "ast-baseline", "ast-kws", "ast-esc50", "ast-audioset");
        for (String p : ConfigLoader.presets()) assertThat(ConfigLoader.load(p, null, List.of()).name()).isNotBlank();
    }

    @Test
    void badKeysAndValuesAreNamed() throws IOException {
        assertThatThrownBy(() -> ConfigLoader.load(null, null, List.of("train.nope=1")))
                .isInstanceOf(ConfigException.class).hasMessage("unknown config key 'train.nope' in override 'train.nope=1'");
        assertThatThrownBy(() -> ConfigLoader.load(null, null, List.of("epochs")))
                .isInstanceOf(ConfigException.class).hasMessage("override 'epochs' must look like key.path=value");
        Path f = dir.resolve("bad.yaml");
        Files.writeString(f, "train:\n  epoch: 3\n");
        assertThatThrownBy(() -> ConfigLoader.load(null, f, List.of()))
                .isInstanceOf(ConfigException.class).hasMessage(f + ": unknown config key 'train.epoch'");
        Files.writeString(f, "train: [1, 2\n");
        assertThatThrownBy(() -> ConfigLoader.load(null, f, List.of())).isInstanceOf(InvalidInputException.class)
                .hasMessageStartingWith(f + ": not valid YAML/JSON");
        assertThatThrownBy(() -> ConfigLoader.load(null, null, List.of("train.epochs=many")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("epochs");
        assertThatThrownBy(() -> ConfigLoader.load(null, dir.resolve("none.yaml"), List.of()))
                .isInstanceOf(InvalidInputException.class).hasMessage(dir.resolve("none.yaml") + ": no such config file");
    }

    /** What a run folder's config.yaml held before the sections became polymorphic: every kind's keys in one section. */
    static final String BEFORE_KINDS = """
            name: old
            resolution: {kind: diffres, reduction: 0.5, channels: [avg], learn_pos_emb: false, maxpool: reference}
            backbone: {kind: ast, size: mini, dim: null, depth: null, heads: null, init: xavier, bimamba: v2, scan: auto, scan_chunk: 32}
            """;

    @Test
    void aConfigRecordedBeforeTheKindsStillLoadsButAUserFileMayNotMixKinds() throws IOException {
        ExperimentConfig old = ConfigLoader.fromYaml(BEFORE_KINDS, "model.json");
        assertThat(old.backbone()).isEqualTo(new BackboneSpec.Ast("ast", "mini", null, null, null, "xavier"));
        assertThat(old.resolution()).isEqualTo(new ResolutionSpec.DiffRes("diffres", 0.5, List.of("avg"), false, "reference", -1));
        Path f = dir.resolve("mixed.yaml");
        Files.writeString(f, BEFORE_KINDS);
        assertThatThrownBy(() -> ConfigLoader.load(null, f, List.of())).isInstanceOf(ConfigException.class)
                .hasMessage(f + ": unknown config key 'backbone.bimamba' (not a key of kind ast)");
    }

    @Test
    void aSectionWhoseKindChangesKeepsOnlyTheKeysTheNewKindHas() throws IOException {
        // the file moves demo's AST (micro, 128 wide, 4 blocks, 4 heads, xavier) to Audio Mamba and sets one AuM key
        Path f = dir.resolve("aum.yaml");
        Files.writeString(f, "extends: demo\nbackbone: {kind: aum, bimamba: v1}\nresolution: {kind: avgpool, reduction: 0.25}\n");
        ExperimentConfig c = ConfigLoader.load(null, f, List.of());
        assertThat(c.backbone()).isEqualTo(new BackboneSpec.Aum("aum", "micro", 128, 4, "v1", "auto", 32));
        assertThat(c.resolution()).isEqualTo(new ResolutionSpec.Pooling("avgpool", 0.25));
        // and back: an override to diffres keeps the reduction and brings DiffRes's own defaults
        ExperimentConfig d = ConfigLoader.load(null, f, List.of("resolution.kind=diffres"));
        assertThat(d.resolution()).isEqualTo(new ResolutionSpec.DiffRes("diffres", 0.25, List.of("avg", "max", "pos"), false, "reference", -1));
        // the YAML a run records reads back to the same records
        assertThat(ConfigLoader.fromYaml(ConfigLoader.toYaml(d), "config.yaml")).isEqualTo(d);
    }

    @Test
    void theRecordsAreImmutable() {
        ExperimentConfig c = ConfigLoader.load("demo", null, List.of());
        assertThatThrownBy(() -> c.train().betas().set(0, 0.5)).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> c.tokens().patch().add(3)).isInstanceOf(UnsupportedOperationException.class);
        ExperimentConfig longer = c.withTrain(c.train().withEpochs(99));
        assertThat(longer.train().epochs()).isEqualTo(99);
        assertThat(c.train().epochs()).as("the original is untouched").isNotEqualTo(99);
    }
}
