package org.tempora.spark;

import java.io.DataOutputStream;
import java.io.IOException;
import java.io.Serializable;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.tempora.ConfigException;
import org.tempora.InvalidInputException;
import org.tempora.Messages;
import org.tempora.OutputException;
import org.tempora.TemporaException;
import org.tempora.config.ConfigLoader;
import org.tempora.config.ExperimentConfig;
import org.tempora.data.AudioSource;
import org.tempora.data.Clip;
import org.tempora.data.DatasetLoader;
import org.tempora.data.FeatureCache;
import org.tempora.data.FileAudio;
import org.tempora.data.Split;
import org.tempora.features.FrontEnd;
import org.tempora.features.Spectrogram;
import org.tempora.run.PreparedData;

/**
 * Batch featurisation on Spark into tempora's feature cache: the driver reads the dataset as {@code tempora train}
 * does (same layout, splits, clip ids, {@code skip_bad}), and for every split computes the cache key
 * ({@link FeatureCache#key}); executors compute each clip's raw fbank with the same front-end code and write
 * contiguous ranges of clips as shard files; the driver writes the entry's {@code index.json} (listing the shards) and
 * renames the finished entry into place. {@code tempora train --cache OUT} then finds every split's entry and reads
 * the shards directly, so its data digest and features are those of a local run.
 *
 * <p>The dataset folder must be readable by the driver as a local (or mounted) path: the cache key holds each file's
 * path, size and modification time as the training machine sees them. Executors read the audio from the same path,
 * or, with {@code audioRoot}, from a copy of the dataset folder on any Hadoop file system (HDFS, S3A, …).
 */
public final class SparkFeaturize {
    private SparkFeaturize() {}

    /**
     * @param cfg        the experiment config (as for {@code tempora train}: data.path, layout, features.*)
     * @param out        the feature cache folder to write (local or any Hadoop file system)
     * @param audioRoot  where executors read the dataset folder's files from (null: the dataset path itself)
     * @param shardClips at most this many clips per shard file
     */
    public record Options(ExperimentConfig cfg, String out, String audioRoot, int shardClips) {
        public Options {
            if (shardClips < 1) throw new ConfigException("--shard-clips must be >= 1, got " + shardClips);
        }
    }

    /** One split's cache entry: its key, how many clips it holds, the skipped ones, and whether it was there already. */
    public record Entry(String split, String key, int clips, int kept, int shards, List<String> skipped, boolean reused) {}

    /** The data digest a training run on these features reports, and the entries. */
    public record Result(String digest, List<Entry> entries) {}

    /** One clip to featurise: its index in the split and where its audio is. */
    record ClipTask(int index, String uri, String display, long offset, int length) implements Serializable {
        private static final long serialVersionUID = 1L;
    }

    /** One shard: a contiguous range of a split's clips, written to one file. */
    record ShardTask(String split, String key, int shard, List<ClipTask> clips) implements Serializable {
        private static final long serialVersionUID = 1L;
    }

    /** What an executor wrote: the shard file, the clips it holds (split indices) and the bad ones. */
    record ShardResult(String split, int shard, String file, int[] kept, List<String> problems) implements Serializable {
        private static final long serialVersionUID = 1L;
    }

