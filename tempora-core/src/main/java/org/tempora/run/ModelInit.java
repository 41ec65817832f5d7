package org.tempora.run;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.tempora.ConfigException;
import org.tempora.InvalidInputException;
import org.tempora.interop.AstCheckpoint;
import org.tempora.interop.AumCheckpoint;
import org.tempora.io.Npy;
import org.tempora.io.Npz;
import org.tempora.model.Ast;
import org.tempora.model.TemporaModel;
import org.tempora.model.TokenBackbone;
import org.tempora.model.mamba.AudioMamba;
import org.tempora.nn.Parameter;
import org.tempora.nn.StateDict;
import org.tempora.resolution.DiffRes;
import org.tempora.resolution.ResolutionStage;
import org.tempora.tokens.PatchGeometry;
import org.tempora.tokens.Resize;

/**
 * {@code train.init}: starts a model's training from a checkpoint's weights, as AST's and AuM's recipes fine-tune a
 * pretrained model on another task (docs/interop.md, "train --init"). The checkpoint is a PyTorch AST checkpoint in
 * either layout or an Audio Mamba (kaistmm) checkpoint, matching the model's backbone, a tempora run folder or a
 * {@code .npz}. Every tensor of the backbone is copied from it, except these, which are adapted:
 * <ul>
 *   <li>the positional embedding, when the token grid differs: the checkpoint's grid (its own patches over this
 *       input) is first fitted to the input length as AST does (centre time columns cut, or stretched bilinearly:
 *       {@link Resize#astAdaptPosEmbed}), then, if the model tokenises differently at full resolution (FFTP, other
 *       strides), resampled bilinearly to that grid (anti-aliased where an axis shrinks), then, if the backbone sees
 *       a compressed input (a resolution stage such as DiffRes, or a coarse-to-fine phase), resampled to that grid with
 *       plain bilinear interpolation, as coarse-to-fine carries positions between phases;</li>
 *   <li>the patch kernel, when the patch shape differs (FFTP, a coarse-to-fine patch phase): resized by PI-resize
 *       (FlexiViT) or bilinearly ({@link Target#kernel}); and when the input channels differ: a one-channel kernel is
 *       shared equally among a resolution stage's log-mel channels (DiffRes avg, logavg, max) with zeros for its
 *       resolution-encoding channel, so the model starts computing the checkpoint's tokens; a three-channel (RGB)
 *       kernel is summed to one channel, as AST adapts DeiT;</li>
 *   <li>the head ({@code mlp_head.*}, AuM's {@code head.*}), when the number of classes differs or the checkpoint has
 *       none: it keeps its fresh initialisation, as AST replaces the whole head for a new task;</li>
 *   <li>a resolution stage's tensors ({@code resolution.*}) keep their fresh initialisation unless the checkpoint has
 *       them (a tempora run with the same stage).</li>
 * </ul>
 * Any other difference (width, depth, a missing tensor) is an error naming the tensor.
 */
public final class ModelInit {
    private ModelInit() {}

    /**
     * What the model is being initialised for.
     *
     * @param full   the model's token grid at full resolution over its input (one channel): the backbone's own grid
     *               for a plain model, the grid before the resolution stage for DiffRes and the like, the final
     *               phase's grid for coarse-to-fine
     * @param kernel how a patch kernel of another shape is resized
     */
    public record Target(PatchGeometry full, Resize.KernelMethod kernel) {
        /** A single-phase model: its backbone's grid over its input frames (a DiffRes stage's input), PI-resize. */
        public static Target of(TemporaModel model) {
            PatchGeometry g = backbone(model).geometry().withChannels(1);
            ResolutionStage r = model.resolution();
            if (r instanceof DiffRes d) g = g.withFrames(d.inputFrames());
            else if (r != null) throw new ConfigException("train.init: give the input frames of a " + r.getClass().getSimpleName() + " model (ModelInit.Target)");
            return new Target(g, Resize.KernelMethod.PI);
        }
    }

    /** {@link #apply(TemporaModel, Path, Target)} for a single-phase model. */
    public static List<String> apply(TemporaModel model, Path checkpoint) {
        return apply(model, checkpoint, Target.of(model));
    }

