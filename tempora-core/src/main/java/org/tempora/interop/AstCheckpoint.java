package org.tempora.interop;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.tempora.InvalidInputException;
import org.tempora.Messages;
import org.tempora.io.Checkpoints;
import org.tempora.io.Npy;

/**
 * An AST checkpoint read and renamed to tempora's keys, with the shape its tensors show: width, depth, MLP width,
 * classes, patch kernel and the number of patch positions. What the tensors cannot show (attention heads, strides,
 * input length, mel bins, normalisation, labels) comes from a Hugging Face folder's {@code config.json} and
 * {@code preprocessor_config.json} when there is one ({@link #hf()}), or from the caller.
 *
 * @param tensors   float32 tensors under tempora's names
 * @param file      the checkpoint file read
 * @param layout    the layout it was in
 * @param format    safetensors or torch.save
 * @param hf        a Hugging Face folder's settings, or null
 */
public record AstCheckpoint(Map<String, Npy.Array> tensors, Path file, AstLayout layout, Checkpoints.Format format, HfConfig hf) {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The weight files a Hugging Face model folder may hold, in the order looked for. */
    public static final List<String> HF_WEIGHTS = List.of("model.safetensors", "pytorch_model.bin");

    /**
     * What a Hugging Face folder says about the model; every field may be null.
     *
     * @param heads     {@code num_attention_heads}
     * @param fstride   {@code frequency_stride}
     * @param tstride   {@code time_stride}
     * @param frames    {@code max_length}
     * @param melBins   {@code num_mel_bins}
     * @param mean      the feature extractor's {@code mean} ((x − mean)/(2·std), as tempora)
     * @param std       its {@code std}
     * @param labels    {@code id2label} in id order
     * @param layerNormEps {@code layer_norm_eps} (tempora's LayerNorms use timm's 1e-6 and 1e-5; docs/interop.md)
     */
    public record HfConfig(Integer heads, Integer fstride, Integer tstride, Integer frames, Integer melBins, Double mean, Double std,
                           List<String> labels, Double layerNormEps) {}

    /**
     * Reads a checkpoint file, or a Hugging Face model folder ({@code model.safetensors} or {@code pytorch_model.bin},
     * with {@code config.json}).
     *
     * @param layout the layout, or null to tell it from the keys
     */
    public static AstCheckpoint read(Path path, AstLayout layout) {
        Path file = path;
        HfConfig hf = null;
        if (Files.isDirectory(path)) {
            file = HF_WEIGHTS.stream().map(path::resolve).filter(Files::isRegularFile).findFirst()
                    .orElseThrow(() -> new InvalidInputException(path, "a folder without " + String.join(" or ", HF_WEIGHTS)
                            + " (give the checkpoint file, or a Hugging Face model folder)"));
            hf = hfConfig(path);
        }
        Checkpoints.Checkpoint c = Checkpoints.read(file);
        AstLayout l = layout != null ? layout : AstLayout.detect(c.tensors().keySet());
        if (l == null) {
            List<String> keys = c.tensors().keySet().stream().limit(4).toList();
            throw new InvalidInputException(file, "not an AST checkpoint in a layout tempora knows (keys " + keys
                    + " …; yuangong has v.cls_token, hf has audio_spectrogram_transformer.*, timm (an ImageNet DeiT) has cls_token and blocks.*)");
        }
        return new AstCheckpoint(l.toTempora(c.tensors(), file.toString()), file, l, c.format(), hf);
    }

    /**
     * Whether this is an ImageNet DeiT ({@link AstLayout#TIMM}): RGB patch kernel, square positional grid, no audio
     * head. It is a starting point for {@code train --init}, not a model to import.
     */
    public boolean imagenet() {
        return layout == AstLayout.TIMM;
    }

