package org.tempora.train;

import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.tempora.TemporaException;
import org.tempora.io.Npy;
import org.tempora.io.Npz;
import org.tempora.model.TemporaModel;

/**
 * AST's weight averaging ({@code train.weight_average: [start, end]}): the trainer keeps the weights of every epoch in
 * the range ({@code checkpoints/epoch-<k>.npz}, final phase only), and at the end their mean becomes the model.
 */
public final class WeightAverage {
    private WeightAverage() {}

    /** Whether epoch {@code globalEpoch} (1-based, over all phases) is one whose weights are averaged. */
    public static boolean keeps(List<Integer> range, int globalEpoch) {
        return range != null && range.size() == 2 && globalEpoch >= range.get(0) && globalEpoch <= range.get(1);
    }

    /** The epochs whose weights were averaged (a run that stopped inside the window has fewer than asked). */
    public record Averaged(List<Integer> epochs) {
        public Averaged {
            epochs = List.copyOf(epochs);
        }

        /** What run.json records as {@code selected}, e.g. "weight average of epochs 61-80 (20 checkpoints)". */
        public String describe() {
            int n = epochs.size();
            return "weight average of epochs " + epochs.get(0) + "-" + epochs.get(n - 1) + " (" + n + " checkpoint" + (n == 1 ? "" : "s") + ")";
        }
    }

    /**
     * Averages the checkpoints of epochs [start, end] that exist into the model (AST's weight averaging).
     *
     * @throws TemporaException when none of them exists
     */
    public static Averaged apply(TemporaModel model, RunFiles run, int start, int end) {
        Mean mean = new Mean();
        List<Integer> epochs = new ArrayList<>();
        for (int e = start; e <= end; e++) {
            if (!Files.exists(run.epochModel(e))) continue;
            mean.add(Npz.read(run.epochModel(e)));
            epochs.add(e);
        }
        if (epochs.isEmpty()) throw new TemporaException("no checkpoints found to average in epochs " + start + "-" + end);
        Averaged a = new Averaged(epochs);
        model.load(mean.result(), a.describe());
        return a;
    }

    /**
     * A running element-wise mean of state dicts, one checkpoint in memory at a time. Floating-point tensors are
     * summed in float64 and divided once, then rounded to float32; integer buffers (BatchNorm's
     * {@code num_batches_tracked}) are not averaged: the last state's value is kept.
     */
    public static final class Mean {
        private final Map<String, double[]> sums = new LinkedHashMap<>();
        private Map<String, Npy.Array> last;
        private int count;

        /** Adds one state dict; every state must have the first one's names and sizes. */
        public void add(Map<String, Npy.Array> state) {
            if (last != null && !state.keySet().equals(last.keySet())) {
                throw new TemporaException("weight average: the checkpoints hold different tensors (" + state.keySet() + " against " + last.keySet() + ")");
            }
            for (var en : state.entrySet()) {
                Npy.Array a = en.getValue();
                if (a.floats() == null) continue;
                double[] acc = sums.computeIfAbsent(en.getKey(), k -> new double[a.size()]);
                if (acc.length != a.size()) {
                    throw new TemporaException("weight average: tensor " + en.getKey() + " has " + a.size() + " values, an earlier checkpoint " + acc.length);
                }
                float[] v = a.floats();
                for (int i = 0; i < acc.length; i++) acc[i] += v[i];
            }
            last = state;
            count++;
        }

        /** How many state dicts were added. */
        public int count() {
            return count;
        }

        /** The mean of the states added so far (names in the last state's order). */
        public Map<String, Npy.Array> result() {
            if (count == 0) throw new IllegalStateException("no state added");
            Map<String, Npy.Array> avg = new LinkedHashMap<>();
            for (var en : last.entrySet()) {
                Npy.Array a = en.getValue();
                if (a.floats() == null) {
                    avg.put(en.getKey(), a);
                    continue;
                }
                double[] s = sums.get(en.getKey());
                float[] m = new float[s.length];
                for (int i = 0; i < m.length; i++) m[i] = (float) (s[i] / count);
                avg.put(en.getKey(), new Npy.Array(a.shape(), m, null, a.dtype()));
            }
            return avg;
        }
    }
}
