package org.tempora.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.function.DoubleUnaryOperator;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Assume;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

class MetricsPropertiesTest {

    /** One example of a binary problem: an integer-valued score (so ties are common) and its target. */
    record Example(int score, boolean positive) {}

    @Provide
    Arbitrary<List<Example>> examples() {
        return Combinators.combine(Arbitraries.integers().between(-50, 50), Arbitraries.of(true, false))
                .as(Example::new).list().ofMinSize(1).ofMaxSize(80);
    }

    @Provide
    Arbitrary<List<Example>> distinctExamples() {
        return examples().filter(l -> l.stream().map(Example::score).distinct().count() == l.size());
    }

    static float[] scores(List<Example> l, DoubleUnaryOperator f) {
        float[] s = new float[l.size()];
        for (int i = 0; i < s.length; i++) s[i] = (float) f.applyAsDouble(l.get(i).score());
        return s;
    }

    static boolean[] targets(List<Example> l) {
        boolean[] t = new boolean[l.size()];
        for (int i = 0; i < t.length; i++) t[i] = l.get(i).positive();
        return t;
    }

    static boolean hasBothClasses(List<Example> l) {
        return l.stream().anyMatch(Example::positive) && l.stream().anyMatch(e -> !e.positive());
    }

    @Property(tries = 300)
    void apAndAucLieInTheUnitInterval(@ForAll("examples") List<Example> l) {
        Assume.that(hasBothClasses(l));
        double ap = Metrics.averagePrecision(scores(l, x -> x), targets(l));
        double auc = Metrics.rocAuc(scores(l, x -> x), targets(l));
        assertThat(ap).isBetween(0.0, 1.0);
        assertThat(auc).isBetween(0.0, 1.0);
    }

    @Property(tries = 200)
    void separatedClassesGiveApAndAucOne(@ForAll("examples") List<Example> l) {
        Assume.that(hasBothClasses(l));
        // move every positive above every negative: score + 200
        float[] s = scores(l, x -> x);
        boolean[] t = targets(l);
        for (int i = 0; i < s.length; i++) if (t[i]) s[i] += 200;
        assertThat(Metrics.averagePrecision(s, t)).isEqualTo(1.0);
        assertThat(Metrics.rocAuc(s, t)).isEqualTo(1.0);
    }

    @Property(tries = 300)
    void reversingScoresWithoutTiesGivesOneMinusAuc(@ForAll("distinctExamples") List<Example> l) {
        Assume.that(hasBothClasses(l));
        double auc = Metrics.rocAuc(scores(l, x -> x), targets(l));
        double rev = Metrics.rocAuc(scores(l, x -> -x), targets(l));
        assertThat(rev).isCloseTo(1 - auc, within(1e-12));
    }

    @Property(tries = 200)
    void meanApAndAucAreInvariantUnderMonotoneTransforms(@ForAll("examples") List<Example> l,
                                                         @ForAll @IntRange(min = 0, max = 3) int which) {
        Assume.that(hasBothClasses(l));
        // strictly increasing maps that stay injective on the integer grid in float precision
        DoubleUnaryOperator f = switch (which) {
            case 0 -> x -> 1 / (1 + Math.exp(-x / 10));
            case 1 -> x -> 3 * x - 7;
            case 2 -> x -> Math.exp(x / 20);
            default -> x -> x * x * x;
        };
        int n = l.size();
        float[][] a = new float[n][2];
        float[][] b = new float[n][2];
        boolean[][] t = new boolean[n][2];
        float[] s0 = scores(l, x -> x);
        float[] s1 = scores(l, f);
        for (int i = 0; i < n; i++) {
            a[i][0] = s0[i];
            b[i][0] = s1[i];
            a[i][1] = s0[n - 1 - i];             // a second class: same scores against shifted targets
            b[i][1] = s1[n - 1 - i];
            t[i][0] = l.get(i).positive();
            t[i][1] = l.get((i + 1) % n).positive();
        }
        assertThat(Metrics.meanAveragePrecision(b, t).mean())
                .isCloseTo(Metrics.meanAveragePrecision(a, t).mean(), within(1e-12));
        assertThat(Metrics.meanAuc(b, t).mean()).isCloseTo(Metrics.meanAuc(a, t).mean(), within(1e-12));
    }

    @Property(tries = 200)
    void aucEqualsPairCountingDefinition(@ForAll("examples") List<Example> l) {
        Assume.that(hasBothClasses(l));
        double wins = 0;
        long pairs = 0;
        for (Example p : l) {
            if (!p.positive()) continue;
            for (Example q : l) {
                if (q.positive()) continue;
                pairs++;
                if (p.score() > q.score()) wins += 1;
                else if (p.score() == q.score()) wins += 0.5;
            }
        }
        assertThat(Metrics.rocAuc(scores(l, x -> x), targets(l))).isCloseTo(wins / pairs, within(1e-12));
    }
}
