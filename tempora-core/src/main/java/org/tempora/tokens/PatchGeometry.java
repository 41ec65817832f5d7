package org.tempora.tokens;

import org.tempora.ConfigException;
import org.tempora.eval.FlopCount;
import org.tempora.eval.Flops;

/**
 * The token grid of a patch embedding over a {@code freqBins × frames} spectrogram with {@code inChannels}
 * channels: kernel {@code (patchF, patchT)}, stride {@code (strideF, strideT)}, no padding.
 * {@code fDim = ⌊(F − pf)/fs⌋ + 1}, {@code tDim = ⌊(T − pt)/ts⌋ + 1}, {@code N = fDim · tDim}.
 */
public record PatchGeometry(int inChannels, int freqBins, int frames, int patchF, int patchT, int strideF, int strideT) {
    public PatchGeometry {
        if (inChannels < 1) throw new ConfigException("input channels must be >= 1, got " + inChannels);
        if (patchF < 1 || patchT < 1 || strideF < 1 || strideT < 1) {
            throw new ConfigException("patch and stride sizes must be >= 1, got patch " + patchF + "x" + patchT
                    + " stride " + strideF + "x" + strideT);
        }
        if (patchF > freqBins) throw new ConfigException("patch height " + patchF + " exceeds the " + freqBins + " frequency bins");
        if (patchT > frames) throw new ConfigException("patch width " + patchT + " exceeds the " + frames + " input frames");
    }

    /** AST's square 16×16 patches with the given strides. */
    public static PatchGeometry square(int freqBins, int frames, int patch, int fStride, int tStride) {
        return new PatchGeometry(1, freqBins, frames, patch, patch, fStride, tStride);
    }

    /** Full-frequency temporal patches (FFTP): kernel {@code F × w}, time stride {@code s}. */
    public static PatchGeometry fftp(int freqBins, int frames, int width, int stride) {
        return new PatchGeometry(1, freqBins, frames, freqBins, width, freqBins, stride);
    }

    public int fDim() {
        return (freqBins - patchF) / strideF + 1;
    }

    public int tDim() {
        return (frames - patchT) / strideT + 1;
    }

    public int numPatches() {
        return fDim() * tDim();
    }

    /**
     * The patch embedding's FLOPs into width {@code dim} and the learned positional embedding over
     * {@code sequenceLength} tokens (patches plus the backbone's prefix tokens): {@code Conv2d(C → D, pf × pt)} over the
     * grid + bias, then one add per token and channel. Both token backbones start this way.
     */
    public FlopCount embeddingFlops(long dim, long sequenceLength) {
        long n = numPatches();
        return Flops.conv2d(inChannels, dim, patchF, patchT, fDim(), tDim()).as("patch_embed.conv")
                .plus(Flops.add(Flops.mul(n, dim)).as("patch_embed.bias"))
                .plus(Flops.add(Flops.mul(sequenceLength, dim)).as("pos_embed"));
    }

    public PatchGeometry withFrames(int t) {
        return new PatchGeometry(inChannels, freqBins, t, patchF, patchT, strideF, strideT);
    }

    public PatchGeometry withChannels(int c) {
        return new PatchGeometry(c, freqBins, frames, patchF, patchT, strideF, strideT);
    }

    public PatchGeometry withPatch(int pf, int pt, int fs, int ts) {
        return new PatchGeometry(inChannels, freqBins, frames, pf, pt, fs, ts);
    }
}
