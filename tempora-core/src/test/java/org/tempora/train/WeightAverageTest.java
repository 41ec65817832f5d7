package org.tempora.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tempora.TemporaException;
import org.tempora.io.Npy;

/** AST's weight averaging: which epochs are kept, the element-wise mean, and what the run records. */
class WeightAverageTest {

    static Map<String, Npy.Array> state(float w0, float w1, long tracked) {
        Map<String, Npy.Array> s = new LinkedHashMap<>();
        s.put("w", new Npy.Array(new int[] {2}, new float[] {w0, w1}, null, "<f4"));
        s.put("bn.num_batches_tracked", new Npy.Array(new int[] {}, null, new long[] {tracked}, "<i8"));
        return s;
    }

    @Test
    void keepsExactlyTheEpochsOfTheWindow() {
        assertThat(WeightAverage.keeps(List.of(61, 80), 60)).isFalse();
        assertThat(WeightAverage.keeps(List.of(61, 80), 61)).isTrue();
        assertThat(WeightAverage.keeps(List.of(61, 80), 80)).isTrue();
        assertThat(WeightAverage.keeps(List.of(61, 80), 81)).isFalse();
        assertThat(WeightAverage.keeps(null, 5)).isFalse();
        assertThat(WeightAverage.keeps(List.of(), 5)).isFalse();
    }

    @Test
    void theMeanIsElementWiseAndIntegerBuffersKeepTheLastValue() {
        WeightAverage.Mean m = new WeightAverage.Mean();
        m.add(state(1f, -2f, 10));
        m.add(state(2f, 0.5f, 20));
        m.add(state(4f, 1f, 30));
        Map<String, Npy.Array> avg = m.result();
        assertThat(m.count()).isEqualTo(3);
        assertThat(avg.keySet()).containsExactly("w", "bn.num_batches_tracked");
        assertThat(avg.get("w").floats()).containsExactly(7f / 3f, -0.5f / 3f);
        assertThat(avg.get("w").shape()).containsExactly(2);
        assertThat(avg.get("bn.num_batches_tracked").longs()).containsExactly(30L);
    }

    @Test
    void theSumIsKeptInDoubleSoManyCheckpointsLoseNothing() {
        // 2^24 + 1 is not a float32: a float32 running sum of 2^24, 1, 1, 1 stays at 2^24, the float64 one does not
        WeightAverage.Mean m = new WeightAverage.Mean();
        m.add(state(16_777_216f, 0f, 0));
        for (int i = 0; i < 3; i++) m.add(state(1f, 0f, 0));
        // float64: (2^24 + 3) / 4 = 4194304.75, which float32 holds exactly; a float32 sum would give 2^24 / 4 = 4194304
        assertThat(m.result().get("w").floats()[0]).isEqualTo(4_194_304.75f);
    }

    @Test
    void checkpointsHoldingDifferentTensorsAreRefused() {
        WeightAverage.Mean m = new WeightAverage.Mean();
        m.add(state(1f, 2f, 1));
        Map<String, Npy.Array> other = new LinkedHashMap<>(state(1f, 2f, 1));
        other.put("extra", new Npy.Array(new int[] {1}, new float[] {0f}, null, "<f4"));
        assertThatThrownBy(() -> m.add(other)).isInstanceOf(TemporaException.class).hasMessageContaining("different tensors");
        Map<String, Npy.Array> longer = new LinkedHashMap<>();
        longer.put("w", new Npy.Array(new int[] {3}, new float[] {1f, 2f, 3f}, null, "<f4"));
        longer.put("bn.num_batches_tracked", new Npy.Array(new int[] {}, null, new long[] {1}, "<i8"));
        assertThatThrownBy(() -> m.add(longer)).isInstanceOf(TemporaException.class).hasMessageContaining("tensor w has 3 values");
    }

    @Test
    void theRecordNamesTheEpochsActuallyAveraged(@TempDir Path dir) {
        assertThat(new WeightAverage.Averaged(List.of(61, 62, 63)).describe()).isEqualTo("weight average of epochs 61-63 (3 checkpoints)");
        assertThat(new WeightAverage.Averaged(List.of(7)).describe()).isEqualTo("weight average of epochs 7-7 (1 checkpoint)");
        // a window with no kept epoch (the run stopped before it) is an error naming the window, before the model is touched
        assertThatThrownBy(() -> WeightAverage.apply(null, new RunFiles(dir), 61, 80))
                .isInstanceOf(TemporaException.class).hasMessage("no checkpoints found to average in epochs 61-80");
    }
}
