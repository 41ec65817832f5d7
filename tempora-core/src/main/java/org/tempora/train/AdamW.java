package org.tempora.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.tempora.io.Npy;
import org.tempora.io.Npz;
import org.tempora.nn.Parameter;
import org.tempora.nn.StateDict;

/**
 * Adam with L2 weight decay (as AST trains: {@code torch.optim.Adam(weight_decay=…)}) or AdamW (decoupled decay),
 * one fused libtorch update per tensor (DJL's {@code adamUpdate}), plus global-norm gradient clipping. The
 * moments live here, keyed by parameter name, so they can be checkpointed and reset between phases.
 *
 * <p>The update is {@code torch.optim.Adam}/{@code AdamW}'s, ε included: DJL's fused update computes
 * {@code lr·√(1−β₂ᵗ)/(1−β₁ᵗ) · m/(√v + ε')}, which adds ε' to √v before the bias correction of the second moment, so
 * it is given {@code ε' = ε·√(1−β₂ᵗ)}; then it equals PyTorch's {@code lr/(1−β₁ᵗ) · m/(√v/√(1−β₂ᵗ) + ε)} exactly.
 * (Passing ε itself made ε effectively {@code ε/√(1−β₂ᵗ)}, 32× larger at the first step, which visibly slowed
 * parameters with small gradients such as Audio Mamba's {@code A_log}: TrainingParityTest.)
 */
public final class AdamW {
    private final boolean decoupled;
    private final float beta1;
    private final float beta2;
    private final float eps;
    private final float weightDecay;
    private final NDManager manager;
    private final Map<String, NDArray[]> state = new LinkedHashMap<>();
    private long step;

    public AdamW(NDManager manager, boolean decoupled, double beta1, double beta2, double eps, double weightDecay) {
        this.manager = manager;
        this.decoupled = decoupled;
        this.beta1 = (float) beta1;
        this.beta2 = (float) beta2;
        this.eps = (float) eps;
        this.weightDecay = (float) weightDecay;
    }

    public long stepCount() {
        return step;
    }

    /**
     * One update of every parameter from its gradient, then the gradients are zeroed.
     *
     * @param clipNorm clip the global L2 norm of all gradients to this (≤ 0: no clipping)
     * @return the global gradient norm before clipping; NaN or infinite when the step was skipped (nothing applied)
     */
    public double step(Map<String, Parameter> params, double lr, double clipNorm) {
        step++;
        // Gradient wrappers and the norm's temporaries live in a scratch manager closed at the end of the step:
        // results of ops on a gradient attach to the gradient's manager, so without it every step would leak a
        // copy of every parameter (DJL's first-operand rule).
        try (NDManager scratch = manager.newSubManager()) {
            double norm = 0;
            NDArray[] grads = new NDArray[params.size()];
            int i = 0;
            for (Parameter p : params.values()) {
                NDArray g = p.array().getGradient();
                grads[i++] = g;
                if (g == null) continue; // not reached by this loss (e.g. a frozen branch)
                g.attach(scratch);
                norm += g.square().sum().getFloat();
            }
            norm = Math.sqrt(norm);
            if (!Double.isFinite(norm)) {
                // a non-finite gradient is not applied (as AMP's loss scaler skips such steps); the trainer counts them
                zeroGradients(new ArrayList<>(params.values()));
                step--;
                return norm;
            }
            float rescale = clipNorm > 0 && norm > clipNorm ? (float) (clipNorm / (norm + 1e-6)) : 1f;
            double bc1 = 1 - Math.pow(beta1, step);
            double bc2 = 1 - Math.pow(beta2, step);
            float lrCorrected = (float) (lr * Math.sqrt(bc2) / bc1);
            float epsInside = (float) (eps * Math.sqrt(bc2)); // PyTorch's ε, moved inside the bias correction
            i = 0;
            for (Map.Entry<String, Parameter> e : params.entrySet()) {
                Parameter p = e.getValue();
                NDArray w = p.array();
                NDArray g = grads[i++];
                if (g == null) continue;
                NDArray[] mv = state.computeIfAbsent(e.getKey(), k -> new NDArray[] {
                    manager.zeros(w.getShape()), manager.zeros(w.getShape())});
                float wd = p.decay() || !decoupled ? weightDecay : 0f;
                JniUtils.adamUpdate((PtNDArray) w, (PtNDArray) g, (PtNDArray) mv[0], (PtNDArray) mv[1],
                        (float) lr, lrCorrected, wd, rescale, -1f, beta1, beta2, epsInside, decoupled);
                JniUtils.zeroGrad((PtNDArray) w);
            }
            return norm;
        }
    }

    /** Zeroes the gradients without updating (e.g. after a skipped step). */
    public static void zeroGradients(List<Parameter> params) {
        for (Parameter p : params) JniUtils.zeroGrad((PtNDArray) p.array());
    }

    /** Forgets all moments and the step count (a new training phase starts from scratch, as the paper does). */
    public void reset() {
        state.values().forEach(a -> {
            a[0].close();
            a[1].close();
        });
        state.clear();
        step = 0;
    }

    /**
     * Takes over another optimiser's step count and the moments of every parameter in {@code params} that it holds with
     * the same shape (copied into this optimiser's manager); the others start from zero. For a coarse-to-fine phase
     * that continues the previous phase's optimisation ({@code train.schedule.across_phases}).
     *
     * @return names of parameters in {@code params} whose moments were not carried (resized, or new)
     */
    public List<String> carryFrom(AdamW previous, Map<String, Parameter> params) {
        reset();
        step = previous.step;
        List<String> fresh = new ArrayList<>();
        for (Map.Entry<String, Parameter> e : params.entrySet()) {
            NDArray[] mv = previous.state.get(e.getKey());
            NDArray w = e.getValue().array();
            if (mv == null || !mv[0].getShape().equals(w.getShape())) {
                fresh.add(e.getKey());
                continue;
            }
            state.put(e.getKey(), new NDArray[] {
                manager.create(mv[0].toFloatArray(), w.getShape()), manager.create(mv[1].toFloatArray(), w.getShape())});
        }
        return fresh;
    }

    /** Moments as .npz entries ({@code <param>.m}, {@code <param>.v}) plus the step count. */
    public Map<String, Npz.Entry> stateEntries() {
        Map<String, Npz.Entry> out = new LinkedHashMap<>();
        out.put("__step__", new Npz.Entry(new float[] {step}, new int[] {1}));
        state.forEach((k, mv) -> {
            out.put(k + ".m", StateDict.entry(mv[0]));
            out.put(k + ".v", StateDict.entry(mv[1]));
        });
        return out;
    }

    /** Restores moments saved by {@link #stateEntries()} for the given parameters. */
    public void loadState(Map<String, Npy.Array> saved, Map<String, Parameter> params) {
        reset();
        Npy.Array s = saved.get("__step__");
        step = s == null ? 0 : (long) s.scalar();
        for (Map.Entry<String, Parameter> e : params.entrySet()) {
            Npy.Array m = saved.get(e.getKey() + ".m");
            Npy.Array v = saved.get(e.getKey() + ".v");
            if (m == null || v == null) continue;
            NDArray w = e.getValue().array();
            NDArray mm = manager.create(m.f32(), w.getShape());
            NDArray vv = manager.create(v.f32(), w.getShape());
            state.put(e.getKey(), new NDArray[] {mm, vv});
        }
    }
}
