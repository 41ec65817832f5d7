package org.tempora.resolution;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Activation;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.tempora.ConfigException;
import org.tempora.nn.BatchNorm1d;
import org.tempora.nn.Conv1d;
import org.tempora.nn.Module;
import org.tempora.nn.ModuleList;

/**
 * DiffRes's frame-importance estimator (pydiffres {@code DilatedConv}, reference-spec §1.2): a stack of residual
 * 1-D convolution blocks over time with the mel bins as channels, {@code [B, F, T] → [B, 1, T]} logits (the caller
 * applies the sigmoid). Keys as pydiffres: {@code blks.k.cnn1.weight}, {@code blks.k.batch_norm1.running_mean}, ….
 *
 * <p>Each block {@code c_in → c_out}: {@code u = BN1(ReLU(conv1(x)))}, {@code x' = BN2(ReLU(conv2(u))) + u}, kernel 5,
 * padding 2, dilation 1 (DiffRes always builds it with dilation 1). ReLU comes before BatchNorm and the residual is
 * {@code u}, not the block input, exactly as the reference.
 */
public final class DiffResEstimator extends Module {
    public static final int KERNEL = 5;
    public static final int PADDING = 2;

    private final ModuleList<Block> blks;
    private final int[] plan;

    /** One residual block. */
    public static final class Block extends Module {
        private final Conv1d cnn1;
        private final BatchNorm1d bn1;
        private final Conv1d cnn2;
        private final BatchNorm1d bn2;

        Block(NDManager m, SplittableRandom rng, int in, int out) {
            cnn1 = child("cnn1", Conv1d.torchDefault(m, rng, in, out, KERNEL, PADDING));
            bn1 = child("batch_norm1", new BatchNorm1d(m, out));
            cnn2 = child("cnn2", Conv1d.torchDefault(m, rng, out, out, KERNEL, PADDING));
            bn2 = child("batch_norm2", new BatchNorm1d(m, out));
        }

        NDArray forward(NDArray x, boolean training) {
            NDArray u = bn1.forward(Activation.relu(cnn1.forward(x)), training);
            return bn2.forward(Activation.relu(cnn2.forward(u)), training).add(u);
        }
    }

    public DiffResEstimator(NDManager m, int freqBins, long seed) {
        this.plan = channelPlan(freqBins);
        SplittableRandom rng = new SplittableRandom(seed);
        List<Block> blocks = new ArrayList<>();
        for (int b = 0; b + 1 < plan.length; b++) blocks.add(new Block(m, rng, plan[b], plan[b + 1]));
        this.blks = child("blks", new ModuleList<>(blocks));
    }

    /** {@code [B, F, T]} → logits {@code [B, 1, T]}. */
    public NDArray forward(NDArray x, boolean training) {
        NDArray h = x;
        for (Block b : blks.items()) h = b.forward(h, training);
        return h;
    }

    /** The channel plan (first entry F, last 1). */
    public int[] plan() {
        return plan.clone();
    }

    /**
     * The channel plan for F mel bins. F = 128: {@code 128, 64, 32, 16, 8, 1}; F ∈ {40, 64}:
     * {@code F, F, F/2, F/4, F/4, 1} (both as pydiffres).
     *
     * <p><b>Deviation</b>: pydiffres builds no block at all for any other F (its forward then returns the input
     * unchanged, a shape bug). tempora generalises the F = 128 rule instead: halve the channels while the half is at
     * least 8, then one block to 1 channel ({@code 80 → 40, 20, 10, 1}; {@code 16 → 8, 1}; F ≤ 15 → one block
     * {@code F → 1}). For F = 128 this rule gives the reference plan.
     */
    public static int[] channelPlan(int freqBins) {
        if (freqBins < 1) throw new ConfigException("DiffRes needs at least one mel bin, got " + freqBins);
        if (freqBins == 40 || freqBins == 64) {
            return new int[] {freqBins, freqBins, freqBins / 2, freqBins / 4, freqBins / 4, 1};
        }
        List<Integer> p = new ArrayList<>();
        int c = freqBins;
        p.add(c);
        while (c / 2 >= 8) {
            c /= 2;
            p.add(c);
        }
        p.add(1);
        return p.stream().mapToInt(Integer::intValue).toArray();
    }

    @Override
    public String toString() {
        return "DiffResEstimator" + Arrays.toString(plan);
    }
}
