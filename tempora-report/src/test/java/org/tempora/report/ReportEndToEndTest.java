package org.tempora.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tempora.config.ConfigLoader;
import org.tempora.config.ExperimentConfig;
import org.tempora.run.Experiment;
import org.tempora.run.RunListener;
import org.tempora.train.RunFiles;

/**
 * With this module on the class path, a finished run gets its report through {@link RunReporter}'s service lookup:
 * report.html with the curves (across a coarse-to-fine phase boundary), the test metrics and the confusion matrix.
 */
class ReportEndToEndTest {
    @TempDir
    Path tmp;

    @Test
    void aFinishedRunHasItsReport() throws IOException {
        assertThat(RunReporter.available()).hasAtLeastOneElementOfType(HtmlRunReporter.class);
        ExperimentConfig cfg = ConfigLoader.load("demo", null, List.of(
                "data.synthetic.classes=4", "data.synthetic.clips_per_class=30", "train.epochs=3",
                "backbone.dim=32", "backbone.depth=1", "backbone.heads=2", "train.batch_size=16",
                "train.schedule.warmup_steps=5", "name=report", "train.phases=[{method: fshift, factor: 2, epochs: 1}, {factor: 1}]"));
        Experiment.Summary s = Experiment.train(cfg, new Experiment.Options(tmp.resolve("run"), tmp.resolve("cache"), false, true, 2),
                new RunListener() {});
        RunFiles run = s.run();
        assertThat(run.report()).exists();
        for (String png : List.of("report/confusion.png", "report/curves_loss.png")) assertThat(run.dir().resolve(png)).exists();
        String html = Files.readString(run.report());
        assertThat(html).contains("Training curves").contains("top1").contains("confusion.png");
    }
}
