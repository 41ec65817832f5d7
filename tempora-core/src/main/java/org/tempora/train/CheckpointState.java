package org.tempora.train;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonProcessingException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.tempora.InvalidInputException;

/**
 * Where a run's last checkpoint stands ({@code checkpoints/last.json}, written after the weights and the optimiser
 * state, so it commits them): the phase and the epochs done overall and within it, the best epoch so far, time, the
 * optimiser's step count and the learning curve. One typed record, read and written only here.
 *
 * @param epochsDone       epochs done over all phases
 * @param phase            1-based coarse-to-fine phase of the checkpoint
 * @param phaseEpochsDone  epochs done within that phase
 * @param phaseFinished    the phase ended (a plateau switch or its last epoch)
 * @param bestEpoch        best validation epoch so far (-1: none)
 * @param bestMetric       its validation metric
 * @param trainSeconds     training time so far
 * @param optimizerSteps   optimiser steps taken
 * @param history          one row per epoch done
 * @param model            the weights file in {@code checkpoints/} this state goes with (null: {@code last.npz}, as
 *                         written before checkpoints were versioned)
 * @param optimizer        the optimiser-state file that goes with it (null: {@code last-optimizer.npz})
 * @param epochProgress    where a stopped run was inside its next epoch (null: at an epoch boundary)
 */
public record CheckpointState(
        @JsonProperty("epochs_done") int epochsDone,
        @JsonProperty("phase") int phase,
        @JsonProperty("phase_epochs_done") int phaseEpochsDone,
        @JsonProperty("phase_finished") boolean phaseFinished,
        @JsonProperty("best_epoch") int bestEpoch,
        @JsonProperty("best_metric") double bestMetric,
        @JsonProperty("train_seconds") double trainSeconds,
        @JsonProperty("optimizer_steps") long optimizerSteps,
        @JsonProperty("history") List<EpochRecord> history,
        @JsonProperty("model") String model,
        @JsonProperty("optimizer") String optimizer,
        @JsonProperty("epoch_progress") EpochProgress epochProgress) {

    /** The state of a run with no checkpoint yet: phase 1, nothing done. */
    public static final CheckpointState NONE = new CheckpointState(0, 1, 0, false, -1, Double.NEGATIVE_INFINITY, 0, 0, List.of());

    public CheckpointState {
        history = List.copyOf(history);
    }

    /** A state at an epoch boundary, with the unversioned file names. */
    public CheckpointState(int epochsDone, int phase, int phaseEpochsDone, boolean phaseFinished, int bestEpoch, double bestMetric,
                           double trainSeconds, long optimizerSteps, List<EpochRecord> history) {
        this(epochsDone, phase, phaseEpochsDone, phaseFinished, bestEpoch, bestMetric, trainSeconds, optimizerSteps, history, null, null, null);
    }

    /**
     * How far a stopped run got into its next epoch: the optimiser steps done, the running sums its epoch record is
     * made of, the time spent and the count of skipped steps in a row, so the epoch continues as if never stopped.
     */
    public record EpochProgress(@JsonProperty("steps") int steps, @JsonProperty("loss_sum") double lossSum,
                                @JsonProperty("seen") int seen, @JsonProperty("extra_sums") Map<String, Double> extraSums,
                                @JsonProperty("seconds") double seconds, @JsonProperty("consecutive_skips") int consecutiveSkips) {
        public EpochProgress {
            extraSums = extraSums == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(extraSums));
        }
    }

    /** The weights file of this state. */
    public Path modelFile(RunFiles run) {
        return model == null ? run.lastModel() : run.checkpoints().resolve(model);
    }

    /** The optimiser-state file of this state. */
    public Path optimizerFile(RunFiles run) {
        return optimizer == null ? run.lastOptimizer() : run.checkpoints().resolve(optimizer);
    }

    /** Reads files written before the phase fields existed too (one phase; its epochs are all epochs). */
    @JsonCreator
    static CheckpointState of(@JsonProperty("epochs_done") Integer epochsDone, @JsonProperty("phase") Integer phase,
                              @JsonProperty("phase_epochs_done") Integer phaseEpochsDone,
                              @JsonProperty("phase_finished") Boolean phaseFinished, @JsonProperty("best_epoch") Integer bestEpoch,
                              @JsonProperty("best_metric") Double bestMetric, @JsonProperty("train_seconds") Double trainSeconds,
                              @JsonProperty("optimizer_steps") Long optimizerSteps, @JsonProperty("history") List<EpochRecord> history,
                              @JsonProperty("model") String model, @JsonProperty("optimizer") String optimizer,
                              @JsonProperty("epoch_progress") EpochProgress epochProgress) {
        if (epochsDone == null || history == null) throw new IllegalArgumentException("epochs_done and history are required");
        return new CheckpointState(epochsDone, phase == null ? 1 : phase, phaseEpochsDone == null ? epochsDone : phaseEpochsDone,
                phaseFinished != null && phaseFinished, bestEpoch == null ? -1 : bestEpoch,
                bestMetric == null ? Double.NEGATIVE_INFINITY : bestMetric, trainSeconds == null ? 0 : trainSeconds,
                optimizerSteps == null ? 0 : optimizerSteps, history, model, optimizer, epochProgress);
    }

    /** The run's last checkpoint state, or {@link #NONE}. @throws InvalidInputException if the file is damaged */
    public static CheckpointState read(RunFiles run) {
        if (!Files.exists(run.lastState())) return NONE;
        try {
            return RunFiles.JSON.readValue(run.lastState().toFile(), CheckpointState.class);
        } catch (JsonProcessingException e) {
            throw new InvalidInputException(run.lastState(), "damaged checkpoint state: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + run.lastState() + ": " + e.getMessage(), e);
        }
    }

    /** Writes it (atomically) as the run's last checkpoint state. */
    public void write(RunFiles run) {
        run.writeJson(run.lastState(), this);
    }
}