    public static Result run(SparkSession spark, Options o) {
        ExperimentConfig cfg = o.cfg();
        if (cfg.data().path().equals("synthetic") || cfg.data().layout().equals("synthetic")) {
            throw new ConfigException("spark featurize reads audio files; the synthetic set is generated where it is trained");
        }
        java.nio.file.Path root = java.nio.file.Path.of(cfg.data().path());
        org.tempora.data.Dataset ds = DatasetLoader.load(cfg.data(), cfg.seed());
        FrontEnd fe = FeatureCache.raw(PreparedData.frontEnd(cfg.features()));
        String digest = PreparedData.digest(ds, fe);

        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        HadoopFiles hf = new HadoopFiles(jsc.hadoopConfiguration());
        Path out = new Path(o.out());
        FileSystem fs;
        try {
            fs = hf.fs(out);
            checkOut(fs, out);
        } catch (IOException e) {
            throw new OutputException("cannot write " + out + ": " + Messages.io(e, null), e);
        }

        List<Entry> entries = new ArrayList<>();
        List<ShardTask> tasks = new ArrayList<>();
        List<Split> todo = new ArrayList<>();
        String job = UUID.randomUUID().toString().substring(0, 8);
        for (Split s : Split.values()) {
            List<Clip> clips = ds.split(s);
            if (clips.isEmpty()) continue;
            String key = FeatureCache.key(clips, fe);
            try {
                if (fs.exists(new Path(new Path(out, key), "index.json"))) {
                    entries.add(new Entry(s.key(), key, clips.size(), -1, -1, List.of(), true));
                    continue;
                }
            } catch (IOException e) {
                throw new OutputException("cannot write " + out + ": " + Messages.io(e, null), e);
            }
            todo.add(s);
            int shards = Math.max(Math.min(clips.size(), jsc.defaultParallelism()), (clips.size() + o.shardClips() - 1) / o.shardClips());
            for (int sh = 0; sh < shards; sh++) {
                int from = (int) ((long) clips.size() * sh / shards);
                int to = (int) ((long) clips.size() * (sh + 1) / shards);
                List<ClipTask> ct = new ArrayList<>();
                for (int i = from; i < to; i++) ct.add(task(i, clips.get(i), root, o.audioRoot()));
                tasks.add(new ShardTask(s.key(), key, sh, ct));
            }
        }
        if (tasks.isEmpty()) return new Result(digest, entries);

        String yaml = ConfigLoader.toYaml(cfg);
        String outUri = out.toString();
        List<ShardResult> results = jsc.parallelize(tasks, tasks.size())
                .map(t -> writeShard(t, yaml, outUri, job, hf)).collect();

        if (!cfg.data().skipBad()) {
            // the first bad clip (in split and clip order) fails the job as it fails a local run; nothing is kept
            String first = results.stream().sorted(Comparator.comparing((ShardResult r) -> Split.valueOf(r.split().toUpperCase(java.util.Locale.ROOT)))
                    .thenComparingInt(ShardResult::shard)).flatMap(r -> r.problems().stream()).findFirst().orElse(null);
            if (first != null) {
                try {
                    for (Split s : todo) fs.delete(tmpEntry(out, FeatureCache.key(ds.split(s), fe), job), true);   // ours
                } catch (IOException e) {
                    // the temporary entries carry a .spark-tmp- name and are never read
                }
                String[] parts = first.split(": ", 2);
                throw new InvalidInputException(parts[0], (parts.length > 1 ? parts[1] : first) + " (use --skip-bad to skip such entries)");
            }
        }
        for (Split s : todo) {
            List<Clip> clips = ds.split(s);
            String key = FeatureCache.key(clips, fe);
            Path tmp = tmpEntry(out, key, job);
            List<ShardResult> mine = results.stream().filter(r -> r.split().equals(s.key()))
                    .sorted(Comparator.comparingInt(ShardResult::shard)).toList();
            List<Integer> kept = new ArrayList<>();
            List<String> problems = new ArrayList<>();
            List<FeatureCache.Shard> shards = new ArrayList<>();
            try {
                for (ShardResult r : mine) {
                    for (int i : r.kept()) kept.add(i);
                    problems.addAll(r.problems());
                    if (r.kept().length > 0) shards.add(new FeatureCache.Shard(r.file(), r.kept().length));
                    else fs.delete(new Path(tmp, r.file()), false);   // an empty shard file of ours
                }
                int[] k = kept.stream().mapToInt(Integer::intValue).toArray();
                hf.writeAtomically(new Path(tmp, "index.json"), FeatureCache.indexJson(fe, k, problems, shards));
                Path entry = new Path(out, key);
                if (fs.exists(entry)) {
                    fs.delete(tmp, true);   // another job finished the same entry meanwhile: keep theirs
                } else if (!fs.rename(tmp, entry)) {
                    throw new IOException("rename of " + tmp + " to " + entry + " failed");
                }
                entries.add(new Entry(s.key(), key, clips.size(), k.length, shards.size(), problems, false));
            } catch (IOException e) {
                throw new OutputException("cannot write " + out + ": " + Messages.io(e, null), e);
            }
        }
        return new Result(digest, entries);
    }

