package org.tempora.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.tempora.nn.Init;
import org.tempora.nn.InitScheme;
import org.tempora.nn.LayerNorm;
import org.tempora.nn.Linear;
import org.tempora.nn.Module;
import org.tempora.nn.ModuleList;
import org.tempora.nn.Ops;
import org.tempora.nn.Parameter;
import org.tempora.nn.TransformerBlock;
import org.tempora.tokens.PatchEmbed;

/**
 * Audio Spectrogram Transformer (Gong et al. 2021), our implementation with AST's PyTorch state_dict names:
 * patch embedding → [cls, dist] + patches → + learnable positional embedding → pre-norm blocks → LayerNorm →
 * {@code (h_cls + h_dist)/2} → {@code mlp_head} (LayerNorm eps 1e-5 → Linear). Input {@code [B, T, F]} (or
 * {@code [B, C, T, F]} for multi-channel front-ends such as DiffRes); output raw logits {@code [B, classes]}.
 */
public final class Ast extends Backbone implements TokenBackbone {
    private final AstConfig config;
    private final Vit v;
    private final Head head;

    /** DeiT-style encoder, registered as {@code v} (timm's module under AST). */
    static final class Vit extends Module {
        final Parameter clsToken;
        final Parameter posEmbed;
        final Parameter distToken;
        final PatchEmbed patchEmbed;
        final ModuleList<TransformerBlock> blocks;
        final LayerNorm norm;

        Vit(NDManager m, SplittableRandom rng, AstConfig c, InitScheme init) {
            int d = c.dim();
            clsToken = param("cls_token", Init.truncNormal(m, rng, 0.02, 1, 1, d), false);
            posEmbed = param("pos_embed", Init.truncNormal(m, rng, 0.02, 1, c.sequenceLength(), d), false);
            distToken = param("dist_token", Init.truncNormal(m, rng, 0.02, 1, 1, d), false);
            patchEmbed = child("patch_embed", new PatchEmbed(m, rng, c.patches(), d));
            List<TransformerBlock> list = new ArrayList<>();
            for (int i = 0; i < c.depth(); i++) list.add(new TransformerBlock(m, rng, d, c.heads(), c.mlpHidden(), init));
            blocks = child("blocks", new ModuleList<>(list));
            norm = child("norm", new LayerNorm(m, d, 1e-6f));
        }
    }

    /** {@code mlp_head}: {@code 0} = LayerNorm(D, eps 1e-5), {@code 1} = Linear(D, classes), PyTorch default init. */
    static final class Head extends Module {
        final LayerNorm norm;
        final Linear fc;

        Head(NDManager m, SplittableRandom rng, int dim, int classes) {
            norm = child("0", new LayerNorm(m, dim, 1e-5f));
            fc = child("1", Linear.torchDefault(m, rng, dim, classes, true));
        }
    }

    /** AST with timm's initialisation (as AST builds it without pretrained weights). */
    public Ast(NDManager manager, AstConfig config, long seed) {
        this(manager, config, seed, InitScheme.TIMM);
    }

    public Ast(NDManager manager, AstConfig config, long seed, InitScheme init) {
        this.config = config;
        SplittableRandom rng = new SplittableRandom(seed);
        this.v = child("v", new Vit(manager, rng, config, init));
        this.head = child("mlp_head", new Head(manager, rng, config.dim(), config.numClasses()));
    }

    public AstConfig config() {
        return config;
    }

    @Override
    public PatchEmbed patchEmbed() {
        return v.patchEmbed;
    }

    @Override
    public Parameter posEmbed() {
        return v.posEmbed;
    }

    /** Number of prefix tokens (cls, dist) in front of the patches. */
    @Override
    public int prefixTokens() {
        return 2;
    }

    /**
     * Forward pass; when {@code trace} is given, intermediates are put into it under the fixture names
     * ({@code patch_tokens}, {@code tokens_with_pos}, {@code block<k>_out}, {@code final_norm}, {@code pooled}).
     */
    @Override
    public NDArray forward(NDArray x, Map<String, NDArray> trace) {
        NDManager scope = x.getManager();
        NDArray p = v.patchEmbed.forward(x);
        long b = p.getShape().get(0);
        long d = p.getShape().get(2);
        put(trace, "patch_tokens", p);
        NDArray cls = scoped(v.clsToken.array().broadcast(b, 1, d), scope);
        NDArray dist = scoped(v.distToken.array().broadcast(b, 1, d), scope);
        NDArray h = Ops.concat(cls, dist, p).add(v.posEmbed.array());
        put(trace, "tokens_with_pos", h);
        int k = 0;
        for (TransformerBlock blk : v.blocks.items()) {
            h = blk.forward(h);
            put(trace, "block" + (k++) + "_out", h);
        }
        h = v.norm.forward(h);
        put(trace, "final_norm", h);
        NDArray pooled = Ops.div(h.get(":, 0, :").add(h.get(":, 1, :")), 2f);
        put(trace, "pooled", pooled);
        return head.fc.forward(head.norm.forward(pooled));
    }

    /** The pooled embedding {@code (h_cls + h_dist)/2} before the head ([B, D]). */
    public NDArray embed(NDArray x) {
        Map<String, NDArray> t = new HashMap<>();
        forward(x, t);
        return t.get("pooled");
    }

    private static void put(Map<String, NDArray> trace, String name, NDArray a) {
        if (trace != null) trace.put(name, a);
    }
}
