package org.tempora.eval;

import java.util.Arrays;

/** Median wall time of repeated runs after warm-up. */
public final class Stopwatch {
    private Stopwatch() {}

    /** Runs {@code task} {@code warmup} times untimed, then {@code repeat} times; returns the median seconds. */
    public static double median(int warmup, int repeat, Runnable task) {
        for (int i = 0; i < warmup; i++) task.run();
        double[] t = new double[Math.max(1, repeat)];
        for (int i = 0; i < t.length; i++) {
            long t0 = System.nanoTime();
            task.run();
            t[i] = (System.nanoTime() - t0) / 1e9;
        }
        Arrays.sort(t);
        return t.length % 2 == 1 ? t[t.length / 2] : 0.5 * (t[t.length / 2 - 1] + t[t.length / 2]);
    }
}
