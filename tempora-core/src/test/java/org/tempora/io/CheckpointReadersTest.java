package org.tempora.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.tempora.InvalidInputException;
import org.tempora.testing.Fixtures;

/**
 * The safetensors and torch.save readers against files PyTorch wrote (interop/readers, made by
 * tools/interop/make_fixtures.py): every tensor bit for bit (float16/bfloat16 special values, views with storage
 * offsets and strides, shared storages, parameters, nested and DataParallel checkpoints), and every bad file refused
 * with a one-line {@link InvalidInputException} naming the file and what is wrong. The hostile pickles would run a
 * shell command if their globals were called; the test checks the refusal names the global and the command did not run.
 */
class CheckpointReadersTest {

    static Path dir() {
        return Fixtures.interop("readers");
    }

    static JsonNode spec() {
        return Fixtures.json(dir().resolve("readers.json"));
    }

    static Stream<String> files() {
        List<String> names = new ArrayList<>();
        spec().get("files").fieldNames().forEachRemaining(names::add);
        return names.stream();
    }

    @ParameterizedTest
    @MethodSource("files")
    void readsOrRefusesAsPyTorchWroteIt(String name) throws IOException {
        JsonNode want = spec().get("files").get(name);
        Path file = dir().resolve(name);
        Path marker = Path.of(spec().get("marker").asText());
        Files.deleteIfExists(marker);
        if (want.has("error")) {
            assertThatThrownBy(() -> Checkpoints.read(file))
                    .isInstanceOf(InvalidInputException.class)
                    .satisfies(e -> {
                        String msg = e.getMessage();
                        assertThat(msg).as("one line").doesNotContain("\n");
                        assertThat(msg).startsWith(file.toString());
                        for (JsonNode w : want.get("error")) assertThat(msg).contains(w.asText());
                        assertThat(msg).doesNotContainPattern("\\b(java|net\\.razorvine)\\.[a-z]");
                    });
            assertThat(Files.exists(marker)).as("the hostile command did not run").isFalse();
            return;
        }
        Map<String, Npy.Array> got = Checkpoints.read(file).tensors();
        Map<String, JsonNode> expected = new LinkedHashMap<>();
        want.get("tensors").fields().forEachRemaining(e -> expected.put(e.getKey(), e.getValue()));
        assertThat(got.keySet()).as("keys in order").containsExactlyElementsOf(expected.keySet());
        expected.forEach((k, w) -> {
            Npy.Array a = got.get(k);
            int[] shape = new int[w.get("shape").size()];
            for (int i = 0; i < shape.length; i++) shape[i] = w.get("shape").get(i).asInt();
            assertThat(a.shape()).as(k + " shape").containsExactly(shape);
            float[] f = a.f32();
            assertThat(f).as(k + " size").hasSize(w.get("bits").size());
            for (int i = 0; i < f.length; i++) {
                int bits = (int) w.get("bits").get(i).asLong();
                assertThat(Float.floatToRawIntBits(f[i])).as(k + "[" + i + "] = " + Float.intBitsToFloat(bits) + ", got " + f[i]).isEqualTo(bits);
            }
        });
    }

    @Test
    void everyFixtureIsListed() throws IOException {
        List<String> listed = files().toList();
        try (Stream<Path> s = Files.list(dir())) {
            List<String> present = s.map(p -> p.getFileName().toString()).filter(n -> !n.equals("readers.json")).toList();
            assertThat(listed).containsExactlyInAnyOrderElementsOf(present);
        }
    }

