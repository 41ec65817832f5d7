package org.tempora.train.phases;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.tempora.InvalidInputException;
import org.tempora.eval.Flops;
import org.tempora.model.AstConfig;
import org.tempora.train.EpochRecord;

/**
 * Cost and savings of a coarse-to-fine run against a baseline, as the paper reports them (§3.3, Tables 2–6): FLOPs
 * and wall time per phase and in total, and savings as a percentage of the baseline's cost <b>up to the baseline's
 * best epoch</b>, under the paper's two stopping rules for the final phase:
 * <ol>
 *   <li>{@link StopRule#SURPASS}: stop at the first final-phase epoch whose validation metric exceeds the baseline's
 *       best (the accuracy/computation trade-off, Tables 2, 4, 6);</li>
 *   <li>{@link StopRule#CONVERGE}: train to convergence, i.e. stop at the run's best epoch (Tables 3, 5).</li>
 * </ol>
 * A run's cost under a rule is the sum over its epochs up to the stop epoch, all phases included. Everything here
 * is a pure function of per-epoch records, so it is testable with hand-made histories.
 *
 * <p>Training FLOPs per epoch ≈ {@value Flops#TRAINING_FACTOR} × forward FLOPs per example × training examples
 * ({@link #epochFlops}); validation passes are not counted, as the paper counts training cost.
 */
public final class PhaseAccounting {
    private PhaseAccounting() {}

    /** The {@link EpochRecord#extra()} key under which a trainer records an epoch's training FLOPs. */
    public static final String FLOPS_KEY = "train_flops";

    /** The paper's stopping rules for the final phase. */
    public enum StopRule { SURPASS, CONVERGE }

    /**
     * One epoch of a run.
     *
     * @param epoch   1-based global epoch
     * @param phase   phase number as the run records it (ascending with epochs)
     * @param metric  validation metric, higher is better (NaN = not evaluated)
     * @param seconds training wall time of the epoch
     * @param flops   training FLOPs of the epoch
     */
    public record Epoch(int epoch, int phase, double metric, double seconds, double flops) {}

    /** Cost of one phase (or of a whole run when {@code phase} is 0). */
    public record PhaseTotal(int phase, int epochs, double flops, double seconds) {}

    /** The baseline's best epoch (first maximum) and its cost up to and including it. */
    public record Baseline(int bestEpoch, double bestMetric, double flops, double seconds) {}

    /**
     * A run's outcome under one stopping rule.
     *
     * @param reached          false when the rule never triggers (SURPASS: no final-phase epoch beats the baseline);
     *                         the other fields are then NaN / 0
     * @param stopEpoch        the epoch the run stops at
     * @param metric           its validation metric
     * @param metricDelta      metric − the baseline's best
     * @param flops            training FLOPs up to the stop epoch
     * @param seconds          training wall time up to the stop epoch
     * @param flopsSavingPct   {@code 100·(1 − flops / baseline flops)} (negative: more than the baseline)
     * @param timeSavingPct    {@code 100·(1 − seconds / baseline seconds)}
     */
    public record Outcome(StopRule rule, boolean reached, int stopEpoch, double metric, double metricDelta, double flops,
                          double seconds, double flopsSavingPct, double timeSavingPct) {}

    /** Everything: per-phase totals, run total, baseline, and the outcome under both rules. */
    public record Report(List<PhaseTotal> phases, PhaseTotal total, Baseline baseline, Outcome surpass, Outcome converge) {}

    // ------------------------------------------------------------------------------------------ FLOPs

    /** Training FLOPs of one epoch: {@value Flops#TRAINING_FACTOR} × forward FLOPs per example × examples. */
    public static double epochFlops(double forwardFlopsPerExample, long examples) {
        return Flops.TRAINING_FACTOR * forwardFlopsPerExample * examples;
    }

    /** {@link #epochFlops(double, long)} with the analytic AST forward count ({@link Flops#ast}). */
    public static double epochFlops(AstConfig config, long examples) {
        return epochFlops(config.flops().total(), examples);
    }

    // ------------------------------------------------------------------------------------------ records

    /** Reads a trainer's history; each record's training FLOPs come from {@code extra().get(FLOPS_KEY)}. */
    public static List<Epoch> fromRecords(List<EpochRecord> records) {
        List<Epoch> out = new ArrayList<>();
        for (EpochRecord r : records) {
            Double f = r.extra() == null ? null : r.extra().get(FLOPS_KEY);
            if (f == null) throw new InvalidInputException("phase accounting", "epoch " + r.epoch() + " has no '" + FLOPS_KEY + "' value");
            out.add(new Epoch(r.epoch(), r.phase(), r.validMetric(), r.seconds(), f));
        }
        return out;
    }

    // ------------------------------------------------------------------------------------------ totals

    /** Cost per phase, in phase order. */
    public static List<PhaseTotal> perPhase(List<Epoch> run) {
        List<Epoch> s = sorted(run);
        Map<Integer, double[]> acc = new TreeMap<>();
        for (Epoch e : s) {
            double[] a = acc.computeIfAbsent(e.phase(), k -> new double[3]);
            a[0]++;
            a[1] += e.flops();
            a[2] += e.seconds();
        }
        List<PhaseTotal> out = new ArrayList<>();
        acc.forEach((p, a) -> out.add(new PhaseTotal(p, (int) a[0], a[1], a[2])));
        return out;
    }

