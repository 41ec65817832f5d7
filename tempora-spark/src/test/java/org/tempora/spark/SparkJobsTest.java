package org.tempora.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tempora.ConfigException;
import org.tempora.InvalidInputException;
import org.tempora.audio.WavWriter;
import org.tempora.audio.Waveform;
import org.tempora.config.ConfigLoader;
import org.tempora.config.ExperimentConfig;
import org.tempora.data.FeatureSet;
import org.tempora.data.Split;
import org.tempora.run.Experiment;
import org.tempora.run.Inference;
import org.tempora.run.ModelBundle;
import org.tempora.run.PreparedData;
import org.tempora.run.RunListener;

/**
 * The Spark jobs on local[2] over a small generated archive (WAVs of three lengths in the 'folders' layout, plus one
 * corrupt file): features equal the local feature cache's bit for bit under the same keys and data digest, and tags
 * equal what the single-process classify path computes (same labels, bit-equal scores), the corrupt file reported in
 * its row. One SparkSession for the class.
 */
class SparkJobsTest {
    @TempDir
    static Path dir;
    static SparkSession spark;
    static Path data;
    static Path corrupt;
    static Path run;

    @BeforeAll
    static void setUp() throws IOException {
        spark = SparkSession.builder().master("local[2]").appName("tempora-test")
                .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "2").getOrCreate();
        data = archive(dir.resolve("data"));
        corrupt = data.resolve("train/b/corrupt.wav");
        Files.writeString(corrupt, "RIFF, but not really a WAV file");
        run = dir.resolve("run");
        Experiment.train(ConfigLoader.load("demo", null, List.of("data.synthetic.classes=3", "data.synthetic.clips_per_class=8",
                        "train.epochs=1", "backbone.dim=16", "backbone.depth=1", "backbone.heads=2", "train.batch_size=8")),
                new Experiment.Options(run, dir.resolve("train-cache"), false, false, 2), new RunListener() {});
    }

    @AfterAll
    static void tearDown() {
        if (spark != null) spark.stop();
    }

    /** train: 2 classes × 3 clips, valid and test: 2 × 1; 16 kHz sines with noise, 0.7 to 1.6 s long. */
    static Path archive(Path root) throws IOException {
        Random rnd = new Random(7);
        Map<String, Integer> perSplit = Map.of("train", 3, "valid", 1, "test", 1);
        for (String split : List.of("train", "valid", "test")) {
            for (String cls : List.of("a", "b")) {
                Path d = Files.createDirectories(root.resolve(split).resolve(cls));
                for (int i = 0; i < perSplit.get(split); i++) {
                    int n = 11200 + rnd.nextInt(14400);
                    double f = cls.equals("a") ? 440 + 40 * i : 1500 + 90 * i;
                    float[] x = new float[n];
                    for (int t = 0; t < n; t++) x[t] = (float) (0.3 * Math.sin(2 * Math.PI * f * t / 16000) + 0.05 * rnd.nextGaussian());
                    Path p = d.resolve(cls + i + ".wav");
                    WavWriter.write(p, new Waveform(x, 16000, p.toString()), WavWriter.Encoding.PCM_16);
                }
            }
        }
        return root;
    }

    static ExperimentConfig config(boolean skipBad) {
        return ConfigLoader.load("demo", null, List.of("data.path='" + data + "'", "data.skip_bad=" + skipBad));
    }

    static List<String> listing(Path p) throws IOException {
        try (Stream<Path> s = Files.walk(p)) {
            return s.map(x -> p.relativize(x).toString()).sorted().toList();
        }
    }

    @Test
    void featuresEqualTheLocalCacheUnderTheSameKeysAndDigest() throws IOException {
        Path out = dir.resolve("spark-cache");
        SparkFeaturize.Result r = SparkFeaturize.run(spark, new SparkFeaturize.Options(config(true), out.toString(), null, 2));
        assertThat(r.entries()).extracting(SparkFeaturize.Entry::split).containsExactly("train", "valid", "test");
        SparkFeaturize.Entry train = r.entries().get(0);
        assertThat(train.clips()).isEqualTo(7);
        assertThat(train.kept()).isEqualTo(6);
        assertThat(train.shards()).isGreaterThan(1);
        assertThat(train.skipped()).singleElement().asString().startsWith(corrupt + ": ");
        List<String> written = listing(out);
        assertThat(written).allMatch(n -> !n.contains("spark-tmp") && !n.contains("inprogress"));

        PreparedData local = PreparedData.prepare(config(true), dir.resolve("local-cache"), 2, new RunListener() {});
        PreparedData fromSpark = PreparedData.prepare(config(true), out, 2, new RunListener() {});
        assertThat(listing(out)).as("train read the Spark entries as they are: nothing recomputed").isEqualTo(written);
        assertThat(fromSpark.digest).isEqualTo(local.digest).isEqualTo(r.digest());
        assertThat(fromSpark.normMean).isEqualTo(local.normMean);
        assertThat(fromSpark.normStd).isEqualTo(local.normStd);
        assertThat(fromSpark.skipped()).isEqualTo(local.skipped());
        for (Split s : Split.values()) {
            FeatureSet a = local.features.get(s);
            FeatureSet b = fromSpark.features.get(s);
            assertThat(b.size()).isEqualTo(a.size()).isPositive();
            assertThat(b.kept()).containsExactly(a.kept());
            for (int i = 0; i < a.size(); i++) assertThat(b.get(i)).as(s + " clip " + i).containsExactly(a.get(i));
        }
        // executors reading a copy of the dataset folder (--audio-root, here a file: URI) write the same bytes
        Path copy = dir.resolve("data-copy");
        try (Stream<Path> files = Files.walk(data)) {
            for (Path f : files.toList()) Files.copy(f, copy.resolve(data.relativize(f).toString()));
        }
        Path out2 = dir.resolve("spark-cache-copy");
        SparkFeaturize.run(spark, new SparkFeaturize.Options(config(true), out2.toString(), copy.toUri().toString(), 2));
        assertThat(listing(out2)).isEqualTo(written);
        for (String f : written) {
            if (Files.isRegularFile(out.resolve(f))) assertThat(out2.resolve(f)).as(f).hasSameBinaryContentAs(out.resolve(f));
        }

        // a second run finds the entries and computes nothing
        SparkFeaturize.Result again = SparkFeaturize.run(spark, new SparkFeaturize.Options(config(true), out.toString(), null, 2));
        assertThat(again.entries()).allMatch(SparkFeaturize.Entry::reused);
        assertThat(listing(out)).isEqualTo(written);
    }

    @Test
    void aBadClipFailsFeaturisationAsLocallyAndLeavesNothing() throws IOException {
        Path out = dir.resolve("spark-cache-strict");
        assertThatThrownBy(() -> SparkFeaturize.run(spark, new SparkFeaturize.Options(config(false), out.toString(), null, 3)))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageStartingWith(corrupt + ": ")
                .hasMessageEndingWith("(use --skip-bad to skip such entries)");
        assertThat(listing(out)).containsExactly("");
    }

    @Test
    void aForeignNonEmptyOutIsRefusedAndLeftAlone() throws IOException {
        Path out = Files.createDirectories(dir.resolve("foreign"));
        Files.writeString(out.resolve("notes.txt"), "mine");
        assertThatThrownBy(() -> SparkFeaturize.run(spark, new SparkFeaturize.Options(config(true), out.toString(), null, 2)))
                .isInstanceOf(ConfigException.class).hasMessage("--out " + out + " is not empty and holds no tempora feature cache (notes.txt)");
        assertThatThrownBy(() -> SparkTag.run(spark, new SparkTag.Options(run, data.toString(), out.toString(), SparkTag.Format.CSV, 2, 0, 1, 0, true)))
                .isInstanceOf(ConfigException.class).hasMessage("--out " + out + " is not empty and holds no tempora tag output (nothing was written)");
        assertThat(listing(out)).containsExactly("", "notes.txt");
        assertThat(Files.readString(out.resolve("notes.txt"))).isEqualTo("mine");
    }

    @Test
    void tagsEqualTheSingleProcessClassifyAndBadFilesGetAnErrorRow() throws IOException {
        int before = ModelHolder.LOADS.get();
        Path out = dir.resolve("tags.parquet");
        SparkTag.Result r = SparkTag.run(spark, new SparkTag.Options(run, data.toString(), out.toString(), SparkTag.Format.PARQUET, 2, 0, 1, 3, false));
        assertThat(r.files()).isEqualTo(11);
        assertThat(r.errors()).isEqualTo(1);
        assertThat(out.resolve(SparkTag.MARKER)).exists();
        Map<String, Row> rows = new TreeMap<>();
        for (Row row : spark.read().parquet(out.toString()).collectAsList()) rows.put(row.getString(0), row);
        assertThat(rows).hasSize(11);

        Path csv = dir.resolve("tags.csv");
        SparkTag.run(spark, new SparkTag.Options(run, data.toString(), csv.toString(), SparkTag.Format.CSV, 2, 0, 1, 0, false));
        List<Row> csvRows = spark.read().option("header", "true").csv(csv.toString()).collectAsList();
        assertThat(csvRows).hasSize(11);
        assertThat(ModelHolder.LOADS.get() - before).as("one model instance in this JVM for both jobs").isLessThanOrEqualTo(1);

        List<String> checked = new ArrayList<>();
        try (ModelBundle m = ModelBundle.load(run, 1)) {
            for (String f : rows.keySet()) {
                Row row = rows.get(f);
                if (f.equals(corrupt.toString())) {
                    assertThatThrownBy(() -> Inference.classify(m, Path.of(f), 2, 0)).isInstanceOf(InvalidInputException.class)
                            .hasMessage(row.getString(row.fieldIndex("error")));
                    assertThat(row.isNullAt(row.fieldIndex("label_1"))).isTrue();
                    continue;
                }
                Inference.FileResult ref = Inference.classify(m, Path.of(f), 2, 0);
                assertThat(row.isNullAt(row.fieldIndex("error"))).isTrue();
                assertThat(row.getDouble(row.fieldIndex("duration_s"))).isEqualTo(ref.durationSeconds());
                for (int i = 0; i < 2; i++) {
                    assertThat(row.getString(row.fieldIndex("label_" + (i + 1)))).isEqualTo(ref.top().get(i).name());
                    assertThat(row.getDouble(row.fieldIndex("score_" + (i + 1)))).isEqualTo(ref.top().get(i).score());
                }
                Row c = csvRows.stream().filter(x -> x.getString(0).equals(f)).findFirst().orElseThrow();
                assertThat(Double.parseDouble(c.getString(c.fieldIndex("score_1")))).isEqualTo(ref.top().get(0).score());
                checked.add(f);
            }
        }
        assertThat(checked).hasSize(10);

        // the same output again is refused without --overwrite, replaced with it
        assertThatThrownBy(() -> SparkTag.run(spark, new SparkTag.Options(run, data.toString(), out.toString(), SparkTag.Format.PARQUET, 2, 0, 1, 0, false)))
                .isInstanceOf(ConfigException.class).hasMessageContaining("use --overwrite");
        Path manifest = dir.resolve("list.txt");
        Files.writeString(manifest, "# two files\ndata/test/a/a0.wav\n\n" + data.resolve("test/b/b0.wav") + "\n");
        SparkTag.run(spark, new SparkTag.Options(run, manifest.toString(), out.toString(), SparkTag.Format.JSONL, 1, 0, 1, 0, true));
        List<Row> again = spark.read().json(out.toString()).collectAsList();
        assertThat(again).extracting(x -> x.getString(x.fieldIndex("file")))
                .containsExactlyInAnyOrder(data.resolve("test/a/a0.wav").toString(), data.resolve("test/b/b0.wav").toString());
    }
}