    /** Copies the checkpoint's weights into {@code model}; returns what was copied, adapted or left fresh, in words. */
    public static List<String> apply(TemporaModel model, Path checkpoint, Target target) {
        TokenBackbone bb = backbone(model);
        Source read = read(checkpoint, bb);
        Map<String, Npy.Array> src = read.tensors();
        boolean imagenet = read.imagenet();
        String source = checkpoint.toString();
        List<String> notes = new ArrayList<>();
        Map<String, NDArray> targetSd = model.stateDict();
        Map<String, Parameter> params = model.namedParameters();
        String posKey = keyOf(params, bb.posEmbed());
        String kernelKey = keyOf(params, bb.patchEmbed().weight());
        String head = bb instanceof Ast ? "mlp_head." : "head.";
        String headWeight = bb instanceof Ast ? "mlp_head.1.weight" : "head.weight";

        boolean freshHead = false;
        Npy.Array srcHead = src.get(headWeight);
        int classes = (int) targetSd.get(headWeight).getShape().get(0);
        String headName = bb instanceof Ast ? "the head mlp_head" : "the head";
        if (srcHead == null) {
            freshHead = true;
            notes.add(headName + " is new (the checkpoint has none)");
        } else if (srcHead.shape()[0] != classes) {
            freshHead = true;
            notes.add(headName + " is new (" + srcHead.shape()[0] + " classes in the checkpoint, " + classes + " here)");
        }
        List<String> unexpected = new ArrayList<>();
        for (String k : src.keySet()) {
            if (!targetSd.containsKey(k)) unexpected.add(k);
        }
        if (!unexpected.isEmpty()) {
            throw new InvalidInputException(source, "tensors the model does not have: " + String.join(", ", unexpected.subList(0, Math.min(5, unexpected.size())))
                    + (unexpected.size() > 5 ? ", …" : ""));
        }
        int copied = 0;
        int freshResolution = 0;
        for (Map.Entry<String, NDArray> e : targetSd.entrySet()) {
            String k = e.getKey();
            if (freshHead && k.startsWith(head)) continue;
            Npy.Array a = src.get(k);
            if (a == null && k.startsWith("resolution.")) {
                freshResolution++;
                continue;
            }
            if (a == null) throw new InvalidInputException(source, "has no tensor " + k);
            long[] want = e.getValue().getShape().getShape();
            long[] got = Arrays.stream(a.shape()).asLongStream().toArray();
            if (k.equals("resolution." + DiffRes.POS_EMB_KEY) && !model.parameters().containsKey(k) && !Arrays.equals(want, got)) {
                // DiffRes's fixed sinusoidal table is a function of the frames: a checkpoint from another input length
                // (or a coarse-to-fine phase) keeps the table this model built
                notes.add(k + " (a fixed table) rebuilt for " + want[1] + " frames instead of the checkpoint's " + got[1]);
                continue;
            }
            if (e.getValue().getDataType() == DataType.INT64) {
                // a counter (batch norm's num_batches_tracked in a DiffRes estimator): copied as integers
                if (a.size() != e.getValue().size()) {
                    throw new InvalidInputException(source, "tensor " + k + " has shape " + new Shape(got) + " but the model expects " + new Shape(want));
                }
                StateDict.set(e.getValue(), a);
                copied++;
                continue;
            }
            float[] values = a.f32();
            // an ImageNet DeiT's positions (a square image grid) and RGB kernel are always adapted, even where a shape agrees
            if (!Arrays.equals(want, got) || (imagenet && (k.equals(posKey) || k.equals(kernelKey)))) {
                if (k.equals(posKey)) {
                    values = adaptPosEmbed(source, k, a, src.get(kernelKey), bb, target, imagenet, notes);
                } else if (k.equals(kernelKey)) {
                    values = adaptKernel(source, k, a, bb, model.resolution(), target, imagenet, notes);
                } else {
                    throw new InvalidInputException(source, "tensor " + k + " has shape " + new Shape(got) + " but the model expects " + new Shape(want));
                }
            }
            e.getValue().set(values);
            copied++;
        }
        if (freshResolution > 0) {
            notes.add("the resolution stage (" + model.resolution().describe() + ", " + freshResolution + " tensors) is new");
        }
        notes.add(0, copied + " of " + targetSd.size() + " tensors from " + checkpoint);
        return notes;
    }

    static TokenBackbone backbone(TemporaModel model) {
        if (model.backbone() instanceof TokenBackbone t && (t instanceof Ast || t instanceof AudioMamba)) return t;
        throw new ConfigException("train.init: starting from a checkpoint is supported for ast and aum backbones, not "
                + model.backbone().getClass().getSimpleName());
    }

    private static String keyOf(Map<String, Parameter> params, Parameter p) {
        for (Map.Entry<String, Parameter> e : params.entrySet()) if (e.getValue() == p) return e.getKey();
        throw new IllegalStateException("parameter not registered");
    }

    /** The frequency and time strides the published checkpoints of a backbone use: AST 10 × 10, AuM 16 × 16. */
    static int publishedStride(TokenBackbone bb) {
        return bb instanceof Ast ? 10 : 16;
    }

