package org.tempora.spark;

import java.util.Locale;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;
import org.tempora.ConfigException;
import org.tempora.Messages;

/** The Spark session of a tempora job: {@code --master} if given, else the one spark-submit configured. */
public final class SparkJobs {
    private SparkJobs() {}

    /**
     * A session for {@code master} ({@code local[2]}, {@code spark://host:7077}, {@code yarn}, …), or for the master
     * spark-submit set when {@code master} is null. The web UI is off for local masters (nobody looks at it, and it
     * takes a port).
     *
     * @throws ConfigException when no master is given anywhere or Spark refuses it
     */
    public static SparkSession session(String master, String app) {
        SparkConf conf = new SparkConf();   // picks up spark.* system properties (spark-submit sets them)
        String m = master != null ? master : conf.get("spark.master", null);
        if (m == null || m.isBlank()) {
            throw new ConfigException("no Spark master: give --master (local[2], spark://host:7077, yarn, …) or run under spark-submit");
        }
        SparkSession.Builder b = SparkSession.builder().appName(app).master(m);
        if (m.toLowerCase(Locale.ROOT).startsWith("local")) {
            b.config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "2");
        }
        try {
            return b.getOrCreate();
        } catch (RuntimeException e) {
            String msg = String.valueOf(e.getMessage());
            if (msg.contains("Master URL") || msg.contains("master URL")) {
                throw new ConfigException("--master '" + m + "': Spark cannot use this master URL");
            }
            throw new org.tempora.TemporaException("cannot start Spark with master '" + m + "': " + Messages.oneLine(msg), e);
        }
    }
}