    @Test
    void refusesEveryGlobalButTheAllowedOnes() {
        assertThat(TorchUnpickler.ALLOWED).containsExactlyInAnyOrder("torch._utils._rebuild_tensor_v2", "torch._utils._rebuild_parameter",
                "collections.OrderedDict", "torch.FloatStorage", "torch.HalfStorage", "torch.BFloat16Storage");
        // protocol 2: GLOBAL 'subprocess check_output', EMPTY_TUPLE, REDUCE, STOP
        byte[] pickle = "\u0080\u0002csubprocess\ncheck_output\n)R.".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        assertThatThrownBy(() -> new TorchUnpickler().loads(pickle)).isInstanceOf(TorchUnpickler.Refused.class)
                .hasMessageContaining("subprocess.check_output");
        // protocol 4: STACK_GLOBAL of two short unicode strings
        byte[] p4 = "\u0080\u0004\u008c\u0008builtins\u008c\u0004exec\u0093)R.".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        assertThatThrownBy(() -> new TorchUnpickler().loads(p4)).isInstanceOf(TorchUnpickler.Refused.class)
                .hasMessageContaining("builtins.exec");
    }

    @Test
    void halfPrecisionConversionIsExactForEveryValue() {
        // float16 → float32 widens exactly: check all 65536 patterns against Java's own float → half rounding, which
        // must give the pattern back (NaNs: any NaN)
        for (int h = 0; h < 0x10000; h++) {
            float f = Floats.halfToFloat(h);
            boolean nan = (h & 0x7c00) == 0x7c00 && (h & 0x3ff) != 0;
            if (nan) {
                assertThat(Float.isNaN(f)).isTrue();
                continue;
            }
            assertThat(toHalf(f)).as("0x%04x -> %s", h, f).isEqualTo(h);
        }
    }

    /** float32 → binary16 for values that are exactly representable (test helper). */
    private static int toHalf(float f) {
        int bits = Float.floatToRawIntBits(f);
        int sign = (bits >>> 16) & 0x8000;
        float a = Math.abs(f);
        if (Float.isInfinite(a)) return sign | 0x7c00;
        if (a == 0) return sign;
        if (a < 0x1p-14f) return sign | Math.round(a / 0x1p-24f);
        int e = Math.getExponent(a);
        int mant = Math.round((a / (float) Math.pow(2, e) - 1) * 1024);
        return sign | ((e + 15) << 10) | mant;
    }

    @Test
    void safetensorsWriteThenReadGivesTheSameTensors(@TempDir Path tmp) throws IOException {
        Map<String, Npz.Entry> t = new LinkedHashMap<>();
        t.put("a.weight", new Npz.Entry(new float[] {1.5f, -0f, Float.MIN_VALUE, Float.MAX_VALUE, Float.NaN, 3f}, new int[] {2, 3}));
        t.put("scalar", new Npz.Entry(new float[] {7f}, new int[] {}));
        t.put("b", new Npz.Entry(new float[] {1, 2, 3}, new int[] {3}));
        Path f = tmp.resolve("x.safetensors");
        SafeTensors.write(f, t, Map.of("format", "pt"));
        SafeTensors.Contents c = SafeTensors.readContents(f);
        assertThat(c.metadata()).containsEntry("format", "pt");
        assertThat(c.tensors().keySet()).containsExactly("a.weight", "scalar", "b");
        t.forEach((k, e) -> {
            assertThat(c.tensors().get(k).shape()).isEqualTo(e.shape());
            float[] g = c.tensors().get(k).f32();
            for (int i = 0; i < g.length; i++) assertThat(Float.floatToRawIntBits(g[i])).isEqualTo(Float.floatToRawIntBits(e.data()[i]));
        });
        byte[] b = Files.readAllBytes(f);
        long headerLen = java.nio.ByteBuffer.wrap(b, 0, 8).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong();
        assertThat(headerLen % 8).as("data 8-byte aligned").isZero();
    }

    @Test
    void aMissingFileOrAFolderIsNamed(@TempDir Path tmp) {
        assertThatThrownBy(() -> Checkpoints.read(tmp.resolve("none.pt"))).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("none.pt").hasMessageContaining("no such file");
        assertThatThrownBy(() -> Checkpoints.read(tmp)).isInstanceOf(InvalidInputException.class).hasMessageContaining("folder");
    }
}
