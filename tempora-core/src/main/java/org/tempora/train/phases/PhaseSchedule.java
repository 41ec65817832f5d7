package org.tempora.train.phases;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.tempora.ConfigException;
import org.tempora.config.ExperimentConfig;
import org.tempora.tokens.Resize;

/**
 * A coarse-to-fine training schedule (Feng et al., ICASSP 2024): phases with decreasing temporal compression
 * factors, the last at full resolution, each with a length in epochs resolved against {@code train.epochs()}.
 *
 * <p>Two ways to write one:
 * <ul>
 *   <li>the config list {@code train.phases()} ({@link #of(ExperimentConfig.Train)}): one entry per phase with
 *       {@code method, factor, epochs | fraction, resize}; the final entry has factor 1 and, without a length,
 *       takes the remaining epochs;</li>
 *   <li>a compact string ({@link #parse(String, int)}, {@link #parseSpec(String)}):
 *       {@code "<method> <C1>-><C2>…->1 [@ <length>[,<length>…]]"}, e.g. {@code "fshift 4->1 @25%"},
 *       {@code "avgpool 2->1 @5"}, {@code "patch-pi 4→2→1 @30%"}, {@code "maxpool 2->1"}. Methods: fshift, avgpool,
 *       maxpool, patch (= patch-pi), patch-pi, patch-bl. A length is epochs ({@code 5}) or a percentage of
 *       train.epochs ({@code 25%}). One length is the budget of all initial phases, shared equally; k lengths
 *       give each of the k initial phases its own; k + 1 also fix the final phase. Without {@code @} the paper's
 *       budgets apply: 25% for one initial phase, 30% for several.</li>
 * </ul>
 *
 * <p>Rounding: a fraction f becomes {@code max(1, ⌊f·E + ½⌋)} epochs of {@code E = train.epochs()} (half up); a
 * shared percentage is split into equal fractions before rounding, a shared epoch count into integers with the
 * remainder going to the earliest (cheapest) phases. The planned epochs never exceed {@code E}.
 */
public final class PhaseSchedule {

    /** How a phase compresses the time axis (reference-spec §3.3). */
    public enum Method {
        /** Recompute fbank with the frame shift multiplied by C. */
        FSHIFT("fshift"),
        /** Average-pool kernel = stride = C along time before tokenising. */
        AVGPOOL("avgpool"),
        /** Max-pool kernel = stride = C along time before tokenising. */
        MAXPOOL("maxpool"),
        /** Patches C times wider in time ({@code p × C·p}, time stride × C) on the full-resolution input. */
        PATCH("patch"),
        /** Full resolution. */
        NONE("none");

        private final String key;

        Method(String key) {
            this.key = key;
        }

        public String key() {
            return key;
        }

        public static Method parse(String s) {
            String k = s == null ? "" : s.strip().toLowerCase(Locale.ROOT);
            for (Method m : values()) if (m.key.equals(k)) return m;
            throw new ConfigException("unknown phase method '" + s + "' (fshift, avgpool, maxpool, patch, none)");
        }
    }

    /**
     * One resolved phase.
     *
     * @param index        0-based position in the schedule
     * @param method       compression method ({@link Method#NONE} iff factor 1)
     * @param factor       compression factor C along time
     * @param epochs       planned length (for the final phase under a plateau switch: see {@link #finalPhaseEpochs})
     * @param kernelResize how the patch kernel leaves this phase when the patch shape changes (patch method)
     */
    public record Phase(int index, Method method, int factor, int epochs, Resize.KernelMethod kernelResize) {
        public boolean isFullResolution() {
            return factor == 1;
        }

        /** "fshift ×4, 5 epochs". */
        public String describe() {
            String m = method == Method.PATCH ? "patch-" + (kernelResize == Resize.KernelMethod.PI ? "pi" : "bl") : method.key();
            return (factor == 1 ? "full resolution" : m + " ×" + factor) + ", " + epochs + (epochs == 1 ? " epoch" : " epochs");
        }
    }

    private final List<Phase> phases;
    private final int totalEpochs;
    private final boolean finalTakesRest;

    private PhaseSchedule(List<Phase> phases, int totalEpochs, boolean finalTakesRest) {
        this.phases = List.copyOf(phases);
        this.totalEpochs = totalEpochs;
        this.finalTakesRest = finalTakesRest;
    }

    // ------------------------------------------------------------------------------------------ construction

    /** The schedule of a config's {@code train} section; no phases listed = one full-resolution phase. */
    public static PhaseSchedule of(ExperimentConfig.Train train) {
        if (train.phases() == null || train.phases().isEmpty()) return single(train.epochs());
        return resolve(train.phases(), train.epochs());
    }

