package org.tempora.report;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.tempora.ConfigException;
import org.tempora.InvalidInputException;
import org.tempora.eval.EvalResult;
import org.tempora.eval.FlopCount;
import org.tempora.explain.Explainer;

/**
 * Everything a run report shows (see {@link ReportWriter}). Maps keep their insertion order; {@code null}
 * collections become empty; all collections are copied and unmodifiable. Only {@code runName} is required.
 *
 * @param runName         name of the run (report title)
 * @param createdAt       when the run was made, as text (the report adds no timestamps of its own)
 * @param configText      the fully resolved config (YAML), shown verbatim (escaped)
 * @param dataDigest      digest identifying the data the run used
 * @param seed            the run's seed
 * @param versions        component → version, e.g. {@code tempora, djl, torch, java}
 * @param epochs          one row per epoch; keys like {@code epoch, phase, train_loss, valid_loss, valid_top1,
 *                        valid_mAP, lr, seconds}; the curves are chosen from the numeric keys present
 * @param metrics         final test metrics (e.g. {@link EvalResult#asMap()})
 * @param flops           FLOPs table (e.g. {@link FlopCount#summary()})
 * @param timing          timing table (examples/s, latency, …)
 * @param confusion       confusion matrix {@code [true][predicted]}, or null
 * @param classNames      one name per class, or null (indices are shown)
 * @param perClass        per-class rows (e.g. {@link EvalResult#perClassRows}); key {@code class} names the class
 * @param phaseBoundaries epochs at which a new training phase starts (vertical markers on the curves)
 * @param sections        extra sections appended after the standard ones
 * @param notes           free-text notes
 */
