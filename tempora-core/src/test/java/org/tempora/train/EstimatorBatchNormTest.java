package org.tempora.train;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.tempora.config.ConfigLoader;
import org.tempora.config.ExperimentConfig;
import org.tempora.model.ModelFactory;
import org.tempora.model.TemporaModel;
import org.tempora.data.BatchSource;

/**
 * The trainer tells DiffRes which epoch starts, so {@code resolution.estimator_bn_epochs} decides in how many
 * training steps the estimator's BatchNorm uses (and updates) batch statistics: 3 epochs of 2 steps each.
 */
class EstimatorBatchNormTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @CsvSource({"-1, 6", "0, 0", "1, 2", "2, 4", "5, 6"})
    void runningStatisticsUpdateOnlyInTheBatchStatisticEpochs(int bnEpochs, long trackedBatches) {
        assertThat(batchesTrackedAfterTraining(bnEpochs, Trainer.Phase.single())).isEqualTo(trackedBatches);
    }

    @ParameterizedTest
    @CsvSource({"1, 0", "3, 2", "4, 4", "-1, 6"})
    void aLaterPhaseCountsItsEpochsFromTheRunsStart(int bnEpochs, long trackedBatches) {
        // the phase starts at run epoch 2 (0-based), so N = 3 leaves it one batch-statistic epoch of its three
        assertThat(batchesTrackedAfterTraining(bnEpochs, new Trainer.Phase(2, true, 2, List.of(), 0, null))).isEqualTo(trackedBatches);
    }

    /** Trains a tiny DiffRes model for 3 epochs of 2 steps as {@code phase}; the batches its first BatchNorm counted. */
    private long batchesTrackedAfterTraining(int bnEpochs, Trainer.Phase phase) {
        ExperimentConfig cfg = ConfigLoader.load("demo", null, List.of("backbone.dim=32", "backbone.depth=1", "backbone.heads=2",
                "resolution.kind=diffres", "resolution.reduction=0.5", "resolution.estimator_bn_epochs=" + bnEpochs,
                "train.epochs=3", "train.batch_size=4"));
        try (NDManager m = Engine.getInstance().newBaseManager()) {
            TemporaModel model = ModelFactory.build(cfg, new ModelFactory.Input(64, 64, 4, -6, 5), m);
            BatchSource src = NoLeakTest.random(64, 64, 4);
            new Trainer(cfg, model, src, src, false, new RunFiles(dir), null, phase).fit(false);
            return model.resolution().namedBuffers().get("model.blks.0.batch_norm1.num_batches_tracked").getLong();
        }
    }
}
