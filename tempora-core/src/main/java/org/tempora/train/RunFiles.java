package org.tempora.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.tempora.ConfigException;
import org.tempora.OutputException;
import org.tempora.io.AtomicFiles;
import org.tempora.io.FolderLock;

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
 * RUN/.tempora-files         every path above that this run wrote (what --overwrite may remove)
 * RUN/.lock                  the OS lock a writing process holds ({@link FolderLock})
 * </pre>
 *
 * <p>{@link #open} enforces the rule for run folders: a new run goes only into a missing or empty folder, or one that
 * holds a tempora run; {@code --overwrite} removes only the files listed in {@code .tempora-files} (for a run written
 * before that list existed: the fixed layout above), never anything else.
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

    /** The list of files this run wrote. */
    public Path manifest() {
        return dir.resolve(MANIFEST);
    }

    /** Name of the list of files a run wrote. */
    public static final String MANIFEST = ".tempora-files";

    /**
     * Records that tempora writes {@code file} (a path inside the run folder), before it is written, so a file a
     * killed run left behind is still known as ours. @return {@code file}
     */
    public Path track(Path file) {
        return record(relative(file), file);
    }

    /** Records a folder tempora creates (removed by --overwrite only if it is empty then). */
    public Path trackFolder(Path folder) {
        return record(relative(folder) + "/", folder);
    }

    private Path record(String rel, Path file) {
        try {
            Set<String> have = tracked();
            if (have.contains(rel)) return file;
            have.add(rel);
            Files.createDirectories(dir);
            AtomicFiles.writeString(manifest(), String.join("\n", have) + "\n");
        } catch (IOException e) {
            throw new OutputException(manifest(), e);
        }
        return file;
    }

    /** A sub-folder that is a run of its own (a cross-validation fold), recorded so --overwrite cleans it as a run. */
    public RunFiles trackSubRun(String name) {
        trackFolder(dir.resolve(name));
        return new RunFiles(dir.resolve(name));
    }

    private String relative(Path file) {
        Path rel = dir.toAbsolutePath().normalize().relativize(file.toAbsolutePath().normalize());
        if (rel.startsWith("..") || rel.toString().isEmpty()) throw new IllegalArgumentException(file + " is not inside the run folder " + dir);
        return rel.toString().replace('\\', '/');
    }

    /** The paths this run recorded (relative, in order). */
    public Set<String> tracked() throws IOException {
        Set<String> out = new LinkedHashSet<>();
        if (Files.isRegularFile(manifest())) {
            for (String line : Files.readAllLines(manifest())) if (!line.isBlank()) out.add(line.strip());
        }
        return out;
    }

    /**
     * Whether the run got as far as training (a checkpoint or run.json exists) or holds sub-runs (cross-validation
     * folds): then a new run needs --overwrite or --resume.
     */
    public boolean started() {
        if (Files.isRegularFile(runJson()) || Files.isRegularFile(lastState())) return true;
        try {
            return tracked().stream().anyMatch(e -> e.endsWith("/") && !e.equals("checkpoints/"));
        } catch (IOException e) {
            throw new OutputException("run folder " + dir, dir, e);
        }
    }

    /** Whether the folder holds a tempora run (finished, killed at any point, or written before the file list existed). */
    public boolean holdsRun() {
        return Files.isRegularFile(manifest()) || Files.isRegularFile(runJson()) || Files.isRegularFile(lastState());
    }

    /**
     * Prepares the folder for a run and takes its lock (held until the returned lock is closed): refuses a folder that
     * is not empty and not a run; refuses an existing run unless resuming or overwriting; removes the temporary files a
     * killed writer left; with {@code overwrite}, removes what the earlier run wrote and nothing else.
     *
     * @throws ConfigException   for a folder that may not be used this way (exit 2)
     * @throws org.tempora.BusyException if another process is writing it
     */
    public FolderLock open(boolean resume, boolean overwrite) {
        if (resume && overwrite) throw new ConfigException("--resume and --overwrite exclude each other");
        if (Files.exists(dir) && !Files.isDirectory(dir)) throw new ConfigException("--out " + dir + " is a file, not a folder");
        if (Files.isDirectory(dir) && !holdsRun()) {
            List<String> foreign = foreign();
            if (!foreign.isEmpty()) {
                throw new ConfigException("run folder " + dir + " is not empty and holds no tempora run (" + String.join(", ", foreign)
                        + "); choose a new or empty folder");
            }
        }
        FolderLock lock = FolderLock.acquire(dir, "run folder " + dir);
        try {
            for (Path d : List.of(dir, checkpoints(), dir.resolve("report"))) AtomicFiles.removeStaleTemps(d);
            if (started() && !resume && !overwrite) {
                throw new ConfigException("run folder " + dir + " already holds a run (use --resume to continue it, --overwrite to replace it, or another --out)");
            }
            // a run that failed before training (bad data, say) has nothing worth keeping: a new attempt starts clean
            if (overwrite || (!resume && !started())) removeWhatTemporaWrote();
            track(lock.file());
            track(manifest());
            return lock;
        } catch (IOException e) {
            lock.close();
            throw new OutputException("run folder " + dir, dir, e);
        } catch (RuntimeException e) {
            lock.close();
            throw e;
        }
    }

    /** Up to five names in the folder, folders with a trailing slash, for the message that refuses it. */
    private List<String> foreign() {
        try (var s = Files.list(dir)) {
            List<String> names = s.filter(p -> !p.getFileName().toString().equals(FolderLock.NAME))
                    .map(p -> p.getFileName() + (Files.isDirectory(p) ? "/" : "")).sorted().toList();
            return names.size() <= 5 ? names : List.of(String.join(", ", names.subList(0, 5)), "… " + (names.size() - 5) + " more");
        } catch (IOException e) {
            throw new OutputException("run folder " + dir, dir, e);
        }
    }

    /** The files of a run written before .tempora-files existed: the fixed layout. */
    private static final List<String> LEGACY = List.of("config.yaml", "run.json", "metrics.csv", "metrics.json", "model.npz",
            "model.json", "report.html", "checkpoints/last.json", "checkpoints/last.npz", "checkpoints/last-optimizer.npz",
            "checkpoints/best.npz", "checkpoints/", "report/");

    /** Removes every file this run recorded (sub-runs recursively), then the folders it made if they are empty. */
    void removeWhatTemporaWrote() throws IOException {
        Set<String> entries = tracked();
        if (entries.isEmpty() && Files.isRegularFile(runJson())) {
            entries = new LinkedHashSet<>(LEGACY);
            try (var s = Files.list(checkpoints())) {
                s.map(p -> "checkpoints/" + p.getFileName()).filter(n -> n.matches("checkpoints/epoch-\\d+\\.npz")).forEach(entries::add);
            } catch (java.nio.file.NoSuchFileException ignored) {
                // no checkpoints folder
            }
            if (Files.isDirectory(dir.resolve("report"))) {
                try (var s = Files.list(dir.resolve("report"))) {
                    s.map(p -> "report/" + p.getFileName()).filter(n -> n.endsWith(".png")).forEach(entries::add);
                }
            }
        }
        List<String> files = entries.stream().filter(e -> !e.endsWith("/") && !e.equals(MANIFEST) && !e.equals(FolderLock.NAME)).toList();
        for (String e : files) {
            Path p = dir.resolve(e);
            if (Files.isDirectory(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) continue;   // a user replaced our file by a folder: keep it
            Files.deleteIfExists(p);
        }
        List<String> folders = new ArrayList<>(entries.stream().filter(e -> e.endsWith("/")).toList());
        folders.sort(Comparator.comparingInt(String::length).reversed());
        for (String f : folders) {
            Path p = dir.resolve(f);
            if (!Files.isDirectory(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) continue;
            RunFiles sub = new RunFiles(p);
            if (sub.holdsRun()) {
                try (FolderLock l = FolderLock.acquire(p, "run folder " + p)) {
                    sub.removeWhatTemporaWrote();
                }
                Files.deleteIfExists(p.resolve(FolderLock.NAME));
                Files.deleteIfExists(sub.manifest());
            }
            AtomicFiles.removeStaleTemps(p);
            try (var s = Files.list(p)) {
                if (s.findAny().isEmpty()) Files.delete(p);
            }
        }
        Files.deleteIfExists(manifest());
    }

    public void writeJson(Path file, Object value) {
        track(file);
        try {
            AtomicFiles.writeString(file, JSON.writeValueAsString(value) + "\n");
        } catch (IOException e) {
            throw new OutputException(file, e);
        }
    }

    public void writeText(Path file, String text) {
        track(file);
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
            trackFolder(checkpoints());
        } catch (IOException e) {
            throw new OutputException("run folder " + dir, dir, e);
        }
    }
}
