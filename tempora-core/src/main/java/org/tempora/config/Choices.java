package org.tempora.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;
import org.tempora.ConfigException;

/**
 * The config's closed choices as enums, written in configs by their lower-case key ({@code adamw}, {@code cosine}):
 * Jackson binds them, so a typo fails when the config is loaded, naming the key and the choices.
 */
public final class Choices {
    private Choices() {}

    static <E extends Enum<E>> E parse(Class<E> type, String what, String value) {
        for (E e : type.getEnumConstants()) if (e.name().toLowerCase(Locale.ROOT).equals(value == null ? null : value.strip())) return e;
        throw new ConfigException((value == null ? "null" : "'" + value + "'") + " (expected "
                + Arrays.stream(type.getEnumConstants()).map(e -> e.name().toLowerCase(Locale.ROOT)).collect(Collectors.joining(", ")) + ")");
    }

    /** {@code train.optimizer}: Adam with L2 weight decay (as AST) or AdamW (decoupled). */
    public enum Optimizer {
        ADAM, ADAMW;

        @JsonValue
        public String key() {
            return name().toLowerCase(Locale.ROOT);
        }

        @JsonCreator
        public static Optimizer parse(String s) {
            return Choices.parse(Optimizer.class, "train.optimizer", s);
        }
    }

    /** {@code train.loss}: cross-entropy, binary cross-entropy, or by the data (BCE for multi-label). */
    public enum Loss {
        AUTO, CE, BCE;

        @JsonValue
        public String key() {
            return name().toLowerCase(Locale.ROOT);
        }

        @JsonCreator
        public static Loss parse(String s) {
            return Choices.parse(Loss.class, "train.loss", s);
        }
    }

    /** {@code train.schedule.kind}: AST's multistep decay, cosine, or constant (after the warm-up). */
    public enum Schedule {
        MULTISTEP, COSINE, CONSTANT;

        @JsonValue
        public String key() {
            return name().toLowerCase(Locale.ROOT);
        }

        @JsonCreator
        public static Schedule parse(String s) {
            return Choices.parse(Schedule.class, "train.schedule.kind", s);
        }
    }

    /** {@code eval.select}: the final weights are the best validation epoch's or the last epoch's. */
    public enum Select {
        BEST, LAST;

        @JsonValue
        public String key() {
            return name().toLowerCase(Locale.ROOT);
        }

        @JsonCreator
        public static Select parse(String s) {
            return Choices.parse(Select.class, "eval.select", s);
        }
    }

    /** {@code train.phase_switch}: a coarse phase ends after its planned epochs, or on a validation plateau. */
    public enum PhaseSwitch {
        FIXED, PLATEAU;

        @JsonValue
        public String key() {
            return name().toLowerCase(Locale.ROOT);
        }

        @JsonCreator
        public static PhaseSwitch parse(String s) {
            return Choices.parse(PhaseSwitch.class, "train.phase_switch", s);
        }
    }

    /** {@code train.stop_rule}: the final phase runs its budget, or stops once it surpasses the baseline's metric. */
    public enum StopRule {
        BUDGET, SURPASS;

        @JsonValue
        public String key() {
            return name().toLowerCase(Locale.ROOT);
        }

        @JsonCreator
        public static StopRule parse(String s) {
            return Choices.parse(StopRule.class, "train.stop_rule", s);
        }
    }
}
