package org.tempora.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.norm.BatchNorm;

/**
 * PyTorch {@code BatchNorm1d} over {@code [B, C, L]} (reference-spec §0.4): in training it normalises with the batch
 * statistics over (B, L) per channel (biased variance) and updates {@code running_mean}/{@code running_var} in place
 * with momentum 0.1 and the unbiased batch variance; in evaluation it uses the running statistics. eps 1e-5.
 * {@code num_batches_tracked} is an int64 0-d buffer counted up once per training call, as PyTorch does.
 *
 * <p>The work is done by libtorch's own {@code batch_norm} through DJL, which takes the momentum as
 * {@code 1 − m} (so 0.9 here gives PyTorch's 0.1) and wants the channel axis given as −1 (it means torch dim 1).
 */
public final class BatchNorm1d extends Module {
    /** PyTorch's default momentum. */
    public static final float MOMENTUM = 0.1f;
    public static final float EPS = 1e-5f;

    private final Parameter weight;
    private final Parameter bias;
    private final NDArray runningMean;
    private final NDArray runningVar;
    private final NDArray tracked;
    public final int channels;

    public BatchNorm1d(NDManager m, int channels) {
        this.channels = channels;
        this.weight = param("weight", Init.ones(m, channels), false);
        this.bias = param("bias", Init.zeros(m, channels), false);
        this.runningMean = buffer("running_mean", Init.zeros(m, channels));
        this.runningVar = buffer("running_var", Init.ones(m, channels));
        this.tracked = buffer("num_batches_tracked", m.create(0L));
    }

    /**
     * @param training batch statistics and a running-statistics update (true) or the running statistics (false)
     */
    public NDArray forward(NDArray x, boolean training) {
        NDArray y = BatchNorm.batchNorm(x, runningMean, runningVar, weight.array(), bias.array(), -1,
                1f - MOMENTUM, EPS, training).singletonOrThrow();
        if (training) tracked.set(new long[] {tracked.getLong() + 1});
        return y;
    }
}
