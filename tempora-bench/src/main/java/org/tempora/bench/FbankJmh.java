package org.tempora.bench;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.tempora.features.FbankOptions;
import org.tempora.features.KaldiFbank;
import org.tempora.features.Spectrogram;

/** JMH: time of one AST fbank of a clip (1 s or 10 s at 16 kHz); {@code tempora bench jmh FbankJmh}. */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Dai.djl.offline=true"})
public class FbankJmh {
    @Param({"1", "10"})
    public int seconds;

    private float[] clip;
    private KaldiFbank fbank;

    @Setup
    public void setup() {
        clip = new float[16000 * seconds];
        SplittableRandom r = new SplittableRandom(7);
        for (int i = 0; i < clip.length; i++) clip[i] = (float) (0.3 * Math.sin(i * 0.05) + 0.01 * (r.nextDouble() - 0.5));
        fbank = new KaldiFbank(FbankOptions.ast(16000));
    }

    @Benchmark
    public Spectrogram astFbank() {
        return fbank.compute(clip, "jmh");
    }
}
