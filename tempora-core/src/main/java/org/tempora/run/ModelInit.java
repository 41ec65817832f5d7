package org.tempora.run;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.tempora.ConfigException;
import org.tempora.InvalidInputException;
import org.tempora.interop.AstCheckpoint;
import org.tempora.io.Npy;
import org.tempora.io.Npz;
import org.tempora.model.Ast;
import org.tempora.model.TemporaModel;
import org.tempora.tokens.PatchGeometry;
import org.tempora.tokens.Resize;

/**
 * {@code train.init}: starts an AST's training from a checkpoint's weights, as AST's recipes fine-tune an AudioSet model
 * on another task. The checkpoint is a PyTorch AST checkpoint in either layout (docs/interop.md), a tempora run folder
 * or a {@code .npz}. Every tensor of the model is copied from it, except:
 * <ul>
 *   <li>{@code v.pos_embed}, when the input length differs: its patch grid (the model's frequency rows, as many time
 *       columns as the checkpoint holds) is cut to the centre columns or bilinearly stretched in time, then in
 *       frequency, as AST adapts a pretrained model to a new length ({@link Resize#astAdaptPosEmbed});</li>
 *   <li>the head {@code mlp_head.*}, when the number of classes differs (or the checkpoint has no head): it keeps its
 *       fresh initialisation, as AST replaces the whole head for a new task.</li>
 * </ul>
 * Any other difference (width, depth, patch kernel, a missing tensor) is an error naming the tensor.
 */
public final class ModelInit {
    private ModelInit() {}

    /** Copies the checkpoint's weights into {@code model}; returns what was adapted or left fresh, in words. */
    public static List<String> apply(TemporaModel model, Path checkpoint) {
        if (!(model.backbone() instanceof Ast ast)) {
            throw new ConfigException("train.init: starting from a checkpoint is supported for ast backbones, not " + model.backbone().getClass().getSimpleName());
        }
        if (model.resolution() != null) throw new ConfigException("train.init: a model with a resolution stage cannot start from a checkpoint yet");
        Map<String, Npy.Array> src = read(checkpoint);
        String source = checkpoint.toString();
        List<String> notes = new ArrayList<>();
        Map<String, NDArray> target = model.stateDict();
        boolean freshHead = false;
        Npy.Array srcHead = src.get("mlp_head.1.weight");
        int classes = ast.config().numClasses();
        if (srcHead == null) {
            freshHead = true;
            notes.add("the head mlp_head is new (the checkpoint has none)");
        } else if (srcHead.shape()[0] != classes) {
            freshHead = true;
            notes.add("the head mlp_head is new (" + srcHead.shape()[0] + " classes in the checkpoint, " + classes + " here)");
        }
        List<String> unexpected = new ArrayList<>();
        for (String k : src.keySet()) {
            if (!target.containsKey(k)) unexpected.add(k);
        }
        if (!unexpected.isEmpty()) {
            throw new InvalidInputException(source, "tensors the model does not have: " + String.join(", ", unexpected.subList(0, Math.min(5, unexpected.size())))
                    + (unexpected.size() > 5 ? ", …" : ""));
        }
        int copied = 0;
        for (Map.Entry<String, NDArray> e : target.entrySet()) {
            String k = e.getKey();
            if (freshHead && k.startsWith("mlp_head.")) continue;
            Npy.Array a = src.get(k);
            if (a == null) throw new InvalidInputException(source, "has no tensor " + k);
            long[] want = e.getValue().getShape().getShape();
            long[] got = Arrays.stream(a.shape()).asLongStream().toArray();
            float[] values = a.f32();
            if (!Arrays.equals(want, got)) {
                if (!k.equals("v.pos_embed")) {
                    throw new InvalidInputException(source, "tensor " + k + " has shape " + new Shape(got) + " but the model expects " + new Shape(want));
                }
                values = adaptPosEmbed(source, a, ast.config().patches(), (int) want[2]);
                notes.add("v.pos_embed adapted from " + (a.shape()[1] - 2) / ast.config().patches().fDim() + " to " + ast.config().patches().tDim()
                        + " patch columns");
            }
            e.getValue().set(values);
            copied++;
        }
        notes.add(0, copied + " of " + target.size() + " tensors from " + checkpoint);
        return notes;
    }

    private static float[] adaptPosEmbed(String source, Npy.Array a, PatchGeometry g, int dim) {
        if (a.shape().length != 3 || a.shape()[2] != dim) {
            throw new InvalidInputException(source, "tensor v.pos_embed has shape " + Arrays.toString(a.shape()) + " but the model is " + dim + " wide");
        }
        int n = a.shape()[1] - 2;
        if (n < 1 || n % g.fDim() != 0) {
            throw new InvalidInputException(source, "v.pos_embed's " + n + " patch positions do not form a grid with the model's " + g.fDim()
                    + " frequency rows (set features.mel_bins and tokens.stride as the checkpoint's model had them)");
        }
        return Resize.astAdaptPosEmbed(a.f32(), 2, dim, g.fDim(), n / g.fDim(), g.fDim(), g.tDim());
    }

    /** The checkpoint's tensors under tempora's names. */
    static Map<String, Npy.Array> read(Path p) {
        if (Files.isDirectory(p) && Files.isRegularFile(p.resolve("model.npz"))) return Npz.read(p.resolve("model.npz"));
        if (Files.isRegularFile(p) && p.getFileName().toString().endsWith(".npz")) return Npz.read(p);
        if (!Files.exists(p)) throw new InvalidInputException(p, "no such file (train.init)");
        return AstCheckpoint.read(p, null).tensors();
    }
}