    /** One full-resolution phase of {@code totalEpochs}. */
    public static PhaseSchedule single(int totalEpochs) {
        if (totalEpochs < 1) throw new ConfigException("train.epochs must be >= 1, got " + totalEpochs);
        return new PhaseSchedule(List.of(new Phase(0, Method.NONE, 1, totalEpochs, Resize.KernelMethod.PI)), totalEpochs, true);
    }

    /** Parses a compact schedule string and resolves it against {@code totalEpochs}. */
    public static PhaseSchedule parse(String compact, int totalEpochs) {
        return resolve(parseSpec(compact), totalEpochs);
    }

    private static final Pattern COMPACT = Pattern.compile(
            "^\\s*([A-Za-z][A-Za-z-]*)\\s+([0-9]+(?:\\s*(?:->|→)\\s*[0-9]+)*)\\s*(?:@\\s*(.*?))?\\s*$");
    private static final Pattern LENGTH = Pattern.compile("^([0-9]+(?:\\.[0-9]+)?)\\s*(%?)$");

    /**
     * Parses a compact schedule into config entries (fractions kept, so a config records the intent and resolves
     * against whatever train.epochs() ends up being).
     */
    public static List<ExperimentConfig.Phase> parseSpec(String compact) {
        if (compact == null || compact.isBlank()) throw new ConfigException("empty phase schedule (e.g. \"fshift 4->1 @25%\")");
        Matcher m = COMPACT.matcher(compact);
        if (!m.matches()) {
            throw new ConfigException("cannot read phase schedule '" + compact.strip()
                    + "': expected '<method> <C>-><C>…->1 [@ <epochs>|<percent>%[,…]]', e.g. 'fshift 4->1 @25%'");
        }
        String methodText = m.group(1).toLowerCase(Locale.ROOT);
        String method;
        String resize = "pi";
        switch (methodText) {
            case "fshift", "avgpool", "maxpool" -> method = methodText;
            case "patch", "patch-pi" -> method = "patch";
            case "patch-bl" -> {
                method = "patch";
                resize = "bilinear";
            }
            default -> throw new ConfigException("unknown phase method '" + m.group(1)
                    + "' in schedule '" + compact.strip() + "' (fshift, avgpool, maxpool, patch, patch-pi, patch-bl)");
        }
        String[] factorText = m.group(2).split("\\s*(?:->|→)\\s*");
        List<Integer> factors = new ArrayList<>();
        for (String f : factorText) {
            try {
                factors.add(Integer.parseInt(f.strip()));
            } catch (NumberFormatException e) {
                throw new ConfigException("phase factor '" + f + "' in '" + compact.strip() + "' is not an integer");
            }
        }
        if (factors.size() < 2) {
            throw new ConfigException("phase schedule '" + compact.strip() + "' needs at least two factors, the last 1 (e.g. '"
                    + methodText + " " + factors.get(0) + "->1')");
        }
        for (int i = 0; i < factors.size(); i++) {
            if (factors.get(i) < 1) throw new ConfigException("phase factors in '" + compact.strip() + "' must be >= 1");
            if (i > 0 && factors.get(i) >= factors.get(i - 1)) {
                throw new ConfigException("phase factors in '" + compact.strip() + "' must decrease, got "
                        + factors.get(i - 1) + " then " + factors.get(i));
            }
        }
        if (factors.get(factors.size() - 1) != 1) {
            throw new ConfigException("phase schedule '" + compact.strip() + "' must end at full resolution (factor 1)");
        }
        int k = factors.size() - 1;
        String lengthText = m.group(3);
        List<Length> lengths = new ArrayList<>();
        if (lengthText == null || lengthText.isBlank()) {
            lengths.add(new Length(k == 1 ? 0.25 : 0.30, 0));
        } else {
            for (String part : lengthText.split(",")) lengths.add(Length.parse(part.strip(), compact.strip()));
        }
        List<Length> perPhase = new ArrayList<>();
        Length finalLength = null;
        if (lengths.size() == 1 && k > 1) {
            perPhase.addAll(share(lengths.get(0), k, compact.strip()));
        } else if (lengths.size() == k) {
            perPhase.addAll(lengths);
        } else if (lengths.size() == k + 1) {
            perPhase.addAll(lengths.subList(0, k));
            finalLength = lengths.get(k);
        } else {
            throw new ConfigException("phase schedule '" + compact.strip() + "' has " + k + " initial phase(s) but "
                    + lengths.size() + " lengths (give 1 shared budget, " + k + " per phase, or " + (k + 1) + " including the final phase)");
        }
        List<ExperimentConfig.Phase> out = new ArrayList<>();
        for (int i = 0; i < factors.size(); i++) {
            boolean last = i == factors.size() - 1;
            int factor = factors.get(i);
            Length len = last ? finalLength : perPhase.get(i);
            out.add(new ExperimentConfig.Phase(last && factor == 1 ? "none" : method, factor,
                    len != null ? len.epochs : 0, len != null ? len.fraction : 0.0, resize));
        }
        return out;
    }