    private static ClipTask task(int index, Clip c, java.nio.file.Path root, String audioRoot) {
        AudioSource a = c.audio();
        if (!(a instanceof FileAudio f)) {
            throw new ConfigException("spark featurize reads audio files; " + a.describe() + " is not one");
        }
        String uri = f.file().toString();
        if (audioRoot != null) {
            java.nio.file.Path rel = root.toAbsolutePath().normalize().relativize(f.file().toAbsolutePath().normalize());
            uri = audioRoot.replaceAll("/+$", "") + "/" + rel.toString().replace(java.io.File.separatorChar, '/');
        }
        return new ClipTask(index, uri, a.describe(), f.offset(), f.length());
    }

    static Path tmpEntry(Path out, String key, String job) {
        return new Path(out, "." + key + ".spark-tmp-" + job);
    }

    /** Executor side: computes one shard's features and writes them, kept clips contiguous, as one file. */
    private static ShardResult writeShard(ShardTask t, String yaml, String outUri, String job, HadoopFiles hf) throws IOException {
        FrontEnd fe = FeatureCache.raw(PreparedData.frontEnd(ConfigLoader.fromYaml(yaml, "the job's config").features()));
        String name = String.format(java.util.Locale.ROOT, "part-%05d.f32", t.shard());
        Path dir = tmpEntry(new Path(outUri), t.key(), job);
        Path file = new Path(dir, name);
        Path inprogress = new Path(dir, "." + name + ".inprogress");
        FileSystem fs = hf.fs(file);
        List<Integer> kept = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        int per = fe.targetFrames() * fe.fbank().numMelBins();
        ByteBuffer bb = ByteBuffer.allocate(per * 4).order(ByteOrder.LITTLE_ENDIAN);
        try (DataOutputStream o = fs.create(inprogress, true)) {   // a retried task starts its shard over
            for (ClipTask c : t.clips()) {
                Spectrogram s;
                try (HadoopFiles.Local local = hf.local(c.uri())) {
                    s = fe.compute(new FileAudio(local.path(), c.offset(), c.length()).samples(fe.channel()));
                } catch (InvalidInputException e) {
                    problems.add(c.display() + ": " + e.problem());   // named as the training machine names it
                    continue;
                }
                bb.clear();
                bb.asFloatBuffer().put(s.data(), 0, per);
                o.write(bb.array(), 0, per * 4);
                kept.add(c.index());
            }
        }
        if (fs.exists(file)) fs.delete(file, false);   // a finished attempt of the same shard, replaced by this one
        if (!fs.rename(inprogress, file)) throw new TemporaException("cannot write " + file + ": rename failed");
        return new ShardResult(t.split(), t.shard(), name, kept.stream().mapToInt(Integer::intValue).toArray(), problems);
    }

    /** OUT is a feature cache: absent, empty, or holding nothing but cache entries (and this module's temporary ones). */
    private static void checkOut(FileSystem fs, Path out) throws IOException {
        if (!fs.exists(out)) {
            fs.mkdirs(out);
            return;
        }
        FileStatus st = fs.getFileStatus(out);
        if (!st.isDirectory()) throw new ConfigException("--out " + out + " is a file, not a feature cache folder");
        List<String> foreign = new ArrayList<>();
        for (FileStatus c : fs.listStatus(out)) {
            String n = c.getPath().getName();
            if (!(c.isDirectory() && (n.matches("[0-9a-f]{24}") || n.matches("\\.[0-9a-f]{24}\\.spark-tmp-.*")))) foreign.add(n);
        }
        if (!foreign.isEmpty()) {
            throw new ConfigException("--out " + out + " is not empty and holds no tempora feature cache ("
                    + String.join(", ", foreign.subList(0, Math.min(3, foreign.size()))) + (foreign.size() > 3 ? ", …" : "") + ")");
        }
    }
}
