package org.tempora.config;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;
import org.tempora.ConfigException;

/**
 * The config's closed choices as enums, written in configs by their lower-case key ({@code adamw}, {@code cosine}):
 * Jackson binds them through {@link Choice#key()}, so a typo fails when the config is loaded, and
 * {@link ConfigLoader} names the key and the choices.
 */
public final class Choices {
    private Choices() {}

    /** An enum constant as configs write it. */
    public interface Choice {
        String name();

        @JsonValue
        default String key() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** The constant of {@code type} whose key is {@code value}. @throws ConfigException listing the keys otherwise */
    public static <E extends Enum<E> & Choice> E parse(Class<E> type, String value) {
        for (E e : type.getEnumConstants()) if (e.key().equals(value == null ? null : value.strip())) return e;
        throw new ConfigException((value == null ? "null" : "'" + value + "'") + " (expected " + keys(type) + ")");
    }

    /** "adam, adamw": the keys of an enum, in declaration order. */
    static String keys(Class<?> type) {
        return Arrays.stream(type.getEnumConstants()).map(e -> ((Enum<?>) e).name().toLowerCase(Locale.ROOT))
                .collect(Collectors.joining(", "));
    }

    /** {@code tokens.kind}: square (or rectangular) patches, or full-frequency temporal patches (FFTP). */
    public enum Tokens implements Choice { SQUARE, RECT, FFTP }

    /** {@code train.optimizer}: Adam with L2 weight decay (as AST) or AdamW (decoupled). */
    public enum Optimizer implements Choice { ADAM, ADAMW }

    /** {@code train.loss}: cross-entropy, binary cross-entropy, or by the data (BCE for multi-label). */
    public enum Loss implements Choice { AUTO, CE, BCE }

    /** {@code train.schedule.kind}: AST's multistep decay, cosine, or constant (after the warm-up). */
    public enum Schedule implements Choice { MULTISTEP, COSINE, CONSTANT }

    /** {@code eval.select}: the final weights are the best validation epoch's or the last epoch's. */
    public enum Select implements Choice { BEST, LAST }

    /** {@code train.phase_switch}: a coarse phase ends after its planned epochs, or on a validation plateau. */
    public enum PhaseSwitch implements Choice { FIXED, PLATEAU }

    /**
     * {@code train.stop_rule}: the final phase runs its budget, stops once it surpasses the baseline's metric, or stops on
     * a validation plateau (the convergence rule).
     */
    public enum StopRule implements Choice { BUDGET, SURPASS, PLATEAU }
}
