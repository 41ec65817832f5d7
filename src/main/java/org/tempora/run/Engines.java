package org.tempora.run;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;

/** Engine set-up shared by every command: offline mode and the number of intra-op threads. */
public final class Engines {
    private Engines() {}

    /** Sets libtorch's intra-op threads (0 or less = all cores) and returns the number used. */
    public static int configureThreads(int threads) {
        int n = threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
        System.setProperty("ai.djl.offline", "true");
        Engine.getEngine("PyTorch");
        JniUtils.setNumThreads(n);
        return n;
    }
}
