package org.tempora.run;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;
import org.tempora.nn.EngineCheck;

/** Engine set-up shared by every command: offline mode and the number of intra-op threads. */
public final class Engines {
    private Engines() {}

    /**
     * Sets libtorch's intra-op threads (0 or less = all cores), checks once per process that the engine computes
     * correctly on this CPU ({@link EngineCheck#requireHealthy()}: training and inference refuse to run otherwise),
     * and returns the number of threads used.
     */
    public static int configureThreads(int threads) {
        int n = configureThreadsUnchecked(threads);
        EngineCheck.requireHealthy();
        return n;
    }

    /** {@link #configureThreads} without the engine check (for {@code tempora doctor}, which runs the full one). */
    public static int configureThreadsUnchecked(int threads) {
        int n = threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
        System.setProperty("ai.djl.offline", "true");
        Engine.getEngine("PyTorch");
        JniUtils.setNumThreads(n);
        return n;
    }
}
