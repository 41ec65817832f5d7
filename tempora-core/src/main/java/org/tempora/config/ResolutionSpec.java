package org.tempora.config;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;

/**
 * The {@code resolution} section (the temporal resolution stage between features and tokens): one record per
 * {@code kind}. {@link None} passes the spectrogram unchanged; {@link Pooling} is every fixed baseline (avgpool,
 * maxpool, avgmax, energypool, uniform, spectral, fshift: a reduction rate and nothing else); {@link DiffRes} is the learned
 * stage. Another kind registers its record with {@link Kinds#registerResolution}.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, include = JsonTypeInfo.As.EXISTING_PROPERTY, property = "kind", visible = true)
public interface ResolutionSpec {
    String kind();

    /** Dimension-reduction rate δ: the stage outputs t = int(T·(1−δ)) frames (0 for {@code none}). */
    double reduction();

    /** Problems with this section's values, each naming its key; empty when valid. */
    default List<String> problems() {
        List<String> p = new ArrayList<>();
        if (!(reduction() >= 0 && reduction() < 1)) p.add("bad value for 'resolution.reduction': " + reduction() + " (must be in [0, 1))");
        return p;
    }

    /** No stage: the model sees every frame. */
    record None(String kind) implements ResolutionSpec {
        public static final None DEFAULTS = new None("none");

        @JsonIgnore
        @Override
        public double reduction() {
            return 0;
        }
    }

    /** A fixed, parameter-free stage named by its kind (avgpool, maxpool, avgmax, energypool, uniform, spectral, fshift). */
    record Pooling(String kind, double reduction) implements ResolutionSpec {
        public static Pooling defaults(String kind) {
            return new Pooling(kind, 0.0);
        }
    }

    /**
     * DiffRes (Liu et al. 2024).
     *
     * @param channels    output channels, any of avg, logavg, max, pos (order kept)
     * @param learnPosEmb learn the resolution-encoding table instead of keeping it fixed
     * @param maxpool     the max channel: "reference" (pydiffres grouping) or "exact" (max_j W·E)
     * @param estimatorBnEpochs for how many epochs of training the estimator's BatchNorm normalises with batch
     *                    statistics (and updates its running statistics); from then on training uses the frozen running
     *                    statistics, as evaluation does. -1 (the default, as the reference): every epoch
     */
    record DiffRes(String kind, double reduction, List<String> channels, boolean learnPosEmb, String maxpool,
                   int estimatorBnEpochs) implements ResolutionSpec {
        public static final DiffRes DEFAULTS = new DiffRes("diffres", 0.0, List.of("avg", "max", "pos"), false, "reference", -1);

        public DiffRes {
            channels = channels == null ? null : List.copyOf(channels);
        }

        @Override
        public List<String> problems() {
            List<String> p = new ArrayList<>(ResolutionSpec.super.problems());
            if (channels == null || channels.isEmpty()) p.add("resolution.channels must name at least one of avg, logavg, max, pos");
            else {
                for (int i = 0; i < channels.size(); i++) {
                    if (!List.of("avg", "logavg", "max", "pos").contains(channels.get(i))) {
                        p.add("bad value for 'resolution.channels[" + i + "]': '" + channels.get(i) + "' (expected avg, logavg, max, pos)");
                    }
                }
                if (new HashSet<>(channels).size() != channels.size()) p.add("resolution.channels repeats a channel: " + channels);
            }
            if (!List.of("reference", "exact").contains(maxpool)) {
                p.add("bad value for 'resolution.maxpool': " + (maxpool == null ? "null" : "'" + maxpool + "'") + " (expected reference, exact)");
            }
            if (estimatorBnEpochs < -1) {
                p.add("bad value for 'resolution.estimator_bn_epochs': " + estimatorBnEpochs + " (must be >= 0, or -1 for every epoch)");
            }
            return p;
        }
    }
}
