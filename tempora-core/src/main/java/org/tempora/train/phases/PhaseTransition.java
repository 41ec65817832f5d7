package org.tempora.train.phases;

import ai.djl.ndarray.NDArray;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.tempora.ConfigException;
import org.tempora.model.Ast;
import org.tempora.model.AstConfig;
import org.tempora.model.TemporaModel;
import org.tempora.model.TokenBackbone;
import org.tempora.nn.Module;
import org.tempora.nn.Parameter;
import org.tempora.resolution.DiffRes;
import org.tempora.tokens.PatchGeometry;
import org.tempora.tokens.Resize;

/**
 * Carries a model from one phase to the next (paper §2.2): every weight is copied; the positional embeddings are
 * resized to the new token grid by bilinear interpolation with the prefix tokens (cls, dist) kept; the
 * patch-embedding kernel is resized by PI or BL when the patch shape changes (patch method); the bias is copied.
 *
 * <p>Positional embeddings: the paper says "bilinear interpolation". We default to PyTorch's plain
 * {@code F.interpolate(mode='bilinear')} as AST uses it ({@link PosEmbedMode#BILINEAR}); the anti-aliased variant of
 * timm/FlexiAST is available. Coarse-to-fine only enlarges the time axis, where the two are identical.
 *
 * <p>The target model is a freshly built model of the next phase ({@link PhaseInput#buildModel}); its values are
 * overwritten in place, so parameter identities (and any optimiser keyed by name) stay valid.
 */
public final class PhaseTransition {
    private PhaseTransition() {}

    /** How the positional-embedding grid is resized. */
    public enum PosEmbedMode {
        /** Plain bilinear, align_corners False, no anti-aliasing (AST's F.interpolate). */
        BILINEAR,
        /** Bilinear with anti-aliasing when an axis shrinks (timm/FlexiAST resample_abs_pos_embed). */
        BILINEAR_ANTIALIAS
    }

    /** Transition options. */
    public record Options(Resize.KernelMethod kernel, PosEmbedMode posEmbed) {
        public static Options defaults() {
            return new Options(Resize.KernelMethod.PI, PosEmbedMode.BILINEAR);
        }

        /** The options for leaving {@code from}: its patch-kernel resize method, plain bilinear pos-embeds. */
        public static Options leaving(PhaseSchedule.Phase from) {
            return new Options(from.kernelResize(), PosEmbedMode.BILINEAR);
        }
    }

    /**
     * What a transition did.
     *
     * @param tokensBefore sequence length (patches + prefix) of the source model
     * @param tokensAfter  sequence length of the target model
     * @param copied       keys copied unchanged
     * @param resized      keys resized, with their old and new shapes
     */
    public record Report(int tokensBefore, int tokensAfter, List<String> copied, Map<String, String> resized) {}

    /** Adapts the backbones (AST or Audio Mamba) and copies the resolution-stage tensors of two phase models. */
    public static Report adapt(TemporaModel from, TemporaModel to, Options options) {
        if (!(from.backbone() instanceof TokenBackbone a) || !(to.backbone() instanceof TokenBackbone b)) {
            throw new ConfigException("coarse-to-fine transitions need a patch-token backbone (ast, aum)");
        }
        Report r = adapt(a, b, options);
        Module fr = from.resolution();
        Module tr = to.resolution();
        if (tr != null) {
            Map<String, Parameter> src = fr == null ? Map.of() : fr.namedParameters();
            List<String> copied = new ArrayList<>(r.copied());
            Map<String, String> resized = new LinkedHashMap<>(r.resized());
            for (Map.Entry<String, Parameter> e : tr.namedParameters().entrySet()) {
                Parameter s = src.get(e.getKey());
                if (s == null) throw new ConfigException("the next phase's resolution stage has resolution." + e.getKey() + ", which the previous phase lacks");
                copy("resolution." + e.getKey(), s.array(), e.getValue());
                copied.add("resolution." + e.getKey());
            }
            // buffers: the estimator's batch-norm running statistics go on; DiffRes's fixed table is sized by the frames
            // and stays as this phase built it
            copyBuffers("resolution.", fr == null ? Map.of() : fr.namedBuffers(), tr.namedBuffers(), DiffRes.POS_EMB_KEY, copied, resized);
            r = new Report(r.tokensBefore(), r.tokensAfter(), List.copyOf(copied), resized);
        }
        return r;
    }

