package org.tempora.interop;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.tempora.ConfigException;
import org.tempora.InvalidInputException;
import org.tempora.io.Npy;

/**
 * How a published AST checkpoint names its tensors, and the map onto tempora's {@code Ast}, which uses AST's own
 * (timm) names: {@code v.cls_token}, {@code v.dist_token}, {@code v.pos_embed}, {@code v.patch_embed.proj.*},
 * {@code v.blocks.N.{norm1, attn.qkv, attn.proj, norm2, mlp.fc1, mlp.fc2}.*}, {@code v.norm.*},
 * {@code mlp_head.{0,1}.*}.
 */
public enum AstLayout {
    /**
     * YuanGongND/ast: the state_dict of {@code ASTModel}, usually saved inside DataParallel ({@code module.} is removed
     * by the reader). The names are tempora's; timm's unused DeiT heads {@code v.head.*} and {@code v.head_dist.*} are
     * dropped. A file tempora exported ({@code tempora export}) has this layout too.
     */
    YUANGONG,
    /**
     * Hugging Face transformers' {@code ASTForAudioClassification}: {@code audio_spectrogram_transformer.embeddings.*},
     * {@code …encoder.layer.N.attention.attention.{query,key,value}.*} (concatenated, in that order, into
     * {@code attn.qkv}), {@code …layernorm.*}, {@code classifier.{layernorm,dense}.*}.
     */
    HF,
    /**
     * timm's distilled DeiT ({@code deit_*_distilled_patch16_224/384}, an ImageNet checkpoint, the model AST wraps as
     * {@code v}): {@code cls_token}, {@code dist_token}, {@code pos_embed}, {@code patch_embed.proj.*},
     * {@code blocks.N.*}, {@code norm.*}, each becoming {@code v.} + its name; the ImageNet heads {@code head.*} and
     * {@code head_dist.*} are dropped. The tensors are not an AST yet: the patch kernel takes 3 (RGB) channels, the
     * positional embedding is a square image grid and there is no {@code mlp_head}; {@code run.ModelInit} adapts them
     * as AST's constructor does. A DeiT without {@code dist_token} (one class token) is refused.
     */
    TIMM;

    private static final String HF_PREFIX = "audio_spectrogram_transformer.";
    private static final Pattern HF_LAYER = Pattern.compile("encoder\\.layer\\.(\\d+)\\.(.+)");
    private static final Map<String, String> HF_BLOCK = Map.of(
            "attention.output.dense", "attn.proj",
            "intermediate.dense", "mlp.fc1",
            "output.dense", "mlp.fc2",
            "layernorm_before", "norm1",
            "layernorm_after", "norm2");
    private static final Map<String, String> HF_TOP = Map.of(
            "embeddings.cls_token", "v.cls_token",
            "embeddings.distillation_token", "v.dist_token",
            "embeddings.position_embeddings", "v.pos_embed",
            "embeddings.patch_embeddings.projection.weight", "v.patch_embed.proj.weight",
            "embeddings.patch_embeddings.projection.bias", "v.patch_embed.proj.bias",
            "layernorm.weight", "v.norm.weight",
            "layernorm.bias", "v.norm.bias");

    private static final Set<String> TIMM_TOP = Set.of("cls_token", "dist_token", "pos_embed", "patch_embed.proj.weight",
            "patch_embed.proj.bias", "norm.weight", "norm.bias");
    private static final Pattern TIMM_BLOCK = Pattern.compile("blocks\\.\\d+\\.(norm1|attn\\.qkv|attn\\.proj|norm2|mlp\\.fc1|mlp\\.fc2)\\.(weight|bias)");

    /** The CLI name ({@code yuangong}, {@code hf}, {@code timm}). */
    public String cliName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static AstLayout parse(String s) {
        for (AstLayout l : values()) if (l.cliName().equals(s.strip().toLowerCase(Locale.ROOT))) return l;
        throw new ConfigException("unknown checkpoint layout '" + s + "' (yuangong, hf, timm)");
    }

    /** The layout a state_dict's keys show, or null when they show neither. */
    public static AstLayout detect(Set<String> keys) {
        if (keys.stream().anyMatch(k -> k.startsWith(HF_PREFIX) || k.startsWith("classifier."))) return HF;
        if (keys.contains("v.cls_token") || keys.contains("v.pos_embed")) return YUANGONG;
        if ((keys.contains("cls_token") || keys.contains("pos_embed")) && keys.stream().anyMatch(k -> k.startsWith("blocks."))) return TIMM;
        return null;
    }

    /**
     * The tensors under tempora's names. A key the layout does not know is an error naming it (a checkpoint of another
     * model, or the other layout); a missing one is reported when the model loads them.
     */
    public Map<String, Npy.Array> toTempora(Map<String, Npy.Array> sd, String source) {
        AstLayout seen = detect(sd.keySet());
        if (seen != null && seen != this) {
            throw new InvalidInputException(source, "the tensors are in the " + seen.cliName() + " layout, not " + cliName()
                    + " (use --layout " + seen.cliName() + ")");
        }
        return switch (this) {
            case YUANGONG -> fromYuanGong(sd, source);
            case HF -> fromHf(sd, source);
            case TIMM -> fromTimm(sd, source);
        };
    }

