package org.tempora.data;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.IntConsumer;
import java.util.stream.IntStream;
import org.tempora.ConfigException;
import org.tempora.InvalidInputException;
import org.tempora.Messages;
import org.tempora.OutputException;
import org.tempora.Stop;
import org.tempora.TemporaException;
import org.tempora.features.FrontEnd;
import org.tempora.features.Spectrogram;
import org.tempora.io.AtomicFiles;
import org.tempora.io.FolderLock;

/**
 * On-disk cache of fbank features: computed once per (clips, front-end config) in parallel, stored as one
 * float32 file plus an index, memory-mapped on reuse. The cache key is a SHA-256 of the front-end options and
 * every clip's id and audio fingerprint (path, size, mtime), so changing the config or the audio invalidates
 * it. Written to temporary files and renamed into place: a killed run never leaves a half-written entry.
 */
public final class FeatureCache {
    static final String VERSION = "tempora-features-v1";
    private final Path root;

    public FeatureCache(Path root) {
        this.root = root;
    }

    /** The default location: {@code $XDG_CACHE_HOME/tempora/features} or {@code ~/.cache/tempora/features}. */
    public static Path defaultRoot() {
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("tempora").resolve("features");
    }

    public Path root() {
        return root;
    }

    /** The key of a (clips, front-end) pair. */
    public static String key(List<Clip> clips, FrontEnd fe) {
        if (fe.targetFrames() <= 0) throw new ConfigException("the feature cache needs a fixed target frame count (features.target_frames)");
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update((VERSION + "|" + fe.fbank() + "|" + fe.channel() + "|" + fe.targetFrames() + "\n").getBytes(StandardCharsets.UTF_8));
            for (Clip c : clips) md.update((c.id() + "|" + c.audio().fingerprint() + "\n").getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(md.digest()).substring(0, 24);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Features of {@code clips} with front-end {@code fe} (normalisation is ignored: raw log-mel is cached).
     *
     * @param threads  worker threads for computing missing features
     * @param skipBad  drop clips whose audio is bad (listed in {@link FeatureSet#skipped()}) instead of failing
     * @param progress called with the number of clips done so far (may be null)
     */
    public FeatureSet get(List<Clip> clips, FrontEnd fe, int threads, boolean skipBad, IntConsumer progress) {
        FrontEnd raw = raw(fe);
        String key = key(clips, raw);
        Path dir = root.resolve(key);
        Path data = dir.resolve("features.f32");
        Path index = dir.resolve("index.json");
        int frames = raw.targetFrames();
        int bins = raw.fbank().numMelBins();
        FeatureSet ready = readEntry(data, index, frames, bins, clips.size(), skipBad, progress);
        if (ready != null) return ready;
        // one writer per entry: a second process computing the same features gets a clear error instead of racing
        try (FolderLock lock = FolderLock.acquire(dir, "feature cache entry " + dir)) {
            ready = readEntry(data, index, frames, bins, clips.size(), skipBad, progress);   // finished while we waited
            if (ready != null) return ready;
            AtomicFiles.removeStaleTemps(dir);
            return build(clips, raw, dir, data, index, threads, skipBad, progress);
        } catch (IOException e) {
            throw new OutputException("feature cache entry " + dir, dir, e);
        }
    }

    /** A complete entry's features, or null if there is none (or it is damaged: it is then rebuilt). */
    private static FeatureSet readEntry(Path data, Path index, int frames, int bins, int clipCount, boolean skipBad, IntConsumer progress) {
        if (Files.exists(index)) {
            try {
                JsonNode j = new ObjectMapper().readTree(index.toFile());
                int count = j.get("count").asInt();
                // one features.f32, or (written by tempora-spark) the shard files the index lists, in order
                List<Path> files = new ArrayList<>();
                List<Integer> counts = new ArrayList<>();
                if (j.has("shards")) {
                    for (JsonNode sh : j.get("shards")) {
                        String name = sh.get("file").asText();
                        if (name.contains("/") || name.contains("\\") || name.startsWith(".")) return null;
                        files.add(index.resolveSibling(name));
                        counts.add(sh.get("count").asInt());
                    }
                } else {
                    files.add(data);
                    counts.add(count);
                }
                long clipBytes = (long) frames * bins * 4;
                boolean sizes = counts.stream().mapToInt(Integer::intValue).sum() == count;
                for (int k = 0; k < files.size() && sizes; k++) {
                    sizes = Files.isRegularFile(files.get(k)) && Files.size(files.get(k)) == counts.get(k) * clipBytes;
                }
                if (j.get("frames").asInt() == frames && j.get("bins").asInt() == bins && sizes) {
                    int[] kept = new int[j.get("kept").size()];
                    for (int i = 0; i < kept.length; i++) kept[i] = j.get("kept").get(i).asInt();
                    List<String> skipped = new ArrayList<>();
                    j.get("skipped").forEach(s -> skipped.add(s.asText()));
                    if (!skipped.isEmpty() && !skipBad) {
                        throw new InvalidInputException(skipped.get(0).split(": ", 2)[0],
                                skipped.get(0).contains(": ") ? skipped.get(0).split(": ", 2)[1] + " (use --skip-bad to skip such entries)" : "bad audio");
                    }
                    if (progress != null) progress.accept(clipCount);
                    return new FeatureSet(files, counts.stream().mapToInt(Integer::intValue).toArray(), frames, bins, kept, skipped);
                }
            } catch (IOException | RuntimeException e) {
                if (e instanceof InvalidInputException iie) throw iie;
                // unreadable or inconsistent entry: rebuild below
            }
        }
        return null;
    }

    /** One shard file of an entry and the number of clips it holds. */
    public record Shard(String file, int count) {}

    /**
     * The {@code index.json} of an entry, as {@link #get} writes it and reads it back; with {@code shards} (not null)
     * the features are in those files of the entry's folder instead of {@code features.f32} (tempora-spark writes
     * them). {@code fe} is the raw front-end ({@link #raw}).
     */
    public static String indexJson(FrontEnd fe, int[] kept, List<String> skipped, List<Shard> shards) {
        Map<String, Object> idx = new LinkedHashMap<>();
        idx.put("version", VERSION);
        idx.put("front_end", fe.fbank().toString());
        idx.put("count", kept.length);
        idx.put("frames", fe.targetFrames());
        idx.put("bins", fe.fbank().numMelBins());
        idx.put("kept", kept);
        idx.put("skipped", skipped);
        if (shards != null) {
            idx.put("shards", shards.stream().map(s -> {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("file", s.file());
                m.put("count", s.count());
                return m;
            }).toList());
        }
        try {
            return new ObjectMapper().writeValueAsString(idx);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The front-end whose features are cached: normalisation is not applied (raw log-mel, padded/truncated). */
    public static FrontEnd raw(FrontEnd fe) {
        return new FrontEnd(fe.fbank(), fe.channel(), fe.targetFrames(), Double.NaN, Double.NaN);
    }

    private FeatureSet build(List<Clip> clips, FrontEnd fe, Path dir, Path data, Path index, int threads, boolean skipBad,
                             IntConsumer progress) {
        int frames = fe.targetFrames();
        int bins = fe.fbank().numMelBins();
        long clipBytes = (long) frames * bins * 4;
        try {
            Files.createDirectories(dir);
            Path tmp = AtomicFiles.newTemp(dir, "features.f32");
            boolean[] ok = new boolean[clips.size()];
            List<String> problems = new ArrayList<>();
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, threads), r -> {
                    Thread t = new Thread(r, "tempora-features");
                    t.setDaemon(true);
                    return t;
                });
                try {
                    List<Future<String>> fs = new ArrayList<>();
                    for (int i = 0; i < clips.size(); i++) {
                        final int k = i;
                        fs.add(pool.submit(() -> {
                            Clip c = clips.get(k);
                            Spectrogram s;
                            try {
                                s = fe.compute(c.audio().samples(fe.channel())); // streamed: only target_frames computed
                            } catch (InvalidInputException e) {
                                return e.getMessage();
                            }
                            ByteBuffer bb = ByteBuffer.allocate((int) clipBytes).order(ByteOrder.LITTLE_ENDIAN);
                            bb.asFloatBuffer().put(s.data());
                            long pos = k * clipBytes;
                            while (bb.hasRemaining()) pos += ch.write(bb, pos);
                            return null;
                        }));
                    }
                    int done = 0;
                    for (int i = 0; i < fs.size(); i++) {
                        Stop.check("while computing features (the clips done are not kept); run again to start over");
                        String problem = fs.get(i).get();
                        if (problem == null) {
                            ok[i] = true;
                        } else if (skipBad) {
                            problems.add(problem);
                        } else {
                            String[] parts = problem.split(": ", 2);
                            throw new InvalidInputException(parts[0], (parts.length > 1 ? parts[1] : problem) + " (use --skip-bad to skip such entries)");
                        }
                        if (progress != null) progress.accept(++done);
                    }
                } finally {
                    pool.shutdownNow();
                }
                ch.force(false);
            } catch (InterruptedException e) {
                Files.deleteIfExists(tmp);
                Thread.currentThread().interrupt();
                throw new TemporaException("interrupted while computing features");
            } catch (ExecutionException e) {
                Files.deleteIfExists(tmp);
                if (e.getCause() instanceof RuntimeException re) throw re;
                if (e.getCause() instanceof Error err) throw err;
                if (e.getCause() instanceof IOException io) throw new OutputException("the feature cache in " + dir, dir, io);
                throw new TemporaException("feature computation failed: " + Messages.oneLine(String.valueOf(e.getCause().getMessage())), e.getCause());
            } catch (RuntimeException e) {
                Files.deleteIfExists(tmp);
                throw e;
            }
            int[] kept = IntStream.range(0, clips.size()).filter(i -> ok[i]).toArray();
            if (kept.length < clips.size()) compact(tmp, ok, clipBytes);
            AtomicFiles.moveAtomically(tmp, data);
            AtomicFiles.done(tmp);
            AtomicFiles.writeString(index, indexJson(fe, kept, problems, null));
            return new FeatureSet(data, kept.length, frames, bins, kept, problems);
        } catch (IOException e) {
            throw new OutputException("the feature cache in " + dir, dir, e);
        }
    }

    /** Removes the slots of skipped clips so kept clips are contiguous. */
    private static void compact(Path file, boolean[] ok, long clipBytes) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer buf = ByteBuffer.allocate((int) clipBytes);
            long out = 0;
            for (int i = 0; i < ok.length; i++) {
                if (!ok[i]) continue;
                if (out != i * clipBytes) {
                    buf.clear();
                    long pos = i * clipBytes;
                    while (buf.hasRemaining()) pos += ch.read(buf, pos);
                    buf.flip();
                    long w = out;
                    while (buf.hasRemaining()) w += ch.write(buf, w);
                }
                out += clipBytes;
            }
            ch.truncate(out);
        }
    }
}
