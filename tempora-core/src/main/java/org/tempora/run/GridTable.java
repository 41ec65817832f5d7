package org.tempora.run;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.tempora.ConfigException;
import org.tempora.InvalidInputException;
import org.tempora.Messages;
import org.tempora.config.ConfigLoader;
import org.tempora.config.ExperimentConfig;

/**
 * A named experiment table for {@link Grid}: rows, each a preset plus {@code key=value} overrides (the same strings as
 * {@code tempora train --set}), one of them the baseline, run over seeds {@code 0 … seeds−1}. Read from YAML:
 * <pre>
 * name: kws35-diffres           # the table's name
 * data: /work/data/kws35        # optional: data.path of every row (tempora grid --data wins)
 * seeds: 3                      # optional: seeds per row (default 3; tempora grid --seeds wins)
 * set: [train.stop_rule=plateau, train.epochs=60]   # optional: overrides of every row, before the row's own
 * rows:
 *   - {name: avgpool-0.5, preset: avgpool-0.5, baseline: true}
 *   - {name: diffres-0.5, preset: diffres-0.5, set: [resolution.channels=[avg]]}
 * </pre>
 *
 * @param name   table name (reports)
 * @param note   free text describing the question the table answers (optional)
 * @param data   data.path of every row, or null (each preset's own)
 * @param seeds  seeds per row, or null (the default, 3)
 * @param set    overrides applied to every row, before the row's own
 * @param rows   the rows, in order
 */
public record GridTable(String name, String note, String data, Integer seeds, List<String> set, List<Row> rows) {
    /** Seeds per row when neither the table nor the command says. */
    public static final int DEFAULT_SEEDS = 3;

    /**
     * One row: a preset (null: the defaults) and its overrides.
     *
     * @param name     folder name of the row ({@code DIR/<name>/seed-<s>}): letters, digits, '.', '_', '-'
     * @param preset   preset name (see {@code tempora presets}), or null
     * @param set      {@code key=value} overrides after the table's
     * @param baseline whether the other rows are compared with this one (exactly one row is)
     * @param note     free text (optional)
     */
    public record Row(String name, String preset, List<String> set, boolean baseline, String note) {
        public Row {
            set = set == null ? List.of() : List.copyOf(set);
        }
    }

    public GridTable {
        set = set == null ? List.of() : List.copyOf(set);
        rows = rows == null ? List.of() : List.copyOf(rows);
    }

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT);

    /** Reads and checks a table file. @throws InvalidInputException if it cannot be read or is not a valid table */
    public static GridTable read(Path file) {
        if (!Files.isRegularFile(file)) throw new InvalidInputException(file, Files.exists(file) ? "not a file" : "no such grid table");
        GridTable t;
        try {
            t = YAML.readValue(file.toFile(), GridTable.class);
        } catch (JsonProcessingException e) {
            throw new InvalidInputException(file, "not a valid grid table: " + Messages.parseError(e));
        } catch (IOException e) {
            throw new InvalidInputException(file, "cannot read: " + Messages.io(e, file), e);
        }
        if (t == null) throw new InvalidInputException(file, "empty grid table");
        List<String> problems = t.problems();
        if (!problems.isEmpty()) throw new InvalidInputException(file, String.join("; ", problems));
        return t;
    }

    /** What is wrong with this table (empty when it can run). */
    public List<String> problems() {
        List<String> p = new ArrayList<>();
        if (name == null || name.isBlank()) p.add("the table needs a name");
        if (seeds != null && seeds < 1) p.add("seeds must be >= 1, got " + seeds);
        if (rows.isEmpty()) p.add("the table has no rows");
        Set<String> names = new HashSet<>();
        int baselines = 0;
        for (int i = 0; i < rows.size(); i++) {
            Row r = rows.get(i);
            if (r == null) {
                p.add("rows[" + i + "] is empty");
                continue;
            }
            if (r.name() == null || !r.name().matches("[A-Za-z0-9._-]+") || r.name().startsWith(".")) {
                p.add("rows[" + i + "].name must be letters, digits, '.', '_' or '-' (a folder name), got '" + r.name() + "'");
            } else if (!names.add(r.name())) {
                p.add("two rows are named '" + r.name() + "'");
            }
            if (r.baseline()) baselines++;
        }
        if (!rows.isEmpty() && baselines != 1) p.add("exactly one row must be marked 'baseline: true', found " + baselines);
        return p;
    }

    /** The baseline row. */
    public Row baseline() {
        return rows.stream().filter(Row::baseline).findFirst().orElseThrow();
    }

    /**
     * This table with {@code rowName} as its baseline instead of the row the file marks ({@code tempora grid --baseline}):
     * the paired comparisons change, the cells and their configs do not.
     *
     * @throws ConfigException if there is no such row
     */
    public GridTable withBaseline(String rowName) {
        row(rowName);
        List<Row> moved = rows.stream().map(r -> new Row(r.name(), r.preset(), r.set(), r.name().equals(rowName), r.note())).toList();
        return new GridTable(name, note, data, seeds, set, moved);
    }

    /** The row of this name. @throws ConfigException if there is none */
    public Row row(String rowName) {
        return rows.stream().filter(r -> r.name().equals(rowName)).findFirst()
                .orElseThrow(() -> new ConfigException("the table " + name + " has no row '" + rowName + "' (rows: "
                        + String.join(", ", rows.stream().map(Row::name).toList()) + ")"));
    }

    /**
     * The config of one cell: the row's preset, the table's overrides, the row's, then {@code data.path} ({@code dataPath}
     * if not null, else the table's {@code data}), {@code seed} and {@code name}.
     */
    public ExperimentConfig config(Row row, long seed, String dataPath) {
        List<String> all = new ArrayList<>(set);
        all.addAll(row.set());
        String d = dataPath != null ? dataPath : data;
        if (d != null) all.add("data.path='" + d.replace("'", "''") + "'");
        all.add("seed=" + seed);
        all.add("name=" + row.name());
        try {
            return ConfigLoader.load(row.preset(), null, all);
        } catch (ConfigException e) {
            throw new ConfigException("grid row " + row.name() + ": " + e.getMessage());
        }
    }
}
