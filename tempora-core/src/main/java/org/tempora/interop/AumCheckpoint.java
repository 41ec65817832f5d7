package org.tempora.interop;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.tempora.ConfigException;
import org.tempora.InvalidInputException;
import org.tempora.io.Checkpoints;
import org.tempora.io.Npy;
import org.tempora.model.mamba.Bimamba;
import org.tempora.tokens.PatchGeometry;

/**
 * An Audio Mamba checkpoint of kaistmm/Audio-Mamba-AuM ({@code AudioMamba}, saved inside DataParallel: {@code module.}
 * is removed by the reader). tempora's {@code AudioMamba} already uses AuM's names, so the map is the identity:
 * {@code cls_token}, {@code head.*}, {@code layers.N.mixer.{A_log, D, A_b_log, D_b, in_proj, conv1d, x_proj, dt_proj,
 * conv1d_b, x_proj_b, dt_proj_b, out_proj}.*}, {@code layers.N.norm.weight}, {@code norm_f.weight},
 * {@code patch_embed.proj.*} and {@code pos_embed.pos_embed} (an ImageNet Vim checkpoint's plain {@code pos_embed} is
 * taken as it). Other keys (rotary embeddings, double class tokens) are refused by name.
 *
 * <p>The tensors show the width, depth, mixer variant ({@code A_b_log} and {@code D_b}: v2; {@code A_b_log} alone: v1;
 * neither: none), classes, patch kernel and positions; strides default to AuM's 16 × 16, mel bins to 128, and the input
 * length to the one whose grid matches the positions (as for AST).
 */
public record AumCheckpoint(Map<String, Npy.Array> tensors, Path file, Checkpoints.Format format) {
    private static final Pattern KEY = Pattern.compile("cls_token|head\\.(weight|bias)|norm_f\\.weight|patch_embed\\.proj\\.(weight|bias)"
            + "|pos_embed\\.pos_embed|layers\\.\\d+\\.norm\\.weight|layers\\.\\d+\\.mixer\\.(A_log|D|A_b_log|D_b|in_proj\\.weight"
            + "|conv1d(_b)?\\.(weight|bias)|x_proj(_b)?\\.weight|dt_proj(_b)?\\.(weight|bias)|out_proj\\.weight)");

    /** What {@link #resolve} found: the config values and how the ones the weights do not show were chosen. */
    public record Shape(int dim, int depth, Bimamba variant, int classes, PatchGeometry grid, List<String> notes) {}

    public static AumCheckpoint read(Path path) {
        if (Files.isDirectory(path)) throw new InvalidInputException(path, "is a folder; give the Audio Mamba checkpoint file");
        Checkpoints.Checkpoint c = Checkpoints.read(path);
        Map<String, Npy.Array> out = new LinkedHashMap<>();
        List<String> unknown = new ArrayList<>();
        for (Map.Entry<String, Npy.Array> e : c.tensors().entrySet()) {
            String k = e.getKey().equals("pos_embed") ? "pos_embed.pos_embed" : e.getKey();
            if (KEY.matcher(k).matches()) out.put(k, e.getValue());
            else unknown.add(e.getKey());
        }
        if (!unknown.isEmpty()) {
            if (!out.containsKey("cls_token") && !out.containsKey("pos_embed.pos_embed")) {
                throw new InvalidInputException(path, "not an Audio Mamba checkpoint (keys " + c.tensors().keySet().stream().limit(4).toList() + " …)");
            }
            throw new InvalidInputException(path, "tensors tempora's Audio Mamba does not have: " + String.join(", ", unknown.subList(0, Math.min(5, unknown.size())))
                    + (unknown.size() > 5 ? ", …" : "") + " (rotary embeddings and double class tokens are not supported)");
        }
        return new AumCheckpoint(out, path, c.format());
    }

    private int[] shape(String key) {
        Npy.Array a = tensors.get(key);
        if (a == null) throw new InvalidInputException(file.toString(), "has no tensor " + key + " for an Audio Mamba");
        return a.shape();
    }

    /**
     * The model's shape. {@code fstride}, {@code tstride}, {@code melBins}, {@code frames}: given values, or null.
     */
    public Shape resolve(Integer fstride, Integer tstride, Integer melBins, Integer frames) {
        List<String> notes = new ArrayList<>();
        String src = file.toString();
        int[] cls = shape("cls_token");
        if (cls.length != 3) throw new InvalidInputException(src, "cls_token has shape " + Arrays.toString(cls));
        int dim = cls[2];
        int depth = 0;
        while (tensors.containsKey("layers." + depth + ".mixer.in_proj.weight")) depth++;
        for (String k : tensors.keySet()) {
            if (k.startsWith("layers.") && Integer.parseInt(k.split("\\.")[1]) >= depth) {
                throw new InvalidInputException(src, "layer " + k.split("\\.")[1] + " has tensors but layer " + depth + " has no in_proj");
            }
        }
        if (depth == 0) throw new InvalidInputException(src, "has no Mamba layers");
        boolean backward = tensors.containsKey("layers.0.mixer.A_b_log");
        boolean own = tensors.containsKey("layers.0.mixer.D_b");
        Bimamba variant = own ? Bimamba.V2 : backward ? Bimamba.V1 : Bimamba.NONE;
        int classes = shape("head.weight")[0];
        int[] k = shape("patch_embed.proj.weight");
        if (k.length != 4 || k[1] != 1) throw new InvalidInputException(src, "patch_embed.proj.weight is not a one-channel 2-d kernel");
        int n = shape("pos_embed.pos_embed")[1] - 1;
        int fs = fstride != null ? fstride : 16;
        int ts = tstride != null ? tstride : 16;
        int bins = melBins != null ? melBins : 128;
        if (k[2] > bins) throw new ConfigException("the checkpoint's patches are " + k[2] + " bins high, more than features.mel_bins " + bins);
        int fDim = (bins - k[2]) / fs + 1;
        if (n < 1 || n % fDim != 0) {
            throw new InvalidInputException(src, "pos_embed.pos_embed holds " + n + " patch positions, which no input gives with " + bins
                    + " mel bins and frequency stride " + fs + "; set tokens.stride and features.mel_bins to the model's");
        }
        int tDim = n / fDim;
        int lo = (tDim - 1) * ts + k[3];
        int t;
        if (frames != null) {
            t = frames;
            if (t < k[3] || (t - k[3]) / ts + 1 != tDim) {
                throw new ConfigException("features.target_frames " + t + " does not give the checkpoint's " + tDim + " patch columns ("
                        + lo + " to " + (lo + ts - 1) + " frames do)");
            }
        } else {
            t = lo;
            for (int c = lo; c < lo + ts; c++) if (Integer.bitCount(c) == 1) t = c;
            notes.add("target_frames " + t + " (" + tDim + " patch columns with time stride " + ts + "; " + lo + " to " + (lo + ts - 1)
                    + " frames fit; set features.target_frames to choose)");
        }
        if (fstride == null && tstride == null) notes.add("strides 16x16 (AuM's; set tokens.stride if the model used others)");
        return new Shape(dim, depth, variant, classes, new PatchGeometry(1, bins, t, k[2], k[3], fs, ts), notes);
    }
}
