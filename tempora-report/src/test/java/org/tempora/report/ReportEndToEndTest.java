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

    /**
     * A DiffRes run with {@code eval.explain_clips}: activeness logged per epoch in train mode and in eval mode, the same
     * two test clips explained after the first and the last epoch (per-frame data saved by the core), and the report
     * drawing those pictures plus the final model's.
     */
    @Test
    void aDiffResRunLogsBothActivenessesAndExplainsFixedClipsAtTheFirstAndLastEpoch() throws IOException {
        ExperimentConfig cfg = ConfigLoader.load("demo", null, List.of(
                "data.synthetic.classes=3", "data.synthetic.clips_per_class=8", "train.epochs=2",
                "backbone.dim=16", "backbone.depth=1", "backbone.heads=2", "train.batch_size=8", "train.schedule.warmup_steps=2",
                "resolution.kind=diffres", "resolution.reduction=0.5", "eval.explain_clips=2", "name=diffres"));
        Experiment.Summary s = Experiment.train(cfg, new Experiment.Options(tmp.resolve("dr"), tmp.resolve("cache"), false, false, 2),
                new RunListener() {});
        RunFiles run = s.run();
        var rows = RunFiles.JSON.readTree(run.metricsJson().toFile());
        assertThat(rows).hasSize(2);
        for (var r : rows) {
            assertThat(r.get("activeness").isNumber()).isTrue();
            assertThat(r.get("eval_activeness").isNumber()).isTrue();
            assertThat(r.get("eval_score_std").asDouble()).isBetween(0.0, 1.0);
            assertThat(r.get("eval_empty_clips").asDouble()).isBetween(0.0, 1.0);
        }
        assertThat(Experiment.explainFile(run, 1)).exists();
        assertThat(Experiment.explainFile(run, 2)).exists();
        assertThat(Experiment.explainFile(run, 3)).doesNotExist();
        var first = RunFiles.JSON.readTree(Experiment.explainFile(run, 1).toFile());
        var last = RunFiles.JSON.readTree(Experiment.explainFile(run, 2).toFile());
        assertThat(first).hasSize(2);
        for (int i = 0; i < 2; i++) {
            assertThat(last.get(i).get("clip")).as("the same clips at both epochs").isEqualTo(first.get(i).get("clip"));
            var e = last.get(i).get("explanation");
            double sum = 0;
            for (var v : e.get("score")) sum += v.asDouble();
            assertThat(e.get("score")).hasSize(e.get("frames").asInt());
            assertThat(sum).as("the normalised scores spend the t output frames").isCloseTo(e.get("outFrames").asDouble(),
                    org.assertj.core.data.Offset.offset(1e-3));
        }
        assertThat(last.get(0).get("explanation").get("score")).as("the estimator trained between the two pictures")
                .isNotEqualTo(first.get(0).get("explanation").get("score"));
        assertThat(run.tracked()).contains("explain/", "explain/epoch-001.json", "explain/epoch-002.json");
        String html = Files.readString(run.report());
        assertThat(html).contains("DiffRes after epoch 1 on ").contains("DiffRes after epoch 2 on ")
                .contains("eval_activeness: eval mode on the validation split");
        // 2 clips × 2 epochs, then the final model's explanation of one validation clip per class (3 classes)
        for (int k = 0; k < 7; k++) assertThat(run.dir().resolve("report/explain-" + k + ".png")).exists();
    }
}
