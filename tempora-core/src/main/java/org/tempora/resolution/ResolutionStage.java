package org.tempora.resolution;

import ai.djl.ndarray.NDArray;
import java.util.Map;
import org.tempora.nn.Module;

/**
 * The temporal-resolution stage between the spectrogram and the tokens, a {@link Module} of the model tree (its
 * parameters and buffers sit under {@code resolution.} in a checkpoint; the fixed baselines have none): it maps raw
 * log-mel {@code [B, T, F]} to {@code [B, C, t, F]} (C channels of t frames). DiffRes learns it; the fixed baselines
 * pool or sample. Channels flagged by {@link #logMelChannels()} are log-mel values and get the dataset normalisation
 * afterwards; others (DiffRes's resolution encoding) are passed through.
 */
public abstract class ResolutionStage extends Module {
    /** Result of the stage: features {@code [B, C, t, F]}, an auxiliary loss to add (or null), and extras to log. */
    public record Output(NDArray features, NDArray auxLoss, Map<String, NDArray> extras) {}

    public abstract Output forward(NDArray logMel, boolean training);

    public abstract int outputFrames();

    public abstract int outputChannels();

    /** For each output channel, whether it holds log-mel values (normalised downstream). */
    public abstract boolean[] logMelChannels();

    /** Forward FLOPs per example of the stage itself. */
    public abstract double flopsPerExample();

    /** A short name for reports ("avgpool δ=0.5", "diffres δ=0.5"). */
    public abstract String describe();

    /**
     * Called by the trainer before each training epoch with the run's 0-based epoch index (counted across phases), for
     * a stage whose training-mode behaviour changes with the epoch. Nothing by default.
     */
    public void startEpoch(int epoch) {
    }
}
