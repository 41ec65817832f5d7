package org.tempora.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import org.tempora.OutputException;
import org.tempora.io.AtomicFiles;

/**
 * The layout of a run folder. Everything is written atomically (temporary file + rename), so a killed run
 * leaves only complete files:
 * <pre>
 * RUN/config.yaml            resolved experiment config
 * RUN/run.json               seed, versions, data digest, classes, normalisation, status, final metrics
 * RUN/metrics.csv|json       one row per epoch
 * RUN/checkpoints/last.*     model, optimiser and loop state after the last finished epoch (for --resume)
 * RUN/checkpoints/best.npz   weights of the best validation epoch
 * RUN/model.npz + model.json the final model and what inference needs (front-end, classes, config)
 * RUN/report.html, report/   the report with plots
 * </pre>
 */
public record RunFiles(Path dir) {
    public static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    public Path config() {
        return dir.resolve("config.yaml");
    }

    public Path runJson() {
        return dir.resolve("run.json");
    }

    public Path metricsCsv() {
        return dir.resolve("metrics.csv");
    }

    public Path metricsJson() {
        return dir.resolve("metrics.json");
    }

    public Path checkpoints() {
        return dir.resolve("checkpoints");
    }

    public Path lastModel() {
        return checkpoints().resolve("last.npz");
    }

    public Path lastOptimizer() {
        return checkpoints().resolve("last-optimizer.npz");
    }

    public Path lastState() {
        return checkpoints().resolve("last.json");
    }

    public Path bestModel() {
        return checkpoints().resolve("best.npz");
    }

    public Path epochModel(int epoch) {
        return checkpoints().resolve(String.format("epoch-%03d.npz", epoch));
    }

    public Path model() {
        return dir.resolve("model.npz");
    }

    public Path modelJson() {
        return dir.resolve("model.json");
    }

    public Path report() {
        return dir.resolve("report.html");
    }

    public void writeJson(Path file, Object value) {
        try {
            AtomicFiles.writeString(file, JSON.writeValueAsString(value) + "\n");
        } catch (IOException e) {
            throw new OutputException(file, e);
        }
    }

    public void writeText(Path file, String text) {
        try {
            AtomicFiles.writeString(file, text);
        } catch (IOException e) {
            throw new OutputException(file, e);
        }
    }

    /** metrics.csv and metrics.json from the epoch rows so far. */
    public void writeMetrics(List<EpochRecord> rows) {
        StringBuilder csv = new StringBuilder();
        LinkedHashSet<String> cols = new LinkedHashSet<>();
        for (EpochRecord r : rows) cols.addAll(r.asMap().keySet());
        csv.append(String.join(",", cols)).append('\n');
        for (EpochRecord r : rows) {
            Map<String, Object> m = r.asMap();
            StringBuilder line = new StringBuilder();
            for (String c : cols) {
                if (line.length() > 0) line.append(',');
                Object v = m.get(c);
                if (v != null) line.append(v);
            }
            csv.append(line).append('\n');
        }
        writeText(metricsCsv(), csv.toString());
        writeJson(metricsJson(), rows.stream().map(EpochRecord::asMap).toList());
    }

    public void create() {
        try {
            Files.createDirectories(checkpoints());
        } catch (IOException e) {
            throw new OutputException("run folder " + dir, dir, e);
        }
    }
}
