package org.tempora.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tempora.ConfigException;
import org.tempora.InvalidInputException;
import org.tempora.interop.AstLayout;
import org.tempora.io.Npy;
import org.tempora.io.SafeTensors;
import org.tempora.model.Ast;
import org.tempora.nn.StateDict;
import org.tempora.testing.Fixtures;

/**
 * {@link ModelImport} writes a model bundle from the interop/ast checkpoints that loads like a trained one and gives the
 * reference logits; {@link ModelExport} writes its weights as safetensors that read back to the same tensors, and whose
 * import gives the same model bit for bit.
 */
class ModelImportTest {
    @TempDir
    Path tmp;

    static Path ast(String name) {
        return Fixtures.interop("ast").resolve(name);
    }

    static ModelImport.Options options(Path ckpt, AstLayout layout, Path labels, List<String> sets, Path out) {
        return new ModelImport.Options(ckpt, "ast", layout == null ? null : layout.cliName(), labels, sets, false, out, false);
    }

    /** The bundle's logits on the fixture's (normalised) input, through the backbone. */
    static float[] logits(ModelBundle b) {
        Npy.Array input = Npy.read(ast("input.npy"));
        try (NDManager batch = b.model.manager().newSubManager()) {
            NDArray x = batch.create(input.f32(), new Shape(input.shape()[0], input.shape()[1], input.shape()[2]));
            return b.model.backbone().forward(x).toFloatArray();
        }
    }

    static double maxDiff(float[] a, float[] b) {
        assertThat(a).hasSameSizeAs(b);
        double w = 0;
        for (int i = 0; i < a.length; i++) w = Math.max(w, Math.abs(a[i] - b[i]));
        return w;
    }

    @Test
    void yuanGongCheckpointBecomesABundleWithTheReferenceLogits() {
        Path run = tmp.resolve("yg");
        ModelImport.Result r = ModelImport.run(options(ast("yuangong.pth"), AstLayout.YUANGONG, ast("labels.csv"), List.of("backbone.heads=4"), run));
        assertThat(r.notes()).anyMatch(n -> n.contains("AudioSet")).anyMatch(n -> n.contains("target_frames 128"));
        assertThat(r.classes()).containsExactly("Speech", "Dog", "Siren", "Rain", "Music");
        assertThat(run.resolve("model.npz")).isRegularFile();
        assertThat(run.resolve("model.json")).isRegularFile();
        assertThat(run.resolve("run.json")).isRegularFile();
        try (ModelBundle b = ModelBundle.load(run, 1)) {
            assertThat(b.classes).containsExactly("Speech", "Dog", "Siren", "Rain", "Music");
            assertThat(b.frontEnd.targetFrames()).isEqualTo(128);
            assertThat(((Ast) b.model.backbone()).config().heads()).isEqualTo(4);
            assertThat(b.model.normMean()).isEqualTo((float) ModelImport.AUDIOSET_MEAN);
            assertThat(maxDiff(logits(b), Npy.read(ast("logits.npy")).f32())).isLessThanOrEqualTo(1e-4);
        }
    }

    @Test
    void hfFolderNeedsNothingElse() {
        Path run = tmp.resolve("hf");
        ModelImport.Result r = ModelImport.run(options(ast("hf"), null, null, List.of(), run));
        assertThat(r.notes()).isEmpty();
        assertThat(r.layout()).isEqualTo("hf");
        try (ModelBundle b = ModelBundle.load(run, 1)) {
            assertThat(b.classes).containsExactly("Speech", "Dog", "Siren", "Rain", "Music");
            assertThat(b.model.normStd()).isEqualTo(4.5689974f);
            assertThat(maxDiff(logits(b), Npy.read(ast("logits.npy")).f32())).isLessThanOrEqualTo(1e-4);
        }
    }

    @Test
    void exportReadsBackToTheSameTensorsAndReimportsToTheSameModel() throws IOException {
        Path run = tmp.resolve("a");
        ModelImport.run(options(ast("hf"), null, null, List.of(), run));
        Path st = tmp.resolve("a.safetensors");
        int n = ModelExport.safetensors(run, st, false);
        SafeTensors.Contents c = SafeTensors.readContents(st);
        assertThat(c.metadata()).containsEntry("format", "pt").containsEntry("tempora.backbone", "ast")
                .containsEntry("tempora.classes", "[\"Speech\",\"Dog\",\"Siren\",\"Rain\",\"Music\"]");
        float[] first;
        try (ModelBundle b = ModelBundle.load(run, 1)) {
            Map<String, org.tempora.io.Npz.Entry> sd = StateDict.entries(b.model);
            assertThat(c.tensors().keySet()).containsExactlyElementsOf(sd.keySet()).hasSize(n).contains("v.blocks.0.attn.qkv.weight", "mlp_head.1.bias");
            sd.forEach((k, e) -> {
                assertThat(c.tensors().get(k).shape()).as(k).isEqualTo(e.shape());
                assertThat(c.tensors().get(k).f32()).as(k).isEqualTo(e.data());
            });
            first = logits(b);
        }
        // the exported file is in tempora's (yuangong) names; heads and normalisation as the first import had them
        Path again = tmp.resolve("b");
        ModelImport.Result r = ModelImport.run(options(st, null, null,
                List.of("backbone.heads=4", "features.norm_mean=-4.2677393", "features.norm_std=4.5689974"), again));
        assertThat(r.layout()).isEqualTo("yuangong");
        try (ModelBundle b = ModelBundle.load(again, 1)) {
            assertThat(logits(b)).isEqualTo(first);
        }
        assertThatThrownBy(() -> ModelExport.safetensors(run, st, false)).isInstanceOf(ConfigException.class).hasMessageContaining("--overwrite");
        assertThat(ModelExport.safetensors(run, st, true)).isEqualTo(n);
    }

