package org.tempora.train;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonProcessingException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.List;
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
        @JsonProperty("history") List<EpochRecord> history) {

    /** The state of a run with no checkpoint yet: phase 1, nothing done. */
    public static final CheckpointState NONE = new CheckpointState(0, 1, 0, false, -1, Double.NEGATIVE_INFINITY, 0, 0, List.of());

    public CheckpointState {
        history = List.copyOf(history);
    }

    /** Reads files written before the phase fields existed too (one phase; its epochs are all epochs). */
    @JsonCreator
    static CheckpointState of(@JsonProperty("epochs_done") Integer epochsDone, @JsonProperty("phase") Integer phase,
                              @JsonProperty("phase_epochs_done") Integer phaseEpochsDone,
                              @JsonProperty("phase_finished") Boolean phaseFinished, @JsonProperty("best_epoch") Integer bestEpoch,
                              @JsonProperty("best_metric") Double bestMetric, @JsonProperty("train_seconds") Double trainSeconds,
                              @JsonProperty("optimizer_steps") Long optimizerSteps, @JsonProperty("history") List<EpochRecord> history) {
        if (epochsDone == null || history == null) throw new IllegalArgumentException("epochs_done and history are required");
        return new CheckpointState(epochsDone, phase == null ? 1 : phase, phaseEpochsDone == null ? epochsDone : phaseEpochsDone,
                phaseFinished != null && phaseFinished, bestEpoch == null ? -1 : bestEpoch,
                bestMetric == null ? Double.NEGATIVE_INFINITY : bestMetric, trainSeconds == null ? 0 : trainSeconds,
                optimizerSteps == null ? 0 : optimizerSteps, history);
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
