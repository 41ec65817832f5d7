package org.tempora.resolution;

import ai.djl.ndarray.NDArray;
import java.util.Locale;

/**
 * Resolution stage {@code fshift}: the identity on features that were already recomputed with the larger hop of a
 * {@link FshiftPlan} (the feature side does the work). Its input and output have the same T; {@link #describe()}
 * names the hop so reports say what was compared.
 */
public final class Fshift extends FixedResolution {
    private final FshiftPlan plan;

    /**
     * @param frames frames of the (already recomputed) features, which pass unchanged
     * @param plan   the plan they were computed with (for the description), or null
     */
    public Fshift(int frames, FshiftPlan plan) {
        super(frames, 0.0);
        this.plan = plan;
    }

    @Override
    protected NDArray reduce(NDArray logMel) {
        return logMel;
    }

    @Override
    public double flopsPerExample() {
        return 0;
    }

    @Override
    protected String name() {
        return "fshift";
    }

    @Override
    public String describe() {
        return plan == null ? "fshift" : String.format(Locale.ROOT, "fshift (%s ms hop, %d frames)",
                DiffRes.trim(plan.frameShiftMs()), plan.targetFrames());
    }
}
