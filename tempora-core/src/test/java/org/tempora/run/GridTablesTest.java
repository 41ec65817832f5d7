package org.tempora.run;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.tempora.config.Choices;
import org.tempora.config.ExperimentConfig;
import org.tempora.testing.Fixtures;

/** Every table under tools/grid reads, and every row's config loads and validates, under the convergence rule. */
class GridTablesTest {
    static Stream<Path> tables() throws IOException {
        try (Stream<Path> s = Files.list(Fixtures.repoFile("tools/grid"))) {
            List<Path> l = s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
            assertThat(l).hasSizeGreaterThanOrEqualTo(6);
            return l.stream();
        }
    }

    @ParameterizedTest
    @MethodSource("tables")
    void everyRowLoads(Path file) {
        GridTable t = GridTable.read(file);
        assertThat(t.seeds()).isEqualTo(3);
        for (GridTable.Row r : t.rows()) {
            ExperimentConfig c = t.config(r, 2, "/data/x");
            assertThat(c.seed()).isEqualTo(2);
            assertThat(c.data().path()).isEqualTo("/data/x");
            if (!r.set().contains("train.stop_rule=budget")) {
                assertThat(c.train().stopRule()).as(file + " " + r.name()).isEqualTo(Choices.StopRule.PLATEAU);
            }
        }
    }
}
