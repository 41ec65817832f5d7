package org.tempora.model.mamba;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.tempora.ConfigException;
import org.tempora.config.BackboneSpec;
import org.tempora.config.ExperimentConfig;
import org.tempora.eval.FlopCount;
import org.tempora.model.ModelFactory;
import org.tempora.model.TemporaModel;
import org.tempora.nn.Init;
import org.tempora.tokens.PatchGeometry;
import org.tempora.train.AdamW;
import org.tempora.train.Losses;

class AudioMambaTest {

    static AumConfig micro(PatchGeometry g, Bimamba v, int classes) {
        return new AumConfig(32, 2, v, g, classes, SelectiveScan.Mode.chunked(4));
    }

    static NDArray randn(NDManager m, SplittableRandom rng, long... shape) {
        float[] v = new float[(int) new Shape(shape).size()];
        for (int i = 0; i < v.length; i++) v[i] = (float) Init.gaussian(rng);
        return m.create(v, new Shape(shape));
    }

    /**
     * Reference-spec §6 item 5: the class token sits at N // 2 and receives pos-embed row 0; patch i receives row 1 + i
     * and sits at i before the class token and at i + 1 after it. N odd and even.
     */
    @ParameterizedTest
    @CsvSource({"32, 7", "36, 8", "8, 1"})
    void classTokenInTheMiddleWithTheFirstPosEmbedRow(int frames, int expectedPatches) {
        PatchGeometry g = PatchGeometry.fftp(16, frames, 8, 4);
        assertThat(g.numPatches()).isEqualTo(expectedPatches);
        try (NDManager m = NDManager.newBaseManager()) {
            AudioMamba aum = new AudioMamba(m, micro(g, Bimamba.V2, 3), 1);
            int n = g.numPatches();
            int mid = n / 2;
            assertThat(aum.config().clsPosition()).isEqualTo(mid);
            try (NDManager b = m.newSubManager()) {
                NDArray x = randn(b, new SplittableRandom(2), 2, frames, 16);
                Map<String, NDArray> t = new HashMap<>();
                aum.forward(x, t);
                float[] p = t.get("patch_tokens").toFloatArray();
                float[] h = t.get("tokens_with_pos").toFloatArray();
                float[] pe = aum.posEmbed().array().toFloatArray();
                float[] cls = aum.clsToken().array().toFloatArray();
                int d = 32;
                assertThat(t.get("tokens_with_pos").getShape()).isEqualTo(new Shape(2, n + 1, d));
                for (int bi = 0; bi < 2; bi++) {
                    for (int k = 0; k < d; k++) {
                        assertThat(h[(bi * (n + 1) + mid) * d + k]).isEqualTo(cls[k] + pe[k]);
                        for (int i = 0; i < n; i++) {
                            int at = i < mid ? i : i + 1;
                            assertThat(h[(bi * (n + 1) + at) * d + k]).as("patch %d", i)
                                    .isEqualTo(p[(bi * n + i) * d + k] + pe[(1 + i) * d + k]);
                        }
                    }
                }
            }
        }
    }

