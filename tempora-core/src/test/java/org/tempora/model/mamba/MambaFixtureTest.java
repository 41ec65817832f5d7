package org.tempora.model.mamba;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.tempora.io.Npy;
import org.tempora.nn.Parameter;
import org.tempora.nn.StateDict;
import org.tempora.testing.Fixtures;

/**
 * Parity of {@link MambaMixer} with the reference {@code Mamba} module of kaistmm/Audio-Mamba-AuM @b0eb85d (fixtures/mamba,
 * README §5): for Fo-Fo, Fo-Bi (v1) and Bi-Bi (v2), with both scan algorithms (chunked with several chunks and a
 * partial last chunk, chunked with one chunk, sequential), our mixer loaded with the reference state_dict reproduces
 * {@code xz}, every conv output, every scan's arguments and output, {@code out} (abs 2e-5), and through DJL autograd
 * of {@code sum(out·R)} the gradient of {@code u} and of every parameter (per tensor
 * {@code max|Δ| ≤ 1e-4·max|ref| + 1e-6}).
 */
class MambaFixtureTest {
    static final double OUT_TOL = 2e-5;
    static final double INTERMEDIATE_TOL = 1e-5;

    static Stream<Arguments> cases() {
        List<SelectiveScan.Mode> modes = List.of(SelectiveScan.Mode.sequential(), SelectiveScan.Mode.chunked(5),
                SelectiveScan.Mode.chunked(32), SelectiveScan.Mode.parallel());
        return Stream.of("uni_d32_L17", "v1_fobi_d32_L17", "v2_bibi_d32_L17")
                .flatMap(c -> modes.stream().map(m -> Arguments.of(c, m)));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void matchesReference(String name, SelectiveScan.Mode mode) {
        Path dir = Fixtures.caseDir("mamba", name);
        JsonNode c = Fixtures.caseJson(dir);
        JsonNode dims = c.get("dims");
        Bimamba variant = name.startsWith("uni") ? Bimamba.NONE : name.startsWith("v1") ? Bimamba.V1 : Bimamba.V2;
        MambaMixer.Config cfg = MambaMixer.Config.aum(dims.get("d_model").asInt(), variant);
        assertThat(cfg.inner()).isEqualTo(dims.get("d_inner_E").asInt());
        assertThat(cfg.dtRank()).isEqualTo(dims.get("dt_rank_R").asInt());
        assertThat(cfg.dState()).isEqualTo(dims.get("d_state_n").asInt());
        try (NDManager m = NDManager.newBaseManager()) {
            MambaMixer mixer = new MambaMixer(m, new SplittableRandom(1), cfg, 1, mode);
            List<String> names = new java.util.ArrayList<>();
            c.get("state_dict_names").forEach(n -> names.add(n.asText()));
            assertThat(mixer.stateDict().keySet()).as("reference parameter names and order").containsExactlyElementsOf(names);
            assertThat(StateDict.load(mixer, StateDict.readFolder(dir.resolve("state_dict")), true, name)).isEmpty();
            try (NDManager batch = m.newSubManager()) {
                NDArray u = array(batch, Fixtures.npy(dir, "u.npy"));
                NDArray r = array(batch, Fixtures.npy(dir, "R.npy"));
                u.setRequiresGradient(true);
                Map<String, NDArray> trace = new HashMap<>();
                NDArray out;
                try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    out = mixer.forward(u, trace);
                    gc.backward(out.mul(r).sum());
                }
                assertClose(name + " out", out, Fixtures.npy(dir, "out.npy"), OUT_TOL);
                int checked = 0;
                for (String t : new String[] {"xz", "conv0_out", "conv1_out", "scan0_u", "scan0_delta_raw", "scan0_B",
                        "scan0_C", "scan0_A", "scan0_out", "scan1_u", "scan1_delta_raw", "scan1_B", "scan1_C", "scan1_A", "scan1_out"}) {
                    if (!dir.resolve(t + ".npy").toFile().exists()) {
                        assertThat(trace).as(name + " has no reference " + t).doesNotContainKey(t);
                        continue;
                    }
                    assertClose(name + " " + t, trace.get(t), Fixtures.npy(dir, t + ".npy"), INTERMEDIATE_TOL);
                    checked++;
                }
                assertThat(checked).isEqualTo(variant == Bimamba.NONE ? 8 : variant == Bimamba.V1 ? 14 : 15);
                assertGradClose(name + " grad_u", u.getGradient(), Fixtures.npy(dir, "grad_u.npy"));
                Map<String, Parameter> params = mixer.namedParameters();
                for (JsonNode g : c.get("grad_names")) {
                    String p = g.asText();
                    assertGradClose(name + " grad " + p, params.get(p).array().getGradient(), Fixtures.npy(dir, "grad/" + p + ".npy"));
                }
            }
        }
    }

    static NDArray array(NDManager m, Npy.Array a) {
        return m.create(a.f32(), new Shape(Arrays.stream(a.shape()).asLongStream().toArray()));
    }

    /** Worst |Δ| of a tensor against a reference, after a shape check. */
    static double worst(String what, NDArray got, Npy.Array ref) {
        assertThat(got.getShape().getShape()).as(what + " shape").containsExactly(Arrays.stream(ref.shape()).asLongStream().toArray());
        float[] g = got.toFloatArray();
        float[] r = ref.f32();
        double worst = 0;
        for (int i = 0; i < r.length; i++) worst = Math.max(worst, Math.abs((double) g[i] - r[i]));
        return worst;
    }

    static void assertClose(String what, NDArray got, Npy.Array ref, double tol) {
        double w = worst(what, got, ref);
        record(what, w, tol);
        assertThat(w).as(what + " max |diff|").isLessThanOrEqualTo(tol);
    }

    /** Worst |Δ| and tolerance per "case tensor" over all scan modes, written to target/parity/mamba.md for docs/aum.md. */
    static final Map<String, double[]> PARITY = new java.util.TreeMap<>();

    static synchronized void record(String what, double worst, double tol) {
        PARITY.merge(what, new double[] {worst, tol}, (a, b) -> new double[] {Math.max(a[0], b[0]), a[1]});
    }

    @org.junit.jupiter.api.AfterAll
    static void writeParity() throws java.io.IOException {
        StringBuilder sb = new StringBuilder("| case tensor | worst max abs diff (all scan modes) | tolerance |\n|---|---|---|\n");
        PARITY.forEach((k, v) -> sb.append(String.format(java.util.Locale.ROOT, "| %s | %.2e | %.2e |%n", k, v[0], v[1])));
        Path out = Path.of("target", "parity", "mamba.md");
        java.nio.file.Files.createDirectories(out.getParent());
        java.nio.file.Files.writeString(out, sb.toString());
    }

    static void assertGradClose(String what, NDArray got, Npy.Array ref) {
        double max = 0;
        for (float v : ref.f32()) max = Math.max(max, Math.abs(v));
        assertThat(max).as(what + " reference is not all zero").isGreaterThan(0);
        double w = worst(what, got, ref);
        record(what, w, 1e-4 * max + 1e-6);
        assertThat(w).as(what + " max |diff|").isLessThanOrEqualTo(1e-4 * max + 1e-6);
    }
}
