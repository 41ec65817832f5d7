package org.tempora.eval;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.tempora.ConfigException;

/**
 * An immutable, ordered set of named FLOP contributions, each of one {@link Kind}. Built by {@link Flops}; combined
 * with {@link #plus}, scaled with {@link #times}, named with {@link #as}. Contributions with the same name are
 * summed (and must be of the same kind). Counts are exact integers ({@code long}; overflow throws).
 *
 * <p>See {@link Flops} and {@code docs/flops.md} for the counting convention.
 */
public final class FlopCount {

    /** What a contribution is, so totals can be compared with counters that count only some of them. */
    public enum Kind {
        /** Convolutions, linear layers, attention matmuls (and sparse matrix products): 2 FLOPs per multiply-accumulate. */
        MATMUL,
        /** The selective-scan recurrence of a Mamba mixer (per-step per-state work, see {@link Flops#mambaMixer}). */
        SCAN,
        /** Normalisations, activations, softmax, bias and residual adds: documented FLOPs per element. */
        ELEMENTWISE
    }

    /** One contribution. */
    public record Term(Kind kind, long flops) {}

    private static final FlopCount ZERO = new FlopCount(new LinkedHashMap<>());
    private final Map<String, Term> terms;

    private FlopCount(LinkedHashMap<String, Term> terms) {
        this.terms = Collections.unmodifiableMap(terms);
    }

    public static FlopCount zero() {
        return ZERO;
    }

    /** A single contribution of {@code flops} FLOPs. */
    public static FlopCount of(String name, Kind kind, long flops) {
        if (name == null || name.isEmpty()) throw new ConfigException("a FLOP contribution needs a name");
        if (flops < 0) throw new ConfigException("negative FLOP count for " + name + ": " + flops);
        LinkedHashMap<String, Term> m = new LinkedHashMap<>();
        m.put(name, new Term(kind, flops));
        return new FlopCount(m);
    }

    /** A matrix-product contribution given in multiply-accumulates: {@code 2 · macs} FLOPs. */
    public static FlopCount macs(String name, long macs) {
        return of(name, Kind.MATMUL, Math.multiplyExact(2L, macs));
    }

    /** An elementwise contribution: {@code elements · flopsPerElement} FLOPs. */
    public static FlopCount elementwise(String name, long elements, long flopsPerElement) {
        return of(name, Kind.ELEMENTWISE, Math.multiplyExact(elements, flopsPerElement));
    }

    /** The sum of both counts; same-named contributions are added. */
    public FlopCount plus(FlopCount other) {
        if (other.terms.isEmpty()) return this;
        if (terms.isEmpty()) return other;
        LinkedHashMap<String, Term> m = new LinkedHashMap<>(terms);
        other.terms.forEach((name, t) -> m.merge(name, t, (a, b) -> {
            if (a.kind() != b.kind()) {
                throw new ConfigException("FLOP contribution '" + name + "' is both " + a.kind() + " and " + b.kind());
            }
            return new Term(a.kind(), Math.addExact(a.flops(), b.flops()));
        }));
        return new FlopCount(m);
    }

    /** Every contribution multiplied by {@code k} (e.g. the depth of a stack of identical blocks). */
    public FlopCount times(long k) {
        if (k < 0) throw new ConfigException("cannot multiply a FLOP count by " + k);
        LinkedHashMap<String, Term> m = new LinkedHashMap<>();
        terms.forEach((name, t) -> m.put(name, new Term(t.kind(), Math.multiplyExact(t.flops(), k))));
        return new FlopCount(m);
    }

    /**
     * Names this count: a single contribution is renamed to {@code name}; several are put under it
     * ({@code x → name.x}).
     */
    public FlopCount as(String name) {
        if (name == null || name.isEmpty()) throw new ConfigException("a FLOP contribution needs a name");
        LinkedHashMap<String, Term> m = new LinkedHashMap<>();
        if (terms.size() == 1) {
            m.put(name, terms.values().iterator().next());
        } else {
            terms.forEach((n, t) -> m.put(name + "." + n, t));
        }
        return new FlopCount(m);
    }

    /** All FLOPs (matmul + scan + elementwise). */
    public long total() {
        long s = 0;
        for (Term t : terms.values()) s = Math.addExact(s, t.flops());
        return s;
    }

    /** FLOPs of one kind. */
    public long total(Kind kind) {
        long s = 0;
        for (Term t : terms.values()) if (t.kind() == kind) s = Math.addExact(s, t.flops());
        return s;
    }

    /** Multiply-accumulates of the matrix products (matmul FLOPs / 2): the "MACs" most papers and tools quote. */
    public long macs() {
        return total(Kind.MATMUL) / 2;
    }

    /** FLOPs of the contributions whose name is {@code prefix} or starts with {@code prefix + "."}. */
    public long totalUnder(String prefix) {
        long s = 0;
        for (Map.Entry<String, Term> e : terms.entrySet()) {
            String n = e.getKey();
            if (n.equals(prefix) || n.startsWith(prefix + ".")) s = Math.addExact(s, e.getValue().flops());
        }
        return s;
    }

    /** FLOPs of the named contribution, 0 if absent. */
    public long get(String name) {
        Term t = terms.get(name);
        return t == null ? 0 : t.flops();
    }

    /** Name → FLOPs, in insertion order. */
    public Map<String, Long> breakdown() {
        Map<String, Long> m = new LinkedHashMap<>();
        terms.forEach((n, t) -> m.put(n, t.flops()));
        return Collections.unmodifiableMap(m);
    }

    /** Name → contribution, in insertion order. */
    public Map<String, Term> terms() {
        return terms;
    }

    /**
     * A summary for report tables: {@code forward_flops}, {@code matmul_flops}, {@code scan_flops} (only when
     * non-zero), {@code elementwise_flops}, {@code macs}, {@code train_step_flops} (≈ {@value Flops#TRAINING_FACTOR}
     * × forward).
     */
    public Map<String, Object> summary() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("forward_flops", total());
        m.put("matmul_flops", total(Kind.MATMUL));
        if (total(Kind.SCAN) > 0) m.put("scan_flops", total(Kind.SCAN));
        m.put("elementwise_flops", total(Kind.ELEMENTWISE));
        m.put("macs", macs());
        m.put("train_step_flops", Math.multiplyExact(total(), (long) Flops.TRAINING_FACTOR));
        return m;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FlopCount f && f.terms.equals(terms);
    }

    @Override
    public int hashCode() {
        return terms.hashCode();
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("FlopCount{total=").append(total());
        terms.forEach((n, t) -> sb.append(", ").append(n).append('=').append(t.flops()));
        return sb.append('}').toString();
    }
}
