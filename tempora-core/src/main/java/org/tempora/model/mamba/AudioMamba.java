package org.tempora.model.mamba;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.tempora.model.Backbone;
import org.tempora.model.Classifier;
import org.tempora.model.TokenBackbone;
import org.tempora.nn.Init;
import org.tempora.nn.Linear;
import org.tempora.nn.Module;
import org.tempora.nn.ModuleList;
import org.tempora.nn.Ops;
import org.tempora.nn.Parameter;
import org.tempora.nn.RmsNorm;
import org.tempora.tokens.PatchEmbed;

/**
 * Audio Mamba (Erol et al. 2024, reference-spec §5.1–5.2) with AuM's PyTorch state_dict names: {@code cls_token},
 * {@code head.*}, {@code layers.<i>.mixer.*} / {@code layers.<i>.norm.weight}, {@code norm_f.weight},
 * {@code patch_embed.proj.*}, {@code pos_embed.pos_embed}.
 *
 * <p>Input {@code [B, T, F]} (or {@code [B, C, T, F]}): patch embedding ({@link PatchEmbed}: square, rectangular or
 * full-frequency patches, tokens time-fastest) → the class token inserted in the <b>middle</b>, at index N // 2 →
 * learnable positional embedding, stored with the class token's entry <b>first</b> ({@code [1, 1 + N, D]}): it is
 * added to {@code [cls, patches]} and the class token is then moved to N // 2, as AuM does → {@code depth} residual
 * blocks "add → RMSNorm → mixer" (residual stream kept apart, as the reference's fused add-norm) → final add and
 * {@code norm_f} → {@code head} Linear on the class token. Output raw logits {@code [B, classes]}.
 *
 * <p>{@code norm_f} is applied to the class token only: the reference normalises every token and then keeps the
 * class token, which gives the same logits.
 */
public final class AudioMamba extends Backbone implements TokenBackbone {
    private final AumConfig config;
    private final Parameter clsToken;
    private final Linear head;
    private final List<Layer> layers = new ArrayList<>();
    private final RmsNorm normF;
    private final PatchEmbed patchEmbed;
    private final Parameter posEmbed;

    /** One residual block: {@code mixer} and its pre-norm {@code norm} (ViM's {@code Block}). */
    static final class Layer extends Module {
        final MambaMixer mixer;
        final RmsNorm norm;

        Layer(NDManager m, SplittableRandom rng, AumConfig c) {
            mixer = child("mixer", new MambaMixer(m, rng, c.mixer(), c.depth(), c.scan()));
            norm = child("norm", new RmsNorm(m, c.dim(), 1e-5f));
        }
    }

    /** Holder so the key is {@code pos_embed.pos_embed}, as AuM's FlexiPosEmbed. */
    private static final class PosEmbed extends Module {
        final Parameter table;

        PosEmbed(NDArray init) {
            table = param("pos_embed", init, false);
        }
    }

    /**
     * Builds the model with the reference initialisation (reference-spec §5.3) from {@code seed}: head weight
     * trunc_normal(0.02) and bias 0, class token and positional embedding trunc_normal(0.02), patch conv PyTorch
     * default, mixers as {@link MambaMixer} with {@code out_proj} rescaled by 1/√depth, norms 1.
     */
    public AudioMamba(NDManager manager, AumConfig config, long seed) {
        this.config = config;
        SplittableRandom rng = new SplittableRandom(seed);
        int d = config.dim();
        clsToken = param("cls_token", Init.truncNormal(manager, rng, 0.02, 1, 1, d), false);
        head = child("head", new Linear(d, config.numClasses(), Init.truncNormal(manager, rng, 0.02, config.numClasses(), d),
                Init.zeros(manager, config.numClasses())));
        for (int i = 0; i < config.depth(); i++) layers.add(new Layer(manager, rng, config));
        child("layers", new ModuleList<>(layers));
        normF = child("norm_f", new RmsNorm(manager, d, 1e-5f));
        patchEmbed = child("patch_embed", new PatchEmbed(manager, rng, config.patches(), d));
        posEmbed = child("pos_embed", new PosEmbed(Init.truncNormal(manager, rng, 0.02, 1, config.sequenceLength(), d))).table;
    }

    public AumConfig config() {
        return config;
    }

    @Override
    public PatchEmbed patchEmbed() {
        return patchEmbed;
    }

    /** {@code [1, 1 + N, D]}, row 0 = the class token's entry, then the patches in token order. */
    @Override
    public int prefixTokens() {
        return 1;
    }

    @Override
    public Parameter posEmbed() {
        return posEmbed;
    }

    public Parameter clsToken() {
        return clsToken;
    }

    /** The mixers, in layer order. */
    public List<MambaMixer> mixers() {
        return layers.stream().map(l -> l.mixer).toList();
    }

    /** Switches every mixer's scan algorithm (the weights are unchanged). */
    public void scanMode(SelectiveScan.Mode mode) {
        layers.forEach(l -> l.mixer.scanMode(mode));
    }

    /**
     * Forward pass; when {@code trace} is given it receives {@code patch_tokens} [B,N,D], {@code tokens_with_pos}
     * [B,N+1,D] (class token at N // 2), {@code layer<i>_out} (mixer output of layer i) and {@code features} [B,D]
     * (normalised class token).
     */
    @Override
    public NDArray forward(NDArray x, Map<String, NDArray> trace) {
        NDManager scope = x.getManager();
        NDArray p = patchEmbed.forward(x);
        long b = p.getShape().get(0);
        long n = p.getShape().get(1);
        long d = p.getShape().get(2);
        put(trace, "patch_tokens", p);
        NDArray cls = scoped(clsToken.array().broadcast(b, 1, d), scope);
        NDArray withPos = Ops.concat(cls, p).add(posEmbed.array()); // pos-embed row 0 belongs to the class token
        long mid = n / 2;
        NDArray h = mid == 0 ? withPos : Ops.concat(withPos.get(new NDIndex(":, 1:{}", mid + 1)),
                withPos.get(new NDIndex(":, 0:1")), withPos.get(new NDIndex(":, {}:", mid + 1)));
        put(trace, "tokens_with_pos", h);
        NDArray residual = null;
        NDArray hidden = h;
        int i = 0;
        for (Layer l : layers) {
            residual = residual == null ? hidden : residual.add(hidden);
            hidden = l.mixer.forward(l.norm.forward(residual));
            put(trace, "layer" + (i++) + "_out", hidden);
        }
        residual = residual.add(hidden);
        NDArray features = normF.forward(residual.get(new NDIndex(":, {}, :", mid)));
        put(trace, "features", features);
        return head.forward(features);
    }

    private static void put(Map<String, NDArray> trace, String name, NDArray a) {
        if (trace != null) trace.put(name, a);
    }
}
