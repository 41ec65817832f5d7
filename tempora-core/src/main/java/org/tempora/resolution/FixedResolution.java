package org.tempora.resolution;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import java.util.Map;
import org.tempora.ConfigException;
import org.tempora.InvalidInputException;

/**
 * Base of the parameter-free, fixed-resolution baselines (pydiffres {@code AvgPool}, {@code AvgMaxPool},
 * {@code ChangeHopSize}; SimPF pooling): {@code [B, T, F]} log-mel → {@code [B, 1, t, F]} with
 * {@code t = int(T·(1−δ))}, one log-mel channel, no auxiliary loss. Same t as DiffRes at the same δ, so a comparison
 * changes only how frames are chosen.
 */
public abstract class FixedResolution extends ResolutionStage {
    protected final int frames;
    protected final int out;
    protected final double reduction;

    protected FixedResolution(int frames, double reduction) {
        if (!(reduction >= 0 && reduction < 1)) {
            throw new ConfigException("resolution.reduction must be in [0, 1), got " + reduction);
        }
        this.frames = frames;
        this.reduction = reduction;
        this.out = ResolutionStages.outputFrames(frames, reduction);
        if (out < 1) throw new ConfigException("δ = " + reduction + " leaves no frame of " + frames);
    }

    /**
     * A stage that fixes its output length itself ({@code out} frames of {@code frames}, e.g. pooling by an integer
     * factor); {@link #reduction()} reports {@code 1 − out/frames}.
     */
    protected FixedResolution(int frames, int out) {
        if (out < 1 || out > frames) throw new ConfigException("cannot reduce " + frames + " frames to " + out);
        this.frames = frames;
        this.out = out;
        this.reduction = 1 - out / (double) frames;
    }

    /** {@code [B, T, F]} → {@code [B, t, F]}. */
    protected abstract NDArray reduce(NDArray logMel);

    /** Short name without δ ("avgpool"). */
    protected abstract String name();

    @Override
    public Output forward(NDArray logMel, boolean training) {
        Shape s = logMel.getShape();
        if (s.dimension() != 3 || s.get(1) != frames) {
            throw new InvalidInputException(name(), "expects log-mel [B, " + frames + ", F], got " + s);
        }
        return new Output(reduce(logMel).expandDims(1), null, Map.of());
    }

    @Override
    public int outputFrames() {
        return out;
    }

    @Override
    public int outputChannels() {
        return 1;
    }

    @Override
    public boolean[] logMelChannels() {
        return new boolean[] {true};
    }

    @Override
    public String describe() {
        return name() + " δ=" + DiffRes.trim(reduction);
    }

    public double reduction() {
        return reduction;
    }
}