    @ParameterizedTest
    @CsvSource({"square, none", "square, v1", "rect, v2", "fftp, v2", "fftp, v1", "channels, none"})
    void outputShapesAndTokenCounts(String kind, String variant) {
        int frames = 48;
        int bins = 32;
        PatchGeometry g = switch (kind) {
            case "square" -> PatchGeometry.square(bins, frames, 16, 16, 16);
            case "rect" -> new PatchGeometry(1, bins, frames, 8, 16, 8, 16);
            case "channels" -> PatchGeometry.square(bins, frames, 8, 8, 8).withChannels(3);
            default -> PatchGeometry.fftp(bins, frames, 4, 4);
        };
        try (NDManager m = NDManager.newBaseManager()) {
            AudioMamba aum = new AudioMamba(m, micro(g, Bimamba.parse(variant), 5), 3);
            assertThat(aum.tokens()).isEqualTo(g.numPatches() + 1);
            try (NDManager b = m.newSubManager()) {
                NDArray x = kind.equals("channels") ? randn(b, new SplittableRandom(4), 2, 3, frames, bins)
                        : randn(b, new SplittableRandom(4), 2, frames, bins);
                Map<String, NDArray> t = new HashMap<>();
                NDArray logits = aum.forward(x, t);
                assertThat(logits.getShape()).isEqualTo(new Shape(2, 5));
                assertThat(t.get("layer1_out").getShape()).isEqualTo(new Shape(2, g.numPatches() + 1, 32));
                assertThat(t.get("features").getShape()).isEqualTo(new Shape(2, 32));
                for (float v : logits.toFloatArray()) assertThat(Float.isFinite(v)).isTrue();
                // the two examples differ, so must their logits
                float[] l = logits.toFloatArray();
                assertThat(l[0]).isNotEqualTo(l[5]);
            }
        }
    }

    /** The scan algorithm changes nothing but speed and memory: whole-model logits agree. */
    @Test
    void everyScanAlgorithmGivesTheSameModel() {
        PatchGeometry g = PatchGeometry.square(32, 64, 8, 8, 8); // 4 × 8 = 32 patches, L = 33
        try (NDManager m = NDManager.newBaseManager()) {
            AudioMamba aum = new AudioMamba(m, micro(g, Bimamba.V2, 4), 5);
            try (NDManager b = m.newSubManager()) {
                NDArray x = randn(b, new SplittableRandom(6), 3, 64, 32);
                aum.scanMode(SelectiveScan.Mode.sequential());
                float[] seq = aum.forward(x).toFloatArray();
                for (SelectiveScan.Mode mode : new SelectiveScan.Mode[] {SelectiveScan.Mode.chunked(5), SelectiveScan.Mode.parallel(),
                        SelectiveScan.Mode.auto()}) {
                    aum.scanMode(mode);
                    float[] other = aum.forward(x).toFloatArray();
                    for (int i = 0; i < seq.length; i++) {
                        assertThat(other[i]).as("%s logit %d", mode, i).isCloseTo(seq[i], org.assertj.core.data.Offset.offset(2e-5f));
                    }
                }
            }
        }
    }

    /** AuM's state_dict keys (so checkpoints move both ways) and AuM-small's published size (~25.5 M, v2). */
    @Test
    void stateDictNamesAndSmallParameterCount() {
        PatchGeometry g = PatchGeometry.square(128, 1024, 16, 16, 16);
        try (NDManager m = NDManager.newBaseManager()) {
            AudioMamba aum = new AudioMamba(m, AumConfig.preset("small", Bimamba.V2, g, 527, SelectiveScan.Mode.chunked(32)), 0);
            List<String> keys = new ArrayList<>(aum.stateDict().keySet());
            assertThat(keys.subList(0, 3)).containsExactly("cls_token", "head.weight", "head.bias");
            assertThat(keys).contains("layers.0.mixer.A_log", "layers.0.mixer.D_b", "layers.0.mixer.conv1d_b.weight",
                    "layers.23.mixer.out_proj.weight", "layers.23.norm.weight");
            assertThat(keys.subList(keys.size() - 4, keys.size()))
                    .containsExactly("norm_f.weight", "patch_embed.proj.weight", "patch_embed.proj.bias", "pos_embed.pos_embed");
            assertThat(aum.posEmbed().array().getShape()).isEqualTo(new Shape(1, 513, 384));
            // per layer 1,043,328 (in_proj 589,824; 2 × (conv 3,840 + x_proj 43,008 + dt_proj 19,200 + A 12,288 + D 768);
            // out_proj 294,912; norm 384) × 24 + patch 98,688 + pos 196,992 + cls 384 + norm_f 384 + head 202,895
            assertThat(aum.parameterCount()).isEqualTo(25_539_215L);
        }
    }

