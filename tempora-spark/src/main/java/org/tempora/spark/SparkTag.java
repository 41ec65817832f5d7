package org.tempora.spark;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.util.LongAccumulator;
import org.tempora.ConfigException;
import org.tempora.InvalidInputException;
import org.tempora.Messages;
import org.tempora.OutputException;
import org.tempora.TemporaException;
import org.tempora.run.Inference;
import org.tempora.run.ModelBundle;

/**
 * Batch tagging on Spark: every audio file under a folder (or listed in a manifest) on any Hadoop file system gets the
 * top-k labels and scores of a model, computed exactly as {@code tempora classify} computes them (the same decoder,
 * front-end and {@link Inference#classify}). The model bundle is broadcast once; each executor JVM loads it once
 * ({@link ModelHolder}) and runs it over whole partitions. A file that cannot be read or decoded gets a row with its
 * {@code error} and no labels; the job goes on.
 *
 * <p>Columns: {@code file}, {@code duration_s}, {@code label_1}, {@code score_1}, …, {@code label_k}, {@code score_k},
 * {@code error} (null when the file was tagged). The output folder is written under a temporary name beside it and
 * renamed into place when complete, with a {@code _tempora_tag.json} marker; an existing non-empty folder is refused
 * unless it is such an output and {@code overwrite} is set.
 */
public final class SparkTag {
    public static final String MARKER = "_tempora_tag.json";

    private SparkTag() {}

    public enum Format {
        PARQUET, CSV, JSONL;

        public static Format parse(String s) {
            try {
                return valueOf(s.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new ConfigException("unknown --format '" + s + "' (parquet, csv, jsonl)");
            }
        }
    }

    /**
     * @param model      run folder or model bundle (model.json + model.npz), on the driver's file system
     * @param input      a folder of audio (searched recursively for .wav/.flac) or a manifest (one path or URI a line,
     *                   relative ones against the manifest's folder), on any Hadoop file system
     * @param threads    intra-op threads of each executor's model (one task per core: 1 is right)
     * @param partitions Spark partitions (0: four per default parallelism slot, at most one per file)
     */
    public record Options(java.nio.file.Path model, String input, String out, Format format, int topK, double hopSeconds,
                          int threads, int partitions, boolean overwrite) {
        public Options {
            if (topK < 1) throw new ConfigException("--top-k must be >= 1, got " + topK);
            if (threads < 1) throw new ConfigException("--threads must be >= 1, got " + threads);
            if (partitions < 0) throw new ConfigException("--partitions must be >= 0, got " + partitions);
            if (!(hopSeconds >= 0) || Double.isInfinite(hopSeconds)) throw new ConfigException("--hop must be a finite number >= 0");
        }
    }

    public record Result(long files, long errors, String out) {}

    public static Result run(SparkSession spark, Options o) {
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        HadoopFiles hf = new HadoopFiles(jsc.hadoopConfiguration());
        ModelHolder.Bytes bytes = ModelHolder.Bytes.read(o.model());
        ModelHolder.get(bytes, o.threads());   // a bad bundle fails here, on the driver, with one clear line
        List<String> files = list(hf, o.input());
        Path out = new Path(o.out());
        FileSystem fs;
        Path tmp;
        try {
            fs = hf.fs(out);
            prepareOut(fs, out, o.overwrite());
            tmp = new Path(out.getParent(), "." + out.getName() + ".tmp-" + UUID.randomUUID());
        } catch (IOException e) {
            throw new OutputException("cannot write " + out + ": " + Messages.io(e, null), e);
        }
        Broadcast<ModelHolder.Bytes> model = jsc.broadcast(bytes);
        LongAccumulator errors = jsc.sc().longAccumulator("tempora.tag.errors");
        int parts = o.partitions() > 0 ? o.partitions() : Math.max(1, Math.min(files.size(), jsc.defaultParallelism() * 4));
        int k = o.topK();
        int threads = o.threads();
        double hop = o.hopSeconds();
        JavaRDD<Row> rows = jsc.parallelize(files, parts).mapPartitions(it -> tagPartition(it, model.value(), threads, k, hop, hf, errors));
        Dataset<Row> df = spark.createDataFrame(rows, schema(k));
        try {
            switch (o.format()) {
                case PARQUET -> df.write().parquet(tmp.toString());
                case CSV -> df.write().option("header", "true").csv(tmp.toString());
                case JSONL -> df.write().json(tmp.toString());
            }
            hf.writeAtomically(new Path(tmp, MARKER), "{\"model\": \"" + bytes.digest() + "\", \"files\": " + files.size()
                    + ", \"format\": \"" + o.format().name().toLowerCase(Locale.ROOT) + "\"}\n");
            if (fs.exists(out)) fs.delete(out, true);   // only ever our own earlier output (prepareOut checked)
            if (!fs.rename(tmp, out)) throw new IOException("rename of " + tmp + " to " + out + " failed");
        } catch (IOException | RuntimeException e) {
            try {
                fs.delete(tmp, true);   // our own temporary folder
            } catch (IOException ignored) {
                // nothing more to do: the temporary folder carries a .tmp- name and is never read
            }
            if (e instanceof TemporaException te) throw te;
            if (e instanceof IOException io) throw new OutputException("cannot write " + out + ": " + Messages.io(io, null), io);
            throw (RuntimeException) e;
        } finally {
            model.destroy();
        }
        return new Result(files.size(), errors.value(), HadoopFiles.display(out));
    }

