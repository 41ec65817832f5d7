package org.tempora.features;

/**
 * Turns a block of windowed frames into log-mel rows. Implemented with the JDK's vector API
 * ({@code jdk.incubator.vector}, see {@link VectorBlockKernel}) when the module is present; {@link KaldiFbank}
 * falls back to one JTransforms FFT per frame otherwise.
 */
interface BlockKernel {
    /** {@code -Dtempora.fbank.scalar=true} forces the one-frame-at-a-time JTransforms path (benchmarks, tests). */
    String SCALAR_PROPERTY = "tempora.fbank.scalar";

    /** Frames per block. */
    int block();

    /**
     * @param frames   {@code block()} frames of nfft samples, frame-major, already windowed and zero-padded
     * @param count    how many of them are real (the rest are ignored)
     * @param out      output matrix [frames, bins]; rows {@code row0 … row0 + count − 1} are written
     */
    void process(double[] frames, int count, float[] out, int row0);

    /** A kernel for these options, or null when the vector API is not available (or the FFT size is not a power of two). */
    static BlockKernel create(int nfft, MelBanks banks, boolean usePower, boolean useLog) {
        if (Integer.bitCount(nfft) != 1 || nfft < 16 || Boolean.getBoolean(SCALAR_PROPERTY)) return null;
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) return null;
        try {
            return (BlockKernel) Class.forName("org.tempora.features.VectorBlockKernel")
                    .getDeclaredConstructor(int.class, MelBanks.class, boolean.class, boolean.class)
                    .newInstance(nfft, banks, usePower, useLog);
        } catch (ReflectiveOperationException | LinkageError e) {
            return null;
        }
    }
}