    /** Hand-counted matmul MACs of a small AuM (docs/flops.md convention). */
    @Test
    void flopsOfASmallModelByHand() {
        PatchGeometry g = PatchGeometry.fftp(16, 32, 4, 4); // N = 8, L = 9
        AumConfig c = new AumConfig(64, 2, Bimamba.NONE, g, 10, SelectiveScan.Mode.chunked(8));
        FlopCount f = c.flops();
        // patch 1·64·16·4·8 = 32,768; per layer (E 128, n 16, R 4): in_proj 9·64·256 = 147,456, conv 9·128·4 = 4,608,
        // x_proj 9·128·36 = 41,472, dt_proj 9·4·128 = 4,608, out_proj 9·128·64 = 73,728 → 271,872 × 2; head 64·10 = 640
        assertThat(f.macs()).isEqualTo(32_768L + 2 * 271_872L + 640L);
        // elementwise/scan: pos add 9·64, residual 9·64 per layer, RMSNorm 4·9·64 per layer, norm_f 4·64, head bias 10
        assertThat(f.get("pos_embed")).isEqualTo(9 * 64);
        assertThat(f.get("layers.residual")).isEqualTo(2 * 9 * 64);
        assertThat(f.get("layers.norm")).isEqualTo(2 * 4 * 9 * 64);
        assertThat(f.get("norm_f")).isEqualTo(4 * 64);
        assertThat(f.get("layers.mixer.scan")).isEqualTo(2L * (9 * 128 * 16 * 7 + 9 * 128));
        try (NDManager m = NDManager.newBaseManager()) {
            assertThat(new AudioMamba(m, c, 0).flopsPerExample()).isEqualTo((double) f.total());
        }
    }

