package org.tempora.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tempora.ConfigException;
import org.tempora.interop.AstLayout;
import org.tempora.io.Checkpoints;
import org.tempora.io.Npy;
import org.tempora.io.Npz;
import org.tempora.nn.StateDict;
import org.tempora.testing.Fixtures;

/**
 * {@code tempora export --format pth}: the torch.save zip reads back bit for bit, and it is byte for byte the file
 * PyTorch loaded with {@code torch.load(path, weights_only=True)} when {@code tools/interop/check_export.py} recorded
 * {@code interop/export/pytorch.json} (same SHA-256), whose logits through the YuanGongND layout are compared here.
 */
class ModelExportPthTest {
    @TempDir
    Path tmp;

    /** The AST fixture imported with its 4 heads, as check_export.py's files were made. */
    private Path imported() {
        Path run = tmp.resolve("run");
        ModelImport.run(ModelImportTest.options(ModelImportTest.ast("yuangong.pth"), AstLayout.YUANGONG, ModelImportTest.ast("labels.csv"),
                List.of("backbone.heads=4"), run));
        return run;
    }

    @Test
    void pthReadsBackBitForBitAndIsTheFilePyTorchLoaded() throws IOException {
        Path run = imported();
        Path pth = tmp.resolve("m.pth");
        Path st = tmp.resolve("m.safetensors");
        assertThat(ModelExport.write(run, pth, "pth", false)).isEqualTo(35);
        assertThat(ModelExport.write(run, st, "safetensors", false)).isEqualTo(35);

        Checkpoints.Checkpoint back = Checkpoints.read(pth);
        assertThat(back.format()).isEqualTo(Checkpoints.Format.TORCH);
        Map<String, Npy.Array> viaSt = Checkpoints.read(st).tensors();
        try (ModelBundle b = ModelBundle.load(run, 1)) {
            Map<String, Npz.Entry> model = StateDict.entries(b.model);
            assertThat(new ArrayList<>(back.tensors().keySet())).containsExactlyElementsOf(model.keySet());
            for (var e : model.entrySet()) {
                Npy.Array a = back.tensors().get(e.getKey());
                assertThat(a.shape()).as(e.getKey()).containsExactly(e.getValue().shape());
                assertThat(bits(a.f32())).as(e.getKey()).containsExactly(bits(e.getValue().data()));
                assertThat(bits(viaSt.get(e.getKey()).f32())).as(e.getKey()).containsExactly(bits(e.getValue().data()));
            }
        }

        JsonNode py = new ObjectMapper().readTree(Fixtures.interop("export").resolve("pytorch.json").toFile());
        assertThat(sha256(pth)).as("the exported bytes are the ones PyTorch %s loaded", py.get("torch").asText())
                .isEqualTo(py.get("pth_sha256").asText());
        List<String> keys = new ArrayList<>();
        py.get("tensors").forEach(k -> keys.add(k.asText()));
        assertThat(keys).containsExactlyElementsOf(back.tensors().keySet());

        // the tempora model of the re-imported export computes PyTorch's logits
        Path again = tmp.resolve("again");
        ModelImport.run(ModelImportTest.options(pth, AstLayout.YUANGONG, ModelImportTest.ast("labels.csv"), List.of("backbone.heads=4"), again));
        try (ModelBundle b = ModelBundle.load(again, 1)) {
            float[] ours = ModelImportTest.logits(b);
            for (String which : List.of("logits_pth", "logits_safetensors")) {
                float[] theirs = flat(py.get(which));
                assertThat(ModelImportTest.maxDiff(ours, theirs)).as(which).isLessThanOrEqualTo(1e-4);
            }
        }
    }

    @Test
    void archiveLayoutIsTorchSaves() throws IOException {
        Path pth = tmp.resolve("m.pth");
        ModelExport.write(imported(), pth, "PTH", false);
        try (ZipFile z = new ZipFile(pth.toFile())) {
            List<String> names = z.stream().map(ZipEntry::getName).toList();
            assertThat(names.get(0)).isEqualTo("archive/data.pkl");
            assertThat(names).contains("archive/byteorder", "archive/version", "archive/.data/version", "archive/data/0", "archive/data/34")
                    .hasSize(35 + 4);
            assertThat(z.stream()).allMatch(e -> e.getMethod() == ZipEntry.STORED);
            assertThat(new String(z.getInputStream(z.getEntry("archive/byteorder")).readAllBytes(), StandardCharsets.US_ASCII)).isEqualTo("little");
            assertThat(new String(z.getInputStream(z.getEntry("archive/version")).readAllBytes(), StandardCharsets.US_ASCII)).isEqualTo("3\n");
            byte[] pkl = z.getInputStream(z.getEntry("archive/data.pkl")).readAllBytes();
            assertThat(pkl[0] & 0xff).isEqualTo(0x80);
            assertThat(pkl[1]).as("pickle protocol 2, as torch.save writes").isEqualTo((byte) 2);
            String text = new String(pkl, StandardCharsets.ISO_8859_1);
            assertThat(text).contains("ccollections\nOrderedDict\n", "ctorch._utils\n_rebuild_tensor_v2\n", "ctorch\nFloatStorage\n");
            // every record's data starts on a 64-byte boundary (local header: 30 bytes + name + extra)
            byte[] f = Files.readAllBytes(pth);
            for (int o = 0; o + 30 <= f.length; o++) {
                if (f[o] == 'P' && f[o + 1] == 'K' && f[o + 2] == 3 && f[o + 3] == 4) {
                    int n = (f[o + 26] & 0xff) | (f[o + 27] & 0xff) << 8;
                    int e = (f[o + 28] & 0xff) | (f[o + 29] & 0xff) << 8;
                    String name = new String(f, o + 30, n, StandardCharsets.UTF_8);
                    if (!names.contains(name)) continue; // the signature's bytes inside some data
                    assertThat((o + 30 + n + e) % 64).as(name).isZero();
                }
            }
        }
        // the same model gives the same bytes (fixed record times)
        Path second = tmp.resolve("m2.pth");
        ModelExport.write(tmp.resolve("run"), second, "pth", false);
        assertThat(Files.readAllBytes(second)).isEqualTo(Files.readAllBytes(pth));
    }

    @Test
    void refusals() throws IOException {
        Path run = imported();
        Path pth = tmp.resolve("m.pth");
        Files.writeString(pth, "not mine");
        assertThatThrownBy(() -> ModelExport.write(run, pth, "pth", false)).isInstanceOf(ConfigException.class).hasMessageContaining("exists");
        assertThat(Files.readString(pth)).isEqualTo("not mine");
        assertThatThrownBy(() -> ModelExport.write(run, tmp.resolve("x.onnx"), "onnx", false)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("safetensors or pth");
        ModelExport.write(run, pth, "pth", true);
        assertThat(Checkpoints.read(pth).tensors()).hasSize(35);
    }

    static float[] flat(JsonNode rows) {
        List<Float> v = new ArrayList<>();
        rows.forEach(r -> r.forEach(x -> v.add((float) x.asDouble())));
        float[] out = new float[v.size()];
        for (int i = 0; i < out.length; i++) out[i] = v.get(i);
        return out;
    }

    static int[] bits(float[] a) {
        int[] b = new int[a.length];
        for (int i = 0; i < a.length; i++) b[i] = Float.floatToRawIntBits(a[i]);
        return b;
    }

    static String sha256(Path p) throws IOException {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