    /** Cost of the whole run (phase 0). */
    public static PhaseTotal total(List<Epoch> run) {
        List<Epoch> s = sorted(run);
        return new PhaseTotal(0, s.size(), sumFlops(s, Integer.MAX_VALUE), sumSeconds(s, Integer.MAX_VALUE));
    }

    /** The baseline's best epoch (the first maximum) and its cost up to it. */
    public static Baseline baseline(List<Epoch> baselineRun) {
        List<Epoch> s = sorted(baselineRun);
        Epoch best = best(s);
        if (best == null) throw new InvalidInputException("phase accounting", "the baseline has no epoch with a finite metric");
        return new Baseline(best.epoch(), best.metric(), sumFlops(s, best.epoch()), sumSeconds(s, best.epoch()));
    }

    /**
     * Rule 1: the first epoch of the run's final phase (its highest phase number) whose metric exceeds
     * {@code baseline.bestMetric()}.
     */
    public static Outcome surpass(List<Epoch> run, Baseline baseline) {
        List<Epoch> s = sorted(run);
        int finalPhase = s.get(s.size() - 1).phase();
        for (Epoch e : s) {
            if (e.phase() == finalPhase && e.metric() > baseline.bestMetric()) return outcome(StopRule.SURPASS, s, e, baseline);
        }
        return new Outcome(StopRule.SURPASS, false, 0, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
    }

    /**
     * Rule 2: the run's best epoch (first maximum) within its final phase — coarse-phase metrics are measured on
     * compressed input and are not the model the run delivers.
     */
    public static Outcome converge(List<Epoch> run, Baseline baseline) {
        List<Epoch> s = sorted(run);
        int finalPhase = s.get(s.size() - 1).phase();
        Epoch best = best(s.stream().filter(e -> e.phase() == finalPhase).toList());
        if (best == null) {
            return new Outcome(StopRule.CONVERGE, false, 0, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
        }
        return outcome(StopRule.CONVERGE, s, best, baseline);
    }

    /** The full report of a run against a baseline run. */
    public static Report report(List<Epoch> run, List<Epoch> baselineRun) {
        Baseline b = baseline(baselineRun);
        return new Report(perPhase(run), total(run), b, surpass(run, b), converge(run, b));
    }

    /** {@code 100·(1 − cost/baselineCost)}; NaN when the baseline cost is 0. */
    public static double savingPct(double cost, double baselineCost) {
        return baselineCost > 0 ? 100.0 * (1.0 - cost / baselineCost) : Double.NaN;
    }

    // ------------------------------------------------------------------------------------------ helpers

    private static Outcome outcome(StopRule rule, List<Epoch> s, Epoch stop, Baseline b) {
        double f = sumFlops(s, stop.epoch());
        double t = sumSeconds(s, stop.epoch());
        return new Outcome(rule, true, stop.epoch(), stop.metric(), stop.metric() - b.bestMetric(), f, t,
                savingPct(f, b.flops()), savingPct(t, b.seconds()));
    }

    private static Epoch best(List<Epoch> s) {
        Epoch best = null;
        for (Epoch e : s) {
            if (Double.isNaN(e.metric())) continue;
            if (best == null || e.metric() > best.metric()) best = e;
        }
        return best;
    }

    private static double sumFlops(List<Epoch> s, int upTo) {
        double f = 0;
        for (Epoch e : s) if (e.epoch() <= upTo) f += e.flops();
        return f;
    }

    private static double sumSeconds(List<Epoch> s, int upTo) {
        double t = 0;
        for (Epoch e : s) if (e.epoch() <= upTo) t += e.seconds();
        return t;
    }

    /** Sorted by epoch, validated: non-empty, distinct positive epochs, phases non-decreasing, costs finite ≥ 0. */
    private static List<Epoch> sorted(List<Epoch> run) {
        if (run == null || run.isEmpty()) throw new InvalidInputException("phase accounting", "no epochs");
        List<Epoch> s = new ArrayList<>(run);
        s.sort(Comparator.comparingInt(Epoch::epoch));
        for (int i = 0; i < s.size(); i++) {
            Epoch e = s.get(i);
            if (e.epoch() < 1) throw new InvalidInputException("phase accounting", "epoch numbers start at 1, got " + e.epoch());
            if (!(e.flops() >= 0) || !(e.seconds() >= 0) || Double.isInfinite(e.flops()) || Double.isInfinite(e.seconds())) {
                throw new InvalidInputException("phase accounting", "epoch " + e.epoch() + " has an invalid cost (flops " + e.flops() + ", seconds " + e.seconds() + ")");
            }
            if (i > 0) {
                Epoch p = s.get(i - 1);
                if (p.epoch() == e.epoch()) throw new InvalidInputException("phase accounting", "epoch " + e.epoch() + " appears twice");
                if (e.phase() < p.phase()) {
                    throw new InvalidInputException("phase accounting", "phase goes back from " + p.phase() + " to " + e.phase() + " at epoch " + e.epoch());
                }
            }
        }
        return s;
    }
}