    private static float[] adaptPosEmbed(String source, String key, Npy.Array a, Npy.Array kernel, TokenBackbone bb, Target target, boolean imagenet,
                                         List<String> notes) {
        int dim = bb.width();
        int prefix = bb.prefixTokens();
        PatchGeometry full = target.full();
        PatchGeometry g = bb.geometry();
        if (a.shape().length != 3 || a.shape()[2] != dim) {
            throw new InvalidInputException(source, "tensor " + key + " has shape " + Arrays.toString(a.shape()) + " but the model is " + dim + " wide");
        }
        int n = a.shape()[1] - prefix;
        // the checkpoint's own patches over this input: the model's when the kernel is the same, else the published strides
        int[] k = kernel == null || kernel.shape().length != 4 ? null : new int[] {kernel.shape()[2], kernel.shape()[3]};
        boolean sameKernel = k == null || (k[0] == full.patchF() && k[1] == full.patchT());
        PatchGeometry own;
        if (sameKernel) {
            own = full;
        } else {
            int s = publishedStride(bb);
            if (k[0] > full.freqBins() || k[1] > full.frames()) {
                throw new InvalidInputException(source, "its " + k[0] + "x" + k[1] + " patches do not fit the model's " + full.freqBins() + " mel bins x " + full.frames() + " frames");
            }
            own = new PatchGeometry(1, full.freqBins(), full.frames(), k[0], k[1], s, s);
        }
        if (imagenet) return adaptImageNetPosEmbed(source, key, a, n, own, bb, target, notes);
        if (n < 1 || n % own.fDim() != 0) {
            throw new InvalidInputException(source, key + "'s " + n + " patch positions do not form a grid with " + own.fDim()
                    + " frequency rows (" + (sameKernel ? "the model's" : own.patchF() + "-high patches with stride " + own.strideF())
                    + "; set features.mel_bins and tokens.stride as the checkpoint's model had them)");
        }
        int cols = n / own.fDim();
        float[] pe = Resize.astAdaptPosEmbed(a.f32(), prefix, dim, own.fDim(), cols, own.fDim(), own.tDim());
        List<String> steps = new ArrayList<>();
        if (cols != own.tDim()) steps.add((cols > own.tDim() ? "cut" : "stretched") + " from " + cols + " to " + own.tDim() + " patch columns");
        if (own.fDim() != full.fDim() || own.tDim() != full.tDim()) {
            pe = Resize.resamplePosEmbed(pe, prefix, dim, own.fDim(), own.tDim(), full.fDim(), full.tDim(), true);
            steps.add("resampled from the " + grid(own) + " grid of " + own.patchF() + "x" + own.patchT() + " patches to the " + grid(full) + " grid of "
                    + full.patchF() + "x" + full.patchT() + " patches");
        }
        if (full.fDim() != g.fDim() || full.tDim() != g.tDim()) {
            pe = Resize.resamplePosEmbed(pe, prefix, dim, full.fDim(), full.tDim(), g.fDim(), g.tDim(), false);
            steps.add("resampled from the full-resolution " + grid(full) + " grid to the " + grid(g) + " grid the backbone sees");
        }
        if (steps.size() == 1 && cols != own.tDim()) {
            notes.add(key + " adapted from " + cols + " to " + own.tDim() + " patch columns"); // AST's own case: only the length differs
        } else {
            notes.add(key + " " + String.join(", then ", steps));
        }
        return pe;
    }

    /**
     * An ImageNet DeiT's positions: its {@code side × side} image grid fitted to the checkpoint's patches over this
     * input ({@code own}) as AST's constructor does (time columns, then frequency rows: centre cut, or bilinear
     * stretch; the two token rows kept), then resampled to the model's grids as for any checkpoint.
     */
    private static float[] adaptImageNetPosEmbed(String source, String key, Npy.Array a, int n, PatchGeometry own, TokenBackbone bb, Target target,
                                                 List<String> notes) {
        int dim = bb.width();
        int prefix = bb.prefixTokens();
        int side = (int) Math.round(Math.sqrt(Math.max(n, 0)));
        if (n < 1 || side * side != n) {
            throw new InvalidInputException(source, key + "'s " + n + " patch positions are not the square grid of an ImageNet model");
        }
        float[] pe = Resize.astAdaptPosEmbed(a.f32(), prefix, dim, side, side, own.fDim(), own.tDim());
        List<String> steps = new ArrayList<>();
        steps.add("adapted from the " + side + "x" + side + " ImageNet grid to " + grid(own) + " as AST does (time "
                + (own.tDim() <= side ? "columns cut" : "stretched") + ", frequency " + (own.fDim() <= side ? "rows cut" : "stretched") + ")");
        PatchGeometry full = target.full();
        PatchGeometry g = bb.geometry();
        if (own.fDim() != full.fDim() || own.tDim() != full.tDim()) {
            pe = Resize.resamplePosEmbed(pe, prefix, dim, own.fDim(), own.tDim(), full.fDim(), full.tDim(), true);
            steps.add("resampled to the " + grid(full) + " grid of " + full.patchF() + "x" + full.patchT() + " patches");
        }
        if (full.fDim() != g.fDim() || full.tDim() != g.tDim()) {
            pe = Resize.resamplePosEmbed(pe, prefix, dim, full.fDim(), full.tDim(), g.fDim(), g.tDim(), false);
            steps.add("resampled from the full-resolution " + grid(full) + " grid to the " + grid(g) + " grid the backbone sees");
        }
        notes.add(key + " " + String.join(", then ", steps));
        return pe;
    }

