package org.tempora.train;

import java.nio.file.Files;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.tempora.TemporaException;
import org.tempora.io.Npy;
import org.tempora.io.Npz;
import org.tempora.model.TemporaModel;

/**
 * AST's weight averaging ({@code train.weight_average: [start, end]}): the trainer keeps the weights of every epoch in
 * the range ({@code checkpoints/epoch<k>.npz}, final phase only), and at the end their mean becomes the model.
 */
public final class WeightAverage {
    private WeightAverage() {}

    /** Whether epoch {@code globalEpoch} (1-based, over all phases) is one whose weights are averaged. */
    public static boolean keeps(List<Integer> range, int globalEpoch) {
        return range != null && range.size() == 2 && globalEpoch >= range.get(0) && globalEpoch <= range.get(1);
    }

    /** Averages the checkpoints of epochs [start, end] into the model (AST's weight averaging). */
    public static void apply(TemporaModel model, RunFiles run, int start, int end) {
        Map<String, float[]> sum = null;
        Map<String, Npy.Array> last = null;
        int count = 0;
        for (int e = start; e <= end; e++) {
            if (!Files.exists(run.epochModel(e))) continue;
            Map<String, Npy.Array> w = Npz.read(run.epochModel(e));
            if (sum == null) {
                sum = new LinkedHashMap<>();
                for (var en : w.entrySet()) sum.put(en.getKey(), new float[en.getValue().size()]);
            }
            for (var en : w.entrySet()) {
                float[] acc = sum.get(en.getKey());
                float[] v = en.getValue().f32();
                for (int i = 0; i < acc.length; i++) acc[i] += v[i];
            }
            last = w;
            count++;
        }
        if (count == 0) throw new TemporaException("no checkpoints found to average in epochs " + start + "-" + end);
        Map<String, Npy.Array> avg = new LinkedHashMap<>();
        for (var en : last.entrySet()) {
            Npy.Array a = en.getValue();
            if (a.floats() == null) {
                avg.put(en.getKey(), a); // integer buffers (num_batches_tracked): keep the last
                continue;
            }
            float[] s = sum.get(en.getKey());
            for (int i = 0; i < s.length; i++) s[i] /= count;
            avg.put(en.getKey(), new Npy.Array(a.shape(), s, null, a.dtype()));
        }
        model.load(avg, "weight average of epochs " + start + "-" + end);
    }

}