    /** A length: a fraction of train.epochs (fraction &gt; 0) or whole epochs. */
    private record Length(double fraction, int epochs) {
        static Length parse(String s, String schedule) {
            Matcher m = LENGTH.matcher(s);
            if (!m.matches()) {
                throw new ConfigException("phase length '" + s + "' in '" + schedule + "' must be epochs (5) or a percentage (25%)");
            }
            double v = Double.parseDouble(m.group(1));
            if (m.group(2).isEmpty()) {
                if (v != Math.rint(v)) throw new ConfigException("phase length '" + s + "' in '" + schedule + "': epochs must be whole (or add %)");
                return new Length(0, (int) v);
            }
            if (!(v > 0 && v <= 100)) throw new ConfigException("phase length '" + s + "' in '" + schedule + "' must be a percentage in (0, 100]");
            return new Length(v / 100.0, 0);
        }
    }

    /** Splits a shared budget among k initial phases: equal fractions, or integers with the remainder first. */
    private static List<Length> share(Length budget, int k, String schedule) {
        List<Length> out = new ArrayList<>();
        if (budget.fraction > 0) {
            for (int i = 0; i < k; i++) out.add(new Length(budget.fraction / k, 0));
            return out;
        }
        if (budget.epochs < k) {
            throw new ConfigException("phase schedule '" + schedule + "': " + budget.epochs + " epoch(s) cannot be shared by "
                    + k + " initial phases (each needs at least 1)");
        }
        for (int i = 0; i < k; i++) out.add(new Length(0, budget.epochs / k + (i < budget.epochs % k ? 1 : 0)));
        return out;
    }

    /** Validates config entries and resolves their lengths against {@code totalEpochs}. */
    public static PhaseSchedule resolve(List<ExperimentConfig.Phase> specs, int totalEpochs) {
        if (totalEpochs < 1) throw new ConfigException("train.epochs must be >= 1, got " + totalEpochs);
        if (specs == null || specs.isEmpty()) return single(totalEpochs);
        if (specs.size() < 2) {
            throw new ConfigException("train.phases needs at least two phases (a coarse one and the final full-resolution one), got 1;"
                    + " leave it empty for ordinary training");
        }
        List<Phase> out = new ArrayList<>();
        int used = 0;
        boolean rest = false;
        for (int i = 0; i < specs.size(); i++) {
            ExperimentConfig.Phase s = specs.get(i);
            String where = "train.phases[" + i + "]";
            boolean last = i == specs.size() - 1;
            if (s == null) throw new ConfigException(where + " is empty");
            if (s.factor() < 1) throw new ConfigException(where + ": factor must be >= 1, got " + s.factor());
            Method method = Method.parse(s.method());
            if (i > 0 && s.factor() >= specs.get(i - 1).factor()) {
                throw new ConfigException(where + ": factors must decrease from phase to phase, got "
                        + specs.get(i - 1).factor() + " then " + s.factor());
            }
            if (last && s.factor() != 1) {
                throw new ConfigException(where + ": the last phase must be at full resolution (factor 1), got " + s.factor()
                        + "; add {method: none, factor: 1}");
            }
            if (s.factor() > 1 && method == Method.NONE) {
                throw new ConfigException(where + ": factor " + s.factor() + " needs a compression method (fshift, avgpool, maxpool, patch)");
            }
            if (s.factor() == 1) method = Method.NONE; // any method at factor 1 is the full-resolution input
            Resize.KernelMethod resize = Resize.KernelMethod.parse(s.resize());
            if (s.epochs() < 0 || s.fraction() < 0 || !Double.isFinite(s.fraction())) {
                throw new ConfigException(where + ": epochs and fraction must be >= 0");
            }
            if (s.epochs() > 0 && s.fraction() > 0) throw new ConfigException(where + ": give epochs or fraction, not both");
            if (s.fraction() > 1) throw new ConfigException(where + ": fraction must be at most 1 (of train.epochs), got " + s.fraction());
            int epochs;
            if (s.fraction() > 0) {
                epochs = epochsOf(s.fraction(), totalEpochs);
            } else if (s.epochs() > 0) {
                epochs = s.epochs();
            } else if (last) {
                rest = true;
                epochs = -1; // filled below
            } else {
                throw new ConfigException(where + " (" + method.key() + " ×" + s.factor() + ") needs a length: epochs or fraction");
            }
            if (epochs > 0) used += epochs;
            out.add(new Phase(i, method, s.factor(), epochs, resize));
        }
        if (rest) {
            int remaining = totalEpochs - used;
            if (remaining < 1) {
                throw new ConfigException("the initial phases take " + used + " of the " + totalEpochs
                        + " epochs (train.epochs); the final phase needs at least 1");
            }
            Phase f = out.remove(out.size() - 1);
            out.add(new Phase(f.index(), f.method(), f.factor(), remaining, f.kernelResize()));
            used = totalEpochs;
        }
        if (used > totalEpochs) {
            throw new ConfigException("the phases take " + used + " epochs but train.epochs is " + totalEpochs);
        }
        return new PhaseSchedule(out, totalEpochs, rest);
    }