    /**
     * Fills {@code to} from {@code from} (two ASTs or two Audio Mambas): every tensor must have the same key and shape
     * except the positional embedding (resized to the new token grid, prefix tokens kept) and the patch kernel
     * (resized by PI or BL when the patch shape changes).
     */
    public static Report adapt(TokenBackbone fromBackbone, TokenBackbone toBackbone, Options options) {
        if (fromBackbone.getClass() != toBackbone.getClass() || fromBackbone.width() != toBackbone.width()
                || fromBackbone.prefixTokens() != toBackbone.prefixTokens()) {
            throw new ConfigException("phase models differ beyond the token grid: " + fromBackbone.getClass().getSimpleName()
                    + " width " + fromBackbone.width() + " vs " + toBackbone.getClass().getSimpleName() + " width " + toBackbone.width());
        }
        Module from = (Module) fromBackbone;
        Module to = (Module) toBackbone;
        PatchGeometry ga = fromBackbone.geometry();
        PatchGeometry gb = toBackbone.geometry();
        if (ga.inChannels() != gb.inChannels()) throw new ConfigException("phase models differ in input channels");
        int dim = toBackbone.width();
        Map<String, Parameter> src = from.namedParameters();
        Map<String, Parameter> dst = to.namedParameters();
        if (!src.keySet().equals(dst.keySet())) {
            throw new ConfigException("phase models have different parameters: " + src.keySet() + " vs " + dst.keySet());
        }
        List<String> copied = new ArrayList<>();
        Map<String, String> resized = new LinkedHashMap<>();
        for (Map.Entry<String, Parameter> e : dst.entrySet()) {
            String key = e.getKey();
            Parameter target = e.getValue();
            NDArray source = src.get(key).array();
            if (target == toBackbone.posEmbed() && (ga.fDim() != gb.fDim() || ga.tDim() != gb.tDim())) {
                float[] pe = Resize.resamplePosEmbed(source.toFloatArray(), toBackbone.prefixTokens(), dim, ga.fDim(), ga.tDim(),
                        gb.fDim(), gb.tDim(), options.posEmbed() == PosEmbedMode.BILINEAR_ANTIALIAS);
                target.set(pe);
                resized.put(key, source.getShape() + " -> " + target.array().getShape());
            } else if (target == toBackbone.patchEmbed().weight() && (ga.patchF() != gb.patchF() || ga.patchT() != gb.patchT())) {
                float[] w = Resize.resizeKernel(source.toFloatArray(), dim, ga.inChannels(), ga.patchF(), ga.patchT(),
                        gb.patchF(), gb.patchT(), options.kernel());
                target.set(w);
                resized.put(key, source.getShape() + " -> " + target.array().getShape() + " (" + options.kernel() + ")");
            } else {
                copy(key, source, target);
                copied.add(key);
            }
        }
        copyBuffers("", from.namedBuffers(), to.namedBuffers(), null, copied, resized);
        return new Report(ga.numPatches() + fromBackbone.prefixTokens(), gb.numPatches() + toBackbone.prefixTokens(),
                List.copyOf(copied), resized);
    }

    /**
     * Copies every buffer of {@code dst} from the one of the same key in {@code src} (bytes, so int64 counters too),
     * recording {@code prefix + key} in {@code copied}. The buffer named {@code rebuilt} (null: none) may differ in
     * shape: it keeps its own values and is recorded in {@code resized}. Any other missing or differing buffer is an
     * error naming it.
     */
    private static void copyBuffers(String prefix, Map<String, NDArray> src, Map<String, NDArray> dst, String rebuilt,
                                    List<String> copied, Map<String, String> resized) {
        for (Map.Entry<String, NDArray> e : dst.entrySet()) {
            String key = prefix + e.getKey();
            NDArray s = src.get(e.getKey());
            if (s != null && s.getShape().equals(e.getValue().getShape())) {
                e.getValue().set(s.toByteBuffer());
                copied.add(key);
            } else if (s != null && e.getKey().equals(rebuilt)) {
                resized.put(key, s.getShape() + " -> " + e.getValue().getShape() + " (rebuilt for this phase's frames)");
            } else {
                throw new ConfigException("cannot transfer buffer " + key + " between phases"
                        + (s == null ? ": the previous phase lacks it" : ": shape " + s.getShape() + " vs " + e.getValue().getShape()));
            }
        }
    }

    private static void copy(String key, NDArray source, Parameter target) {
        if (!source.getShape().equals(target.array().getShape())) {
            throw new ConfigException("cannot transfer " + key + " between phases: shape " + source.getShape()
                    + " vs " + target.array().getShape());
        }
        target.set(source.toFloatArray());
    }
}
