package org.tempora.data;

import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import org.tempora.Messages;
import org.tempora.TemporaException;

/**
 * Cached features of a list of clips: raw log-mel {@code [frames, bins]} per clip (padded/truncated, not
 * normalised), memory-mapped from one float32 file, so a dataset larger than the heap costs only page cache.
 * An entry may also be split into shard files (written by tempora-spark), read the same way. Thread-safe reads. {@link #kept()} lists which of the requested clips are present (bad clips skipped under
 * {@code --skip-bad} are not).
 */
public final class FeatureSet {
    private static final long CHUNK_BYTES = 1L << 30;

    private final int frames;
    private final int bins;
    private final int count;
    private final List<FloatBuffer> chunks = new ArrayList<>();
    /** first clip index of each chunk (ascending; a chunk never spans two files) */
    private final int[] chunkStart;
    private final int[] kept;
    private final List<String> skipped;

    FeatureSet(Path file, int count, int frames, int bins, int[] kept, List<String> skipped) {
        this(List.of(file), new int[] {count}, frames, bins, kept, skipped);
    }

    /**
     * Features held in several files (the shards of an entry written by tempora-spark): file {@code k} holds the next
     * {@code counts[k]} clips, in order, each {@code frames·bins} float32 little-endian.
     */
    FeatureSet(List<Path> files, int[] counts, int frames, int bins, int[] kept, List<String> skipped) {
        this.frames = frames;
        this.bins = bins;
        int total = 0;
        for (int c : counts) total += c;
        this.count = total;
        this.kept = kept;
        this.skipped = skipped;
        long clipBytes = (long) frames * bins * 4;
        int clipsPerChunk = (int) Math.max(1, CHUNK_BYTES / clipBytes);
        List<Integer> starts = new ArrayList<>();
        int base = 0;
        for (int k = 0; k < files.size(); k++) {
            Path file = files.get(k);
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
                for (int start = 0; start < counts[k]; start += clipsPerChunk) {
                    int n = Math.min(clipsPerChunk, counts[k] - start);
                    MappedByteBuffer mb = ch.map(FileChannel.MapMode.READ_ONLY, start * clipBytes, n * clipBytes);
                    mb.order(ByteOrder.LITTLE_ENDIAN);
                    chunks.add(mb.asFloatBuffer());
                    starts.add(base + start);
                }
            } catch (IOException e) {
                throw new TemporaException("cannot read the feature cache file " + file + ": " + Messages.io(e, file), e);
            }
            base += counts[k];
        }
        this.chunkStart = starts.stream().mapToInt(Integer::intValue).toArray();
    }

    /** In-memory feature set (for tests and small generated sets). */
    FeatureSet(float[] data, int count, int frames, int bins) {
        this.frames = frames;
        this.bins = bins;
        this.count = count;
        this.chunkStart = new int[] {0};
        this.kept = IntStream.range(0, count).toArray();
        this.skipped = List.of();
        chunks.add(FloatBuffer.wrap(data));
    }

    public int size() {
        return count;
    }

    public int frames() {
        return frames;
    }

    public int bins() {
        return bins;
    }

    /** Indices (into the requested clip list) of the clips this set holds, in order. */
    public int[] kept() {
        return kept.clone();
    }

    public List<String> skipped() {
        return skipped;
    }

    /** Copies clip {@code i}'s features into {@code dst} at {@code offset} ({@code frames·bins} values). */
    public void copy(int i, float[] dst, int offset) {
        int per = frames * bins;
        if (i < 0 || i >= count) throw new IndexOutOfBoundsException("clip " + i + " of " + count);
        int c = Arrays.binarySearch(chunkStart, i);
        if (c < 0) c = -c - 2;   // the last chunk starting before i
        FloatBuffer fb = chunks.get(c).duplicate();
        fb.position((i - chunkStart[c]) * per);
        fb.get(dst, offset, per);
    }

    public float[] get(int i) {
        float[] out = new float[frames * bins];
        copy(i, out, 0);
        return out;
    }
}