    private static Map<String, Npy.Array> fromTimm(Map<String, Npy.Array> sd, String source) {
        Map<String, Npy.Array> out = new LinkedHashMap<>();
        List<String> unknown = new ArrayList<>();
        for (Map.Entry<String, Npy.Array> e : sd.entrySet()) {
            String k = e.getKey();
            if (k.startsWith("head.") || k.startsWith("head_dist.")) continue; // the ImageNet classifiers; AST builds its own head
            if (TIMM_TOP.contains(k) || TIMM_BLOCK.matcher(k).matches()) out.put("v." + k, e.getValue());
            else unknown.add(k);
        }
        refuseUnknown(unknown, source, "timm");
        if (!out.containsKey("v.dist_token")) {
            throw new InvalidInputException(source, "has no dist_token: AST starts from a distilled DeiT (deit_*_distilled_*, a class and a "
                    + "distillation token); a ViT or DeiT with one class token is not supported");
        }
        return out;
    }

    private static Map<String, Npy.Array> fromYuanGong(Map<String, Npy.Array> sd, String source) {
        Map<String, Npy.Array> out = new LinkedHashMap<>();
        List<String> unknown = new ArrayList<>();
        for (Map.Entry<String, Npy.Array> e : sd.entrySet()) {
            String k = e.getKey();
            if (k.startsWith("v.head.") || k.startsWith("v.head_dist.")) continue; // timm's DeiT heads, unused by AST
            if (k.startsWith("v.") || k.startsWith("mlp_head.")) out.put(k, e.getValue());
            else unknown.add(k);
        }
        refuseUnknown(unknown, source, "yuangong");
        return out;
    }

    private static Map<String, Npy.Array> fromHf(Map<String, Npy.Array> sd, String source) {
        Map<String, Npy.Array> out = new LinkedHashMap<>();
        Map<String, Npy.Array[]> qkv = new LinkedHashMap<>(); // "v.blocks.N.attn.qkv.weight" -> {q, k, v}
        List<String> unknown = new ArrayList<>();
        for (Map.Entry<String, Npy.Array> e : sd.entrySet()) {
            String k = e.getKey();
            if (k.startsWith("classifier.")) {
                String rest = k.substring("classifier.".length());
                String t = rest.startsWith("layernorm.") ? "mlp_head.0." + rest.substring("layernorm.".length())
                        : rest.startsWith("dense.") ? "mlp_head.1." + rest.substring("dense.".length()) : null;
                if (t == null) unknown.add(k);
                else out.put(t, e.getValue());
                continue;
            }
            if (!k.startsWith(HF_PREFIX)) {
                unknown.add(k);
                continue;
            }
            String rest = k.substring(HF_PREFIX.length());
            if (HF_TOP.containsKey(rest)) {
                out.put(HF_TOP.get(rest), e.getValue());
                continue;
            }
            Matcher m = HF_LAYER.matcher(rest);
            if (!m.matches()) {
                unknown.add(k);
                continue;
            }
            String block = "v.blocks." + m.group(1) + ".";
            String inner = m.group(2);
            int dot = inner.lastIndexOf('.');
            String module = inner.substring(0, dot);
            String leaf = inner.substring(dot + 1); // weight or bias
            int part = List.of("attention.attention.query", "attention.attention.key", "attention.attention.value").indexOf(module);
            if (part >= 0) {
                qkv.computeIfAbsent(block + "attn.qkv." + leaf, x -> new Npy.Array[3])[part] = e.getValue();
            } else if (HF_BLOCK.containsKey(module)) {
                out.put(block + HF_BLOCK.get(module) + "." + leaf, e.getValue());
            } else {
                unknown.add(k);
            }
        }
        refuseUnknown(unknown, source, "hf");
        for (Map.Entry<String, Npy.Array[]> e : qkv.entrySet()) out.put(e.getKey(), concatRows(e.getKey(), e.getValue(), source));
        return out;
    }

    /** query, key and value [D(, D)] stacked along the first axis into qkv [3D(, D)], as timm's qkv holds them. */
    private static Npy.Array concatRows(String key, Npy.Array[] parts, String source) {
        String[] names = {"query", "key", "value"};
        for (int i = 0; i < 3; i++) {
            if (parts[i] == null) throw new InvalidInputException(source, "attention " + names[i] + " is missing for " + key);
        }
        int[] shape = parts[0].shape().clone();
        for (Npy.Array p : parts) {
            if (!java.util.Arrays.equals(p.shape(), parts[0].shape()) || shape.length == 0) {
                throw new InvalidInputException(source, "attention query, key and value of " + key + " differ in shape");
            }
        }
        int n = parts[0].size();
        float[] out = new float[3 * n];
        for (int i = 0; i < 3; i++) System.arraycopy(parts[i].f32(), 0, out, i * n, n);
        shape[0] *= 3;
        return new Npy.Array(shape, out, null, "<f4");
    }

    private static void refuseUnknown(List<String> unknown, String source, String layout) {
        if (unknown.isEmpty()) return;
        List<String> shown = unknown.subList(0, Math.min(5, unknown.size()));
        throw new InvalidInputException(source, "tensors that are not part of an AST in the " + layout + " layout: "
                + String.join(", ", shown) + (unknown.size() > shown.size() ? ", … (" + unknown.size() + " in all)" : ""));
    }
}