    @Test
    void audioMambaCheckpointBecomesABundleWithTheReferenceLogits() {
        Path run = tmp.resolve("aum");
        Path ckpt = Fixtures.interop("aum").resolve("aum.pth");
        ModelImport.Result r = ModelImport.run(new ModelImport.Options(ckpt, "aum", null, null, List.of("backbone.scan=sequential"), false, run, false));
        assertThat(r.model()).isEqualTo("Audio Mamba width 32, depth 2, bimamba v2, 16x16 patches with stride 16x16, 128 frames x 128 mel bins, 4 classes");
        assertThat(r.notes()).anyMatch(n -> n.startsWith("target_frames 128")).anyMatch(n -> n.startsWith("strides 16x16"))
                .anyMatch(n -> n.contains("AudioSet"));
        try (ModelBundle b = ModelBundle.load(run, 1)) {
            Npy.Array input = Npy.read(Fixtures.interop("aum").resolve("input.npy"));
            try (NDManager batch = b.model.manager().newSubManager()) {
                NDArray x = batch.create(input.f32(), new Shape(input.shape()[0], input.shape()[1], input.shape()[2]));
                float[] got = b.model.backbone().forward(x).toFloatArray();
                assertThat(maxDiff(got, Npy.read(Fixtures.interop("aum").resolve("logits.npy")).f32())).isLessThanOrEqualTo(1e-4);
            }
        }
        assertThatThrownBy(() -> ModelImport.run(new ModelImport.Options(ckpt, "aum", null, null, List.of("backbone.dim=16"), false,
                tmp.resolve("x"), false))).isInstanceOf(ConfigException.class).hasMessageContaining("backbone.dim");
        assertThatThrownBy(() -> ModelImport.run(new ModelImport.Options(ckpt, "ast", null, null, List.of(), false, tmp.resolve("y"), false)))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("not an AST checkpoint");
    }

    @Test
    void refusals() throws IOException {
        Path run = tmp.resolve("r");
        assertThatThrownBy(() -> ModelImport.run(new ModelImport.Options(ast("hf/model.safetensors"), "aum", null, null, List.of(), false, run, false)))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("not an Audio Mamba checkpoint");
        assertThatThrownBy(() -> ModelImport.run(new ModelImport.Options(ast("hf"), "vit", null, null, List.of(), false, run, false)))
                .isInstanceOf(ConfigException.class).hasMessageContaining("--arch 'vit'");
        assertThatThrownBy(() -> ModelImport.run(options(ast("hf"), null, null, List.of("backbone.dim=32"), run)))
                .isInstanceOf(ConfigException.class).hasMessageContaining("backbone.dim");
        assertThatThrownBy(() -> ModelImport.run(options(ast("hf"), null, null, List.of("train.lr=-1"), run)))
                .isInstanceOf(ConfigException.class).hasMessageContaining("train.lr");
        Path labels = tmp.resolve("four.csv");
        Files.writeString(labels, "a\nb\nc\nd\n");
        assertThatThrownBy(() -> ModelImport.run(options(ast("hf"), null, labels, List.of(), run)))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("four.csv: has 4 labels, but the checkpoint's head has 5 classes");
        assertThat(run).doesNotExist();
        ModelImport.run(options(ast("hf"), null, null, List.of(), run));
        assertThatThrownBy(() -> ModelImport.run(options(ast("hf"), null, null, List.of(), run)))
                .isInstanceOf(ConfigException.class).hasMessageContaining("already holds a run");
        ModelImport.run(new ModelImport.Options(ast("hf"), "ast", null, null, List.of(), true, run, true));
        try (ModelBundle b = ModelBundle.load(run, 1)) {
            assertThat(b.multiLabel).isTrue();
        }
    }

    @Test
    void labelsFiles() throws IOException {
        Path a = tmp.resolve("a.csv");
        Files.writeString(a, "index,mid,display_name\n1,/m/b,\"Dog, barking\"\n0,/m/a,Speech\n");
        assertThat(ModelImport.readLabels(a)).containsExactly("Speech", "Dog, barking");
        Path b = tmp.resolve("b.csv");
        Files.writeString(b, "label\nyes\nno\n");
        assertThat(ModelImport.readLabels(b)).containsExactly("yes", "no");
        Path c = tmp.resolve("c.csv");
        Files.writeString(c, "index,display_name\n0,a\n2,b\n");
        assertThatThrownBy(() -> ModelImport.readLabels(c)).isInstanceOf(InvalidInputException.class).hasMessageContaining("not 0 to 1");
    }
}