    /** A micro AuM learns a separable toy problem in a few AdamW steps (loss falls well below its start). */
    @Test
    void tinyModelTrains() {
        int frames = 32;
        int bins = 16;
        int batch = 16;
        PatchGeometry g = PatchGeometry.fftp(bins, frames, 4, 4);
        SplittableRandom rng = new SplittableRandom(11);
        float[] x = new float[batch * frames * bins];
        float[] y = new float[batch * 2];
        for (int i = 0; i < batch; i++) {
            int cls = i % 2;
            y[i * 2 + cls] = 1;
            for (int t = 0; t < frames; t++) {
                for (int f = 0; f < bins; f++) {
                    boolean band = cls == 0 ? f < bins / 2 : f >= bins / 2;
                    x[(i * frames + t) * bins + f] = (float) (0.5 * Init.gaussian(rng) + (band ? 1.0 : 0.0));
                }
            }
        }
        try (NDManager m = NDManager.newBaseManager()) {
            AudioMamba aum = new AudioMamba(m, micro(g, Bimamba.V2, 2), 12);
            AdamW opt = new AdamW(m, true, 0.9, 0.999, 1e-8, 0.0);
            List<Double> losses = new ArrayList<>();
            for (int step = 0; step < 12; step++) {
                try (NDManager b = m.newSubManager()) {
                    NDArray xs = b.create(x, new Shape(batch, frames, bins));
                    NDArray ys = b.create(y, new Shape(batch, 2));
                    try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                        NDArray loss = Losses.crossEntropy(aum.forward(xs), ys);
                        gc.backward(loss);
                        losses.add((double) loss.getFloat());
                    }
                    opt.step(aum.namedParameters(), 3e-3, 1.0);
                }
            }
            assertThat(losses.get(0)).isBetween(0.3, 1.5);
            assertThat(losses.get(losses.size() - 1)).as("losses " + losses).isLessThan(0.5 * losses.get(0));
        }
    }

    @Test
    void factoryBuildsAumFromTheConfig() {
        ExperimentConfig cfg = org.tempora.config.ConfigLoader.load(null, null, List.of("backbone.kind=aum", "backbone.size=micro",
                "backbone.depth=3", "backbone.bimamba=v1", "backbone.scan=sequential", "tokens.kind=fftp", "tokens.fftp_width=8",
                "tokens.fftp_stride=4"));
        try (NDManager m = NDManager.newBaseManager()) {
            TemporaModel tm = ModelFactory.build(cfg, new ModelFactory.Input(100, 64, 7, -4, 4), m);
            AudioMamba aum = (AudioMamba) tm.backbone();
            assertThat(aum.config().dim()).isEqualTo(64);
            assertThat(aum.config().depth()).isEqualTo(3);
            assertThat(aum.config().variant()).isEqualTo(Bimamba.V1);
            assertThat(aum.config().scan().algorithm()).isEqualTo(SelectiveScan.Algorithm.SEQUENTIAL);
            assertThat(BackboneSpec.Aum.DEFAULTS.scan()).as("default").isEqualTo("auto");
            assertThat(aum.tokens()).isEqualTo((100 - 8) / 4 + 1 + 1);
            assertThat(aum.patchEmbed().weight().array().getShape()).isEqualTo(new Shape(64, 1, 64, 8));
            try (NDManager b = m.newSubManager()) {
                NDArray logits = tm.forward(randn(b, new SplittableRandom(1), 2, 100, 64), false).logits();
                assertThat(logits.getShape()).isEqualTo(new Shape(2, 7));
            }
        }
        // a record built without the loader still meets the component's own checks
        assertThatThrownBy(() -> ModelFactory.aumConfig(new BackboneSpec.Aum("aum", "micro", null, 3, "v3", "auto", 32), PatchGeometry.fftp(64, 100, 8, 4), 7))
                .isInstanceOf(ConfigException.class).hasMessageContaining("bimamba");
        assertThatThrownBy(() -> ModelFactory.aumConfig(new BackboneSpec.Aum("aum", "micro", null, 3, "v2", "bogus", 32), PatchGeometry.fftp(64, 100, 8, 4), 7))
                .isInstanceOf(ConfigException.class).hasMessageContaining("scan");
        assertThatThrownBy(() -> ModelFactory.aumConfig(new BackboneSpec.Aum("aum", "micro", null, 3, "v2", "chunked", 0), PatchGeometry.fftp(64, 100, 8, 4), 7))
                .isInstanceOf(ConfigException.class).hasMessageContaining("scan_chunk");
        // and the loader refuses the same values first, naming the key
        for (String bad : List.of("backbone.bimamba=v3", "backbone.scan=bogus", "backbone.scan_chunk=0")) {
            assertThatThrownBy(() -> org.tempora.config.ConfigLoader.load(null, null, List.of("backbone.kind=aum", bad)))
                    .isInstanceOf(ConfigException.class).hasMessageContaining("'" + bad.substring(0, bad.indexOf('=')) + "'");
        }
    }

    /** auto runs the loop below the measured crossover and the parallel scan from it on; explicit modes never change. */
    @Test
    void autoScanResolvesByLength() {
        SelectiveScan.Mode auto = SelectiveScan.Mode.parse("auto", 16);
        assertThat(auto.resolve(SelectiveScan.AUTO_PARALLEL_FROM - 1)).isEqualTo(SelectiveScan.Algorithm.SEQUENTIAL);
        assertThat(auto.resolve(SelectiveScan.AUTO_PARALLEL_FROM)).isEqualTo(SelectiveScan.Algorithm.PARALLEL);
        assertThat(auto.resolve(4096)).isEqualTo(SelectiveScan.Algorithm.PARALLEL);
        assertThat(SelectiveScan.Mode.sequential().resolve(4096)).isEqualTo(SelectiveScan.Algorithm.SEQUENTIAL);
        assertThat(SelectiveScan.Mode.parse("parallel", 1).resolve(2)).isEqualTo(SelectiveScan.Algorithm.PARALLEL);
        assertThat(SelectiveScan.Mode.chunked(8).resolve(4096)).isEqualTo(SelectiveScan.Algorithm.CHUNKED);
    }
}
