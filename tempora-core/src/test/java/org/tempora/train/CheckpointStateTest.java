package org.tempora.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tempora.InvalidInputException;

/** The typed checkpoint state: round trip, files from before the phase fields, and a damaged file named. */
class CheckpointStateTest {
    @TempDir
    Path dir;

    @Test
    void roundTripsAndReadsOlderFiles() throws IOException {
        RunFiles run = new RunFiles(dir);
        Files.createDirectories(run.lastState().getParent());
        assertThat(CheckpointState.read(run)).isEqualTo(CheckpointState.NONE);
        EpochRecord r = new EpochRecord(1, 2, 1.5, 1.25, 0.5, "top1", 1e-3, 3.0, 100.0, Map.of("tokens", 17.0));
        CheckpointState s = new CheckpointState(3, 2, 1, false, 2, 0.75, 12.5, 96, List.of(r));
        s.write(run);
        assertThat(CheckpointState.read(run)).isEqualTo(s);
        // one phase, written before phases existed: its epochs are the run's
        Files.writeString(run.lastState(), "{\"epochs_done\": 4, \"best_epoch\": 3, \"best_metric\": 0.5, \"history\": []}");
        CheckpointState old = CheckpointState.read(run);
        assertThat(old.phase()).isEqualTo(1);
        assertThat(old.phaseEpochsDone()).isEqualTo(4);
        assertThat(old.phaseFinished()).isFalse();
        Files.writeString(run.lastState(), "{\"epochs_done\": ");
        assertThatThrownBy(() -> CheckpointState.read(run)).isInstanceOf(InvalidInputException.class)
                .hasMessageStartingWith(run.lastState() + ": damaged checkpoint state: ");
    }
}