    private static String grid(PatchGeometry g) {
        return g.fDim() + "x" + g.tDim();
    }

    private static float[] adaptKernel(String source, String key, Npy.Array a, TokenBackbone bb, ResolutionStage res, Target target, boolean imagenet,
                                       List<String> notes) {
        PatchGeometry g = bb.geometry();
        int d = bb.width();
        int[] s = a.shape();
        if (s.length != 4 || s[0] != d) {
            throw new InvalidInputException(source, "tensor " + key + " has shape " + Arrays.toString(s) + " but the model expects "
                    + new Shape(d, g.inChannels(), g.patchF(), g.patchT()));
        }
        int in = s[1];
        float[] w = a.f32();
        List<String> steps = new ArrayList<>();
        if (imagenet) {
            // AST's first step with ImageNet weights: the RGB kernel summed to one (spectrogram) channel, bias kept
            if (in != 3) throw new InvalidInputException(source, "tensor " + key + " has " + in + " input channels; an ImageNet DeiT has 3 (RGB)");
            w = Resize.sumInputChannels(w, d, 3, s[2], s[3]);
            in = 1;
            steps.add("summed over its 3 (RGB) input channels");
        }
        if (s[2] != g.patchF() || s[3] != g.patchT()) {
            w = Resize.resizeKernel(w, d, in, s[2], s[3], g.patchF(), g.patchT(), target.kernel());
            steps.add((target.kernel() == Resize.KernelMethod.PI ? "PI-resized" : "bilinearly resized") + " from " + s[2] + "x" + s[3] + " to "
                    + g.patchF() + "x" + g.patchT());
        }
        int c = g.inChannels();
        if (in != c) {
            int k = g.patchF() * g.patchT();
            if (in == 1 && res != null) {
                boolean[] logMel = res.logMelChannels();
                int m = 0;
                for (boolean b : logMel) if (b) m++;
                if (m == 0) throw new InvalidInputException(source, "tensor " + key + " is a one-channel kernel, but the model's " + c + " input channels hold no log-mel");
                float[] out = new float[d * c * k];
                for (int o = 0; o < d; o++) {
                    for (int ch = 0; ch < c; ch++) {
                        if (!logMel[ch]) continue;
                        for (int p = 0; p < k; p++) out[(o * c + ch) * k + p] = w[o * k + p] / m;
                    }
                }
                w = out;
                steps.add("shared among the " + m + " log-mel channels of " + c + String.format(Locale.ROOT, " (each 1/%d of it)", m)
                        + (m < c ? ", zero for the resolution encoding" : ""));
            } else if (in == 3 && c == 1) {
                w = Resize.sumInputChannels(w, d, 3, g.patchF(), g.patchT());
                steps.add("summed over its 3 input channels");
            } else {
                throw new InvalidInputException(source, "tensor " + key + " has " + in + " input channels but the model has " + c);
            }
        }
        notes.add(key + " " + String.join(", then ", steps));
        return w;
    }

    /**
     * A checkpoint's tensors under tempora's names.
     *
     * @param imagenet an ImageNet DeiT (timm layout): RGB kernel, square positional grid, no head
     */
    record Source(Map<String, Npy.Array> tensors, boolean imagenet) {}

    /** The checkpoint's tensors under tempora's names (AST layouts or AuM's, by the model's backbone). */
    static Source read(Path p, TokenBackbone bb) {
        if (Files.isDirectory(p) && Files.isRegularFile(p.resolve("model.npz"))) return new Source(Npz.read(p.resolve("model.npz")), false);
        if (Files.isRegularFile(p) && p.getFileName().toString().endsWith(".npz")) return new Source(Npz.read(p), false);
        if (!Files.exists(p)) throw new InvalidInputException(p, "no such file (train.init)");
        if (bb instanceof AudioMamba) return new Source(AumCheckpoint.read(p).tensors(), false);
        AstCheckpoint c = AstCheckpoint.read(p, null);
        return new Source(c.tensors(), c.imagenet());
    }
}