    static StructType schema(int k) {
        List<StructField> f = new ArrayList<>();
        f.add(DataTypes.createStructField("file", DataTypes.StringType, false));
        f.add(DataTypes.createStructField("duration_s", DataTypes.DoubleType, true));
        for (int i = 1; i <= k; i++) {
            f.add(DataTypes.createStructField("label_" + i, DataTypes.StringType, true));
            f.add(DataTypes.createStructField("score_" + i, DataTypes.DoubleType, true));
        }
        f.add(DataTypes.createStructField("error", DataTypes.StringType, true));
        return DataTypes.createStructType(f);
    }

    private static Iterator<Row> tagPartition(Iterator<String> it, ModelHolder.Bytes bytes, int threads, int k, double hop,
                                              HadoopFiles hf, LongAccumulator errors) {
        ModelBundle m = ModelHolder.get(bytes, threads);   // once per executor JVM, not per row
        List<Row> out = new ArrayList<>();
        while (it.hasNext()) {
            String file = it.next();
            Object[] row = new Object[3 + 2 * k];
            row[0] = file;
            try (HadoopFiles.Local local = hf.local(file)) {
                Inference.FileResult r = Inference.classify(m, local.path(), k, hop);
                row[1] = r.durationSeconds();
                for (int i = 0; i < r.top().size() && i < k; i++) {
                    row[2 + 2 * i] = r.top().get(i).name();
                    row[3 + 2 * i] = r.top().get(i).score();
                }
            } catch (InvalidInputException e) {
                row[row.length - 1] = file + ": " + e.problem();   // names the file as listed, not a local copy
                errors.add(1);
            } catch (RuntimeException e) {
                // one file must not fail a job over millions: anything else is reported in its row as well
                row[row.length - 1] = file + ": " + (e instanceof TemporaException ? "" : "internal error: ")
                        + Messages.oneLine(String.valueOf(e.getMessage()));
                errors.add(1);
            }
            out.add(RowFactory.create(row));
        }
        return out.iterator();
    }

    /** The audio files of a folder (recursively, sorted) or a manifest, as URIs or plain local paths. */
    static List<String> list(HadoopFiles hf, String input) {
        Path in = new Path(input);
        try {
            FileSystem fs = hf.fs(in);
            if (!fs.exists(in)) throw new InvalidInputException(input, "no such file or folder");
            FileStatus st = fs.getFileStatus(in);
            List<String> files = new ArrayList<>();
            if (st.isDirectory()) {
                RemoteIterator<LocatedFileStatus> it = fs.listFiles(in, true);
                while (it.hasNext()) {
                    LocatedFileStatus f = it.next();
                    if (isAudioName(f.getPath().getName())) files.add(HadoopFiles.display(f.getPath()));
                }
                files.sort(null);
                if (files.isEmpty()) throw new InvalidInputException(input, "no .wav or .flac files in this folder");
                return files;
            }
            if (isAudioName(in.getName())) return List.of(HadoopFiles.display(in));
            try (BufferedReader r = new BufferedReader(new InputStreamReader(fs.open(in), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    String s = line.strip();
                    if (s.isEmpty() || s.startsWith("#")) continue;
                    Path p = new Path(s);
                    files.add(HadoopFiles.display(p.isAbsoluteAndSchemeAuthorityNull() || p.toUri().getScheme() != null ? p : new Path(in.getParent(), s)));
                }
            }
            if (files.isEmpty()) throw new InvalidInputException(input, "the manifest lists no audio file (one path a line)");
            return files;
        } catch (IOException e) {
            throw new InvalidInputException(input, "cannot read: " + Messages.io(e, null), e);
        }
    }

    static boolean isAudioName(String n) {
        String l = n.toLowerCase(Locale.ROOT);
        return l.endsWith(".wav") || l.endsWith(".flac") || l.endsWith(".wave");
    }

    /** Refuses a non-empty OUT unless it is an earlier tag output and {@code overwrite}; removes an empty one. */
    private static void prepareOut(FileSystem fs, Path out, boolean overwrite) throws IOException {
        if (!fs.exists(out)) return;
        FileStatus st = fs.getFileStatus(out);
        if (!st.isDirectory()) throw new ConfigException("--out " + out + " is a file, not a folder");
        FileStatus[] children = fs.listStatus(out);
        if (children.length == 0) {
            fs.delete(out, false);
            return;
        }
        if (!fs.exists(new Path(out, MARKER))) {
            throw new ConfigException("--out " + out + " is not empty and holds no tempora tag output (nothing was written)");
        }
        if (!overwrite) throw new ConfigException("--out " + out + " holds an earlier tag output (use --overwrite to replace it)");
    }
}