public record ReportData(String runName, String createdAt, String configText, String dataDigest, long seed,
                         Map<String, String> versions, List<Map<String, Object>> epochs, Map<String, Object> metrics,
                         Map<String, Object> flops, Map<String, Object> timing, int[][] confusion,
                         List<String> classNames, List<Map<String, Object>> perClass, List<Double> phaseBoundaries,
                         List<Section> sections, List<String> notes) {

    /**
     * An extra report section: a title with an HTML snippet (inserted <b>as is</b> — only pass trusted markup; use
     * {@link #text} for anything else) and/or one image: a file, or a DiffRes {@link Explainer.Explanation} that the
     * reporter draws (the library itself draws nothing). A relative image path is relative to the run folder; an
     * absolute one outside the run folder is copied into {@code report/}.
     */
    public record Section(String title, String html, Path image, Explainer.Explanation explanation, String caption) {
        public Section {
            if (title == null || title.isBlank()) throw new ConfigException("a report section needs a title");
            if (image != null && explanation != null) {
                throw new ConfigException("report section '" + title + "' has an image file and an explanation to draw; it shows one image");
            }
        }

        /** A section with trusted HTML. */
        public static Section html(String title, String html) {
            return new Section(title, html, null, null, null);
        }

        /** A section with plain text (escaped, line breaks kept). */
        public static Section text(String title, String text) {
            return new Section(title, "<pre class=\"text\">" + Html.escape(text) + "</pre>", null, null, null);
        }

        /** A section with an image and an optional caption (plain text). */
        public static Section image(String title, Path image, String caption) {
            return new Section(title, null, image, null, caption);
        }

        /** A section with the picture of a DiffRes explanation (drawn by the reporter) and an optional caption. */
        public static Section explanation(String title, Explainer.Explanation explanation, String caption) {
            if (explanation == null) throw new ConfigException("report section '" + title + "' needs an explanation");
            return new Section(title, null, null, explanation, caption);
        }
    }

    public ReportData {
        if (runName == null || runName.isBlank()) throw new ConfigException("a report needs a run name");
        createdAt = createdAt == null ? "" : createdAt;
        configText = configText == null ? "" : configText;
        dataDigest = dataDigest == null ? "" : dataDigest;
        versions = orderedCopy(versions);
        List<Map<String, Object>> rows = new ArrayList<>();
        if (epochs != null) for (Map<String, Object> r : epochs) rows.add(orderedCopy(r));
        epochs = Collections.unmodifiableList(rows);
        metrics = orderedCopy(metrics);
        flops = orderedCopy(flops);
        timing = orderedCopy(timing);
        List<Map<String, Object>> pc = new ArrayList<>();
        if (perClass != null) for (Map<String, Object> r : perClass) pc.add(orderedCopy(r));
        perClass = Collections.unmodifiableList(pc);
        if (confusion != null) {
            int c = confusion.length;
            int[][] copy = new int[c][];
            for (int i = 0; i < c; i++) {
                if (confusion[i] == null || confusion[i].length != c) {
                    throw new InvalidInputException("confusion matrix", "is not square (" + c + " rows)");
                }
                copy[i] = confusion[i].clone();
            }
            confusion = copy;
        }
        if (classNames != null) {
            classNames = Collections.unmodifiableList(new ArrayList<>(classNames));
            if (confusion != null && classNames.size() != confusion.length) {
                throw new InvalidInputException("class names", "has " + classNames.size() + " names for a "
                        + confusion.length + "-class confusion matrix");
            }
        }
        phaseBoundaries = phaseBoundaries == null ? List.of() : List.copyOf(phaseBoundaries);
        sections = sections == null ? List.of() : List.copyOf(sections);
        notes = notes == null ? List.of() : List.copyOf(notes);
    }

    /** The confusion matrix (a copy), or null. */
    @Override
    public int[][] confusion() {
        if (confusion == null) return null;
        int[][] copy = new int[confusion.length][];
        for (int i = 0; i < copy.length; i++) copy[i] = confusion[i].clone();
        return copy;
    }

    /** Class names, falling back to {@code "0" … "C-1"} when only a confusion matrix or per-class rows are known. */
    public List<String> resolvedClassNames() {
        if (classNames != null) return classNames;
        int c = confusion != null ? confusion.length : perClass.size();
        List<String> names = new ArrayList<>(c);
        for (int i = 0; i < c; i++) names.add(String.valueOf(i));
        return names;
    }

    private static <V> Map<String, V> orderedCopy(Map<String, V> m) {
        return m == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(m));
    }

    public static Builder builder(String runName) {
        return new Builder(runName);
    }

    /** Mutable builder; {@link #build()} validates. */
    public static final class Builder {
        private final String runName;
        private String createdAt;
        private String configText;
        private String dataDigest;
        private long seed;
        private final Map<String, String> versions = new LinkedHashMap<>();
        private final List<Map<String, Object>> epochs = new ArrayList<>();
        private final Map<String, Object> metrics = new LinkedHashMap<>();
        private final Map<String, Object> flops = new LinkedHashMap<>();
        private final Map<String, Object> timing = new LinkedHashMap<>();
        private int[][] confusion;
        private List<String> classNames;
        private List<Map<String, Object>> perClass = new ArrayList<>();
        private final List<Double> phaseBoundaries = new ArrayList<>();
        private final List<Section> sections = new ArrayList<>();
        private final List<String> notes = new ArrayList<>();

        private Builder(String runName) {
            this.runName = runName;
        }

        public Builder createdAt(String s) { this.createdAt = s; return this; }
        public Builder configText(String s) { this.configText = s; return this; }
        public Builder dataDigest(String s) { this.dataDigest = s; return this; }
        public Builder seed(long s) { this.seed = s; return this; }
        public Builder version(String component, String version) { versions.put(component, version); return this; }
        public Builder epoch(Map<String, Object> row) { epochs.add(row); return this; }
        public Builder metric(String key, Object value) { metrics.put(key, value); return this; }
        public Builder metrics(Map<String, ?> m) { metrics.putAll(m); return this; }
        public Builder flops(Map<String, ?> m) { flops.putAll(m); return this; }
        public Builder timing(String key, Object value) { timing.put(key, value); return this; }
        public Builder confusion(int[][] m) { this.confusion = m; return this; }
        public Builder classNames(List<String> names) { this.classNames = names; return this; }
        public Builder perClass(List<Map<String, Object>> rows) { this.perClass = new ArrayList<>(rows); return this; }
        public Builder phaseBoundary(double epoch) { phaseBoundaries.add(epoch); return this; }
        public Builder section(Section s) { sections.add(s); return this; }
        public Builder note(String n) { notes.add(n); return this; }

        /** FLOPs table from a count ({@link FlopCount#summary()}). */
        public Builder flops(FlopCount f) {
            return flops(f.summary());
        }

        /** Final metrics, confusion matrix (single-label) and per-class rows from an evaluation. */
        public Builder evaluation(EvalResult r, List<String> names) {
            // counts (examples, classes, skipped classes) are shown as integers
            r.asMap().forEach((k, v) -> metrics.put(k, k.equals("examples") || k.equals("classes")
                    || k.endsWith("_skipped") ? (Object) Math.round(v) : v));
            if (r.confusion() != null) confusion(r.confusion());
            if (names != null) classNames(names);
            return perClass(r.perClassRows(names));
        }

        public ReportData build() {
            return new ReportData(runName, createdAt, configText, dataDigest, seed, versions, epochs, metrics, flops,
                    timing, confusion, classNames, perClass, phaseBoundaries, sections, notes);
        }
    }
}
