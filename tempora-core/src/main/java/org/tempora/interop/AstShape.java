package org.tempora.interop;

import java.util.ArrayList;
import java.util.List;
import org.tempora.ConfigException;
import org.tempora.InvalidInputException;
import org.tempora.model.AstConfig;
import org.tempora.tokens.PatchGeometry;

/**
 * The AST a checkpoint holds, resolved to a tempora {@link AstConfig}. The tensors fix width, depth, MLP width,
 * classes, the patch kernel and the number of patch positions. The rest is taken, in this order, from what the caller
 * gives (the CLI's {@code --set}), from a Hugging Face {@code config.json}, or from AST's defaults:
 * <ul>
 *   <li>heads: {@code dim / 64} (DeiT's head width: tiny 192/3, small 384/6, base 768/12); a width that is not a
 *       multiple of 64 needs them given;</li>
 *   <li>strides: 10 × 10; mel bins: 128;</li>
 *   <li>input frames: the frame count whose patch grid gives the checkpoint's positions; among the counts that do
 *       (with stride s, s of them), a power of two if there is one (AST's 128, 512 and 1024), else the smallest.</li>
 * </ul>
 *
 * @param notes what was not given and how it was chosen (for the user to check)
 */
public record AstShape(AstConfig config, List<String> notes) {

    /** Values the caller fixes; null = not given. */
    public record Given(Integer heads, Integer fstride, Integer tstride, Integer melBins, Integer frames) {
        public static final Given NONE = new Given(null, null, null, null, null);
    }

    public static AstShape resolve(AstCheckpoint c, Given g) {
        List<String> notes = new ArrayList<>();
        AstCheckpoint.HfConfig hf = c.hf();
        String src = c.file().toString();
        int dim = c.dim();
        int depth = c.depth();
        int mlp = c.mlpHidden();
        int classes = c.classes();
        int[] kernel = c.patchKernel();
        if (kernel[0] != 1) throw new InvalidInputException(src, "the patch embedding takes " + kernel[0] + " input channels; AST takes 1");
        int heads;
        if (g.heads() != null) {
            heads = g.heads();
        } else if (hf != null && hf.heads() != null) {
            heads = hf.heads();
        } else if (dim % 64 == 0) {
            heads = dim / 64;
            notes.add("heads " + heads + " (width " + dim + " / 64, as DeiT; set backbone.heads if the model used others)");
        } else {
            throw new ConfigException("cannot tell the attention heads of a " + dim + "-wide AST from its weights: give --set backbone.heads=N");
        }
        if (dim % heads != 0) throw new ConfigException("backbone.heads " + heads + " does not divide the checkpoint's width " + dim);
        int fs = pick(g.fstride(), hf == null ? null : hf.fstride(), 10);
        int ts = pick(g.tstride(), hf == null ? null : hf.tstride(), 10);
        int bins = pick(g.melBins(), hf == null ? null : hf.melBins(), 128);
        if (kernel[1] > bins) throw new ConfigException("the checkpoint's patches are " + kernel[1] + " bins high, more than features.mel_bins " + bins);
        int fDim = (bins - kernel[1]) / fs + 1;
        int n = c.patchPositions();
        if (n % fDim != 0) {
            throw new InvalidInputException(src, "v.pos_embed holds " + n + " patch positions, which no input gives with " + bins
                    + " mel bins, " + kernel[1] + "x" + kernel[2] + " patches and frequency stride " + fs + " (" + fDim
                    + " rows); set tokens.stride and features.mel_bins to the model's");
        }
        int tDim = n / fDim;
        int lo = (tDim - 1) * ts + kernel[2];
        Integer given = g.frames() != null ? g.frames() : hf == null ? null : hf.frames();
        int frames;
        if (given != null) {
            frames = given;
            if (frames < kernel[2] || (frames - kernel[2]) / ts + 1 != tDim) {
                throw new ConfigException("features.target_frames " + frames + " gives " + (frames < kernel[2] ? 0 : (frames - kernel[2]) / ts + 1)
                        + " patch columns, but the checkpoint's positional embedding has " + tDim + " (" + lo + " to " + (lo + ts - 1) + " frames fit)");
            }
        } else {
            frames = lo;
            for (int t = lo; t < lo + ts; t++) {
                if (Integer.bitCount(t) == 1) frames = t;
            }
            notes.add("target_frames " + frames + " (" + tDim + " patch columns with time stride " + ts + "; " + lo + " to " + (lo + ts - 1)
                    + " frames fit; set features.target_frames to choose)");
        }
        PatchGeometry grid = new PatchGeometry(1, bins, frames, kernel[1], kernel[2], fs, ts);
        return new AstShape(new AstConfig(dim, depth, heads, mlp, grid, classes), notes);
    }

    private static int pick(Integer given, Integer hf, int fallback) {
        return given != null ? given : hf != null ? hf : fallback;
    }
}