    /** {@code max(1, ⌊fraction·total + ½⌋)}: half up, with a tiny tolerance so 35% of 10 is 4 despite rounding error. */
    public static int epochsOf(double fraction, int totalEpochs) {
        return Math.max(1, (int) Math.floor(fraction * totalEpochs + 0.5 + 1e-9));
    }

    // ------------------------------------------------------------------------------------------ queries

    public List<Phase> phases() {
        return phases;
    }

    public Phase phase(int index) {
        return phases.get(index);
    }

    public int size() {
        return phases.size();
    }

    /** {@code train.epochs()}, the budget the lengths were resolved against. */
    public int totalEpochs() {
        return totalEpochs;
    }

    /** True when there is at least one coarse phase. */
    public boolean isMultiPhase() {
        return phases.size() > 1;
    }

    /** Sum of the planned phase lengths (≤ {@link #totalEpochs()}). */
    public int plannedEpochs() {
        return phases.stream().mapToInt(Phase::epochs).sum();
    }

    /** The 1-based global epoch at which phase {@code index} starts under the planned (fixed) lengths. */
    public int firstEpoch(int index) {
        int e = 1;
        for (int i = 0; i < index; i++) e += phases.get(i).epochs();
        return e;
    }

    /** The phase a 1-based global epoch falls in under the planned lengths. */
    public Phase phaseOfEpoch(int epoch) {
        if (epoch < 1 || epoch > plannedEpochs()) {
            throw new ConfigException("epoch " + epoch + " is outside the schedule's " + plannedEpochs() + " epochs");
        }
        int end = 0;
        for (Phase p : phases) {
            end += p.epochs();
            if (epoch <= end) return p;
        }
        throw new IllegalStateException();
    }

    /**
     * Length of the final phase once the initial phases have used {@code epochsUsed} epochs (they may stop early under
     * a plateau switch): the remaining budget when the final phase had no explicit length, else its own length.
     */
    public int finalPhaseEpochs(int epochsUsed) {
        Phase f = phases.get(phases.size() - 1);
        return finalTakesRest ? Math.max(1, totalEpochs - epochsUsed) : f.epochs();
    }

    /**
     * The epoch at which the run is planned to end, seen from phase {@code index} (0-based) starting after
     * {@code start} epochs: {@code start} plus the planned lengths of this phase and the later ones, the final phase's
     * by {@link #finalPhaseEpochs}. The length of one learning-rate schedule across the phases
     * ({@code train.schedule.across_phases}); it follows the epochs the phases before actually used.
     */
    public int plannedEnd(int index, int start) {
        int end = start;
        for (int j = index; j < phases.size(); j++) {
            end += j == phases.size() - 1 ? finalPhaseEpochs(end) : phases.get(j).epochs();
        }
        return end;
    }

    /** Back to config entries (resolved epochs), e.g. for a run folder's config.yaml. */
    public List<ExperimentConfig.Phase> toConfig() {
        List<ExperimentConfig.Phase> out = new ArrayList<>();
        for (Phase p : phases) {
            out.add(new ExperimentConfig.Phase(p.method().key(), p.factor(), p.epochs(), 0.0,
                    p.kernelResize() == Resize.KernelMethod.PI ? "pi" : "bilinear"));
        }
        return out;
    }

    /** "fshift 4→1: 5 + 15 epochs". */
    public String describe() {
        if (!isMultiPhase()) return "single phase: " + totalEpochs + " epochs at full resolution";
        StringBuilder factors = new StringBuilder();
        StringBuilder lengths = new StringBuilder();
        Phase first = phases.get(0);
        for (Phase p : phases) {
            if (factors.length() > 0) {
                factors.append('→');
                lengths.append(" + ");
            }
            factors.append(p.factor());
            lengths.append(p.epochs());
        }
        String m = first.method() == Method.PATCH ? "patch-" + (first.kernelResize() == Resize.KernelMethod.PI ? "pi" : "bl") : first.method().key();
        return m + " " + factors + ": " + lengths + " epochs";
    }

    @Override
    public String toString() {
        return describe();
    }
}