    static HfConfig hfConfig(Path folder) {
        Path cfg = folder.resolve("config.json");
        if (!Files.isRegularFile(cfg)) return null;
        JsonNode j = json(cfg);
        String type = j.path("model_type").asText("");
        if (!type.isEmpty() && !type.equals("audio-spectrogram-transformer")) {
            throw new InvalidInputException(cfg, "model_type is '" + type + "', not audio-spectrogram-transformer");
        }
        List<String> labels = null;
        if (j.path("id2label").isObject() && j.get("id2label").size() > 0) {
            Map<Integer, String> byId = new TreeMap<>();
            var it = j.get("id2label").fields();
            while (it.hasNext()) {
                var e = it.next();
                try {
                    byId.put(Integer.parseInt(e.getKey()), e.getValue().asText());
                } catch (NumberFormatException ex) {
                    throw new InvalidInputException(cfg, "id2label has a key that is not a number: '" + e.getKey() + "'");
                }
            }
            labels = new ArrayList<>(byId.values());
            if (!byId.keySet().equals(new java.util.TreeSet<>(java.util.stream.IntStream.range(0, byId.size()).boxed().toList()))) {
                throw new InvalidInputException(cfg, "id2label's ids are not 0 to " + (byId.size() - 1));
            }
        }
        Double mean = null;
        Double std = null;
        Path pre = folder.resolve("preprocessor_config.json");
        if (Files.isRegularFile(pre)) {
            JsonNode p = json(pre);
            if (p.path("do_normalize").asBoolean(true) && p.path("mean").isNumber() && p.path("std").isNumber()) {
                mean = p.get("mean").asDouble();
                std = p.get("std").asDouble();
            }
        }
        return new HfConfig(integer(j, "num_attention_heads"), integer(j, "frequency_stride"), integer(j, "time_stride"),
                integer(j, "max_length"), integer(j, "num_mel_bins"), mean, std, labels,
                j.path("layer_norm_eps").isNumber() ? j.get("layer_norm_eps").asDouble() : null);
    }

    private static Integer integer(JsonNode j, String key) {
        return j.path(key).canConvertToInt() && j.get(key).isIntegralNumber() ? j.get(key).asInt() : null;
    }

    private static JsonNode json(Path f) {
        try {
            return JSON.readTree(Files.readString(f));
        } catch (JsonProcessingException e) {
            throw new InvalidInputException(f, "not valid JSON: " + Messages.parseError(e), e);
        } catch (IOException e) {
            throw new InvalidInputException(f, "cannot read: " + Messages.io(e, f), e);
        }
    }

    private Npy.Array need(String key) {
        Npy.Array a = tensors.get(key);
        if (a == null) throw new InvalidInputException(file.toString(), "has no tensor " + key + " (in tempora's names) for an AST");
        return a;
    }

    private int dimOf(String key, int axis, int rank) {
        Npy.Array a = need(key);
        if (a.shape().length != rank) {
            throw new InvalidInputException(file.toString(), "tensor " + key + " has shape " + Arrays.toString(a.shape()) + ", not " + rank + " axes");
        }
        return a.shape()[axis];
    }

    /** Transformer width: {@code v.cls_token} is [1, 1, D]. */
    public int dim() {
        return dimOf("v.cls_token", 2, 3);
    }

    /** Number of blocks: the {@code v.blocks.N.} indices, which must run from 0 without a gap. */
    public int depth() {
        int n = 0;
        while (tensors.containsKey("v.blocks." + n + ".attn.qkv.weight")) n++;
        for (String k : tensors.keySet()) {
            if (k.startsWith("v.blocks.")) {
                int i = Integer.parseInt(k.substring("v.blocks.".length(), k.indexOf('.', "v.blocks.".length())));
                if (i >= n) throw new InvalidInputException(file.toString(), "block " + i + " has tensors but block " + n + " has no attention");
            }
        }
        if (n == 0) throw new InvalidInputException(file.toString(), "has no transformer blocks");
        return n;
    }

    /** MLP width: {@code v.blocks.0.mlp.fc1.weight} is [M, D]. */
    public int mlpHidden() {
        return dimOf("v.blocks.0.mlp.fc1.weight", 0, 2);
    }

    /** Output classes: {@code mlp_head.1.weight} is [classes, D]. */
    public int classes() {
        return dimOf("mlp_head.1.weight", 0, 2);
    }

    /** The patch kernel {@code v.patch_embed.proj.weight} [D, C, pf, pt]: {C, pf, pt}. */
    public int[] patchKernel() {
        Npy.Array w = need("v.patch_embed.proj.weight");
        if (w.shape().length != 4) throw new InvalidInputException(file.toString(), "v.patch_embed.proj.weight is not a 2-d convolution kernel");
        return new int[] {w.shape()[1], w.shape()[2], w.shape()[3]};
    }

    /** Patch positions: {@code v.pos_embed} is [1, N + 2, D] (the cls and distillation tokens first). */
    public int patchPositions() {
        int n = dimOf("v.pos_embed", 1, 3) - 2;
        if (n < 1) throw new InvalidInputException(file.toString(), "v.pos_embed has no patch positions");
        return n;
    }
}
