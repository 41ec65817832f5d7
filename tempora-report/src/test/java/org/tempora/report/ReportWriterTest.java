package org.tempora.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tempora.ConfigException;
import org.tempora.InvalidInputException;
import org.tempora.eval.EvalResult;
import org.tempora.model.AstConfig;
import org.tempora.tokens.PatchGeometry;

class ReportWriterTest {
    static final List<String> CLASSES = List.of("dog", "<script>alert(1)</script>", "cat & mouse");

    static Map<String, Object> row(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) m.put((String) kv[i], kv[i + 1]);
        return m;
    }

    static ReportData.Builder fabricated() {
        float[][] scores = {{3, 1, 0}, {0, 2, 1}, {0, 1, 4}, {2, 1, 0}, {0, 0, 1}, {1, 3, 0}};
        EvalResult eval = EvalResult.singleLabel(scores, new int[] {0, 1, 2, 0, 2, 2}, 3);
        ReportData.Builder b = ReportData.builder("c2f <fshift> 4→1")
                .createdAt("2025-01-02T03:04:05Z")
                .configText("model:\n  name: ast-tiny\n  note: \"<script>bad()</script>\"\n")
                .dataDigest("sha256:abc123")
                .seed(42)
                .version("tempora", "0.1.0").version("djl", "0.35.1").version("torch", "2.7.1").version("java", "17")
                .evaluation(eval, CLASSES)
                .metric("mAP", 0.459)
                .flops(AstConfig.preset("tiny", PatchGeometry.square(128, 128, 16, 10, 10), 3).flops())
                .timing("examples_per_s", 123.5).timing("latency_ms", 8.1)
                .phaseBoundary(3)
                .note("a note with <b>tags</b>")
                .section(ReportData.Section.text("Extra text", "line 1\n<line 2>"));
        double[] trainLoss = {1.2, 0.9, 0.7, 0.8, 0.5, 0.4};
        for (int e = 1; e <= 6; e++) {
            b.epoch(row("epoch", e, "phase", e < 3 ? "coarse" : "fine", "train_loss", trainLoss[e - 1],
                    "valid_loss", 1.3 - 0.1 * e, "valid_top1", 0.4 + 0.07 * e, "valid_mAP", e == 2 ? null : 0.2 + 0.03 * e,
                    "lr", 1e-4 * Math.pow(0.85, e), "seconds", 12.5 + e));
        }
        return b;
    }

    static void assertPng(Path p, int w, int h) throws IOException {
        assertThat(p).isRegularFile();
        BufferedImage img = ImageIO.read(p.toFile());
        assertThat(img).as("%s decodes", p).isNotNull();
        assertThat(img.getWidth()).as("%s width", p.getFileName()).isEqualTo(w);
        assertThat(img.getHeight()).as("%s height", p.getFileName()).isEqualTo(h);
    }

    static List<String> leftovers(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(".") || n.endsWith(".tmp")).toList();
        }
    }

    @Test
    void writesChartsAndEscapedHtml(@TempDir Path run) throws IOException {
        Path html = ReportWriter.write(run, fabricated().build());
        assertThat(html).isEqualTo(run.resolve("report.html"));
        Path r = run.resolve("report");
        assertPng(r.resolve("curves_loss.png"), 960, 540);
        assertPng(r.resolve("curves_metric.png"), 960, 540);
        assertPng(r.resolve("curves_lr.png"), 960, 540);
        assertPng(r.resolve("confusion.png"), Charts.confusionSize(3).width(), Charts.confusionSize(3).height());
        assertPng(r.resolve("per_class.png"), 960, Charts.barSize(3).height());
        assertThat(leftovers(run)).isEmpty();

        String text = Files.readString(html, StandardCharsets.UTF_8);
        assertThat(text).startsWith("<!DOCTYPE html>").contains("<style>").endsWith("</html>\n");
        // metric values: top1 = 5/6 (only the last example is wrong), mAP as given, FLOPs with thousands separators
        assertThat(text).contains("<th>top1</th><td class=\"num\">0.8333</td>");
        assertThat(text).contains("<th>mAP</th><td class=\"num\">0.4590</td>");
        assertThat(text).contains("<th>forward_flops</th><td class=\"num\">1,780,657,827 (1.781 G)</td>"); // 35-class figure − 32 head columns
        assertThat(text).contains("<th>latency_ms</th><td class=\"num\">8.1000</td>");
        assertThat(text).contains("sha256:abc123").contains("<th>djl version</th><td>0.35.1</td>");
        // images by relative links
        for (String f : List.of("curves_loss.png", "curves_metric.png", "curves_lr.png", "confusion.png", "per_class.png")) {
            assertThat(text).contains("src=\"report/" + f + "\"");
        }
        // escaping: class names, config, title, notes, text sections
        assertThat(text).doesNotContain("<script>").doesNotContain("<b>tags</b>").doesNotContain("<fshift>");
        assertThat(text).contains("&lt;script&gt;alert(1)&lt;/script&gt;")
                .contains("note: &quot;&lt;script&gt;bad()&lt;/script&gt;&quot;")
                .contains("cat &amp; mouse")
                .contains("<h1>c2f &lt;fshift&gt; 4→1</h1>")
                .contains("line 1\n&lt;line 2&gt;");
        assertThat(text).contains("start of a new phase at epoch 3.").contains("<th>examples</th><td class=\"num\">6</td>");
    }

    @Test
    void curvesFollowTheKeysPresentAndStaleChartsAreRemoved(@TempDir Path run) throws IOException {
        ReportWriter.write(run, fabricated().build());
        assertThat(run.resolve("report/curves_lr.png")).exists();

        ReportData plain = ReportData.builder("plain")
                .epoch(row("epoch", 1, "train_loss", 0.9, "seconds", 3.0))
                .epoch(row("epoch", 2, "train_loss", 0.6, "seconds", 3.1))
                .metric("top1", 0.5).build();
        Path html = ReportWriter.write(run, plain);
        assertThat(run.resolve("report/curves_loss.png")).exists();
        assertThat(run.resolve("report/curves_lr.png")).doesNotExist();
        assertThat(run.resolve("report/curves_metric.png")).as("seconds is timing, not a metric").doesNotExist();
        assertThat(run.resolve("report/confusion.png")).doesNotExist();
        assertThat(run.resolve("report/per_class.png")).doesNotExist();
        String text = Files.readString(html);
        assertThat(text).doesNotContain("curves_lr.png").doesNotContain("confusion.png").contains("curves_loss.png");

        ReportWriter.CurveKeys k = ReportWriter.curveKeys(fabricated().build().epochs());
        assertThat(k.loss()).containsExactly("train_loss", "valid_loss");
        assertThat(k.metric()).containsExactly("valid_top1", "valid_mAP");
        assertThat(k.lr()).containsExactly("lr");
    }

    /** Issue #14: top-1 (0–1) and FLOPs (1e11) on one axis made accuracy invisible: one chart per quantity. */
    @Test
    void accuracyHasAChartOfItsOwnAndEveryOtherQuantityToo(@TempDir Path dir) throws IOException {
        List<Map<String, Object>> rows = List.of(
                Map.of("epoch", 1, "valid_top1", 0.41, "test_top1", 0.40, "train_flops", 1.5e11, "tokens", 64.0, "score_std", 0.13),
                Map.of("epoch", 2, "valid_top1", 0.62, "test_top1", 0.60, "train_flops", 1.5e11, "tokens", 64.0, "score_std", 0.08));
        ReportWriter.CurveKeys k = ReportWriter.curveKeys(rows);
        assertThat(k.metric()).containsExactlyInAnyOrder("valid_top1", "test_top1");
        assertThat(k.other()).containsExactlyInAnyOrder("train_flops", "tokens", "score_std");
        ReportData.Builder b = fabricated();
        rows.forEach(b::epoch);
        Path html = ReportWriter.write(dir, b.build());
        for (String f : List.of("curves_metric.png", "curves_train_flops.png", "curves_tokens.png", "curves_score_std.png")) {
            assertThat(dir.resolve("report/" + f)).as(f).exists();
        }
        String text = Files.readString(html);
        assertThat(text.indexOf("curves_metric.png")).as("accuracy first").isLessThan(text.indexOf("curves_loss.png"))
                .isLessThan(text.indexOf("curves_train_flops.png"));
    }

    @Test
    void chartsAreDeterministic(@TempDir Path dir) throws IOException {
        ReportWriter.write(dir.resolve("a"), fabricated().build());
        ReportWriter.write(dir.resolve("b"), fabricated().build());
        for (String f : List.of("curves_loss.png", "curves_metric.png", "confusion.png", "per_class.png")) {
            assertThat(Files.readAllBytes(dir.resolve("a/report/" + f)))
                    .as(f).isEqualTo(Files.readAllBytes(dir.resolve("b/report/" + f)));
        }
        assertThat(Files.readString(dir.resolve("a/report.html"))).isEqualTo(Files.readString(dir.resolve("b/report.html")));
    }

    @Test
    void sectionImagesInsideTheRunAreLinkedAndOutsideAreCopied(@TempDir Path dir) throws IOException {
        Path run = dir.resolve("run");
        Path inside = run.resolve("plots/scores.png");
        Path outside = dir.resolve("elsewhere.png");
        byte[] png = Charts.barChartPng("x", "c", "v", List.of("a"), new double[] {1});
        Files.createDirectories(inside.getParent());
        Files.write(inside, png);
        Files.write(outside, png);
        ReportData d = ReportData.builder("imgs")
                .section(ReportData.Section.image("Inside", Path.of("plots/scores.png"), "rel <caption>"))
                .section(ReportData.Section.image("Outside", outside, null))
                .section(ReportData.Section.html("Trusted", "<p class=\"x\">kept <em>as is</em></p>"))
                .build();
        String text = Files.readString(ReportWriter.write(run, d));
        assertThat(text).contains("src=\"plots/scores.png\"").contains("rel &lt;caption&gt;")
                .contains("src=\"report/section02_elsewhere.png\"").contains("<p class=\"x\">kept <em>as is</em></p>");
        assertThat(Files.readAllBytes(run.resolve("report/section02_elsewhere.png"))).isEqualTo(png);
    }

    @Test
    void explanationSectionsAreDrawnIntoTheReport(@TempDir Path run) throws IOException {
        var e = ExplainChartTest.explanation();
        ReportData d = ReportData.builder("explained")
                .section(ReportData.Section.explanation("DiffRes on clip-a (yes)", e, e.summary().text()))
                .section(ReportData.Section.text("Between", "no picture"))
                .section(ReportData.Section.explanation("DiffRes on clip-b (no)", e, null))
                .build();
        String text = Files.readString(ReportWriter.write(run, d));
        assertThat(text).contains("src=\"report/explain-0.png\"").contains("src=\"report/explain-1.png\"")
                .contains("most resolved").contains("alt=\"DiffRes on clip-b (no)\"");
        for (String png : List.of("report/explain-0.png", "report/explain-1.png")) {
            BufferedImage img = ImageIO.read(run.resolve(png).toFile());
            assertThat(img.getWidth()).isEqualTo(ExplainChart.WIDTH);
            assertThat(img.getHeight()).isEqualTo(ExplainChart.HEIGHT);
        }
        assertThat(run.resolve("report/explain-2.png")).doesNotExist();
        assertThatThrownBy(() -> new ReportData.Section("both", null, Path.of("x.png"), e, null))
                .isInstanceOf(ConfigException.class).hasMessageContaining("one image");
    }

    @Test
    void aFailureWritesNothingAndKeepsThePreviousReport(@TempDir Path run) throws IOException {
        ReportData bad = fabricated().section(ReportData.Section.image("Missing", Path.of("nope.png"), null)).build();
        assertThatThrownBy(() -> ReportWriter.write(run, bad)).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("nope.png");
        try (Stream<Path> s = Files.list(run)) {
            assertThat(s.toList()).as("nothing written").isEmpty();
        }

        ReportWriter.write(run, fabricated().build());
        byte[] before = Files.readAllBytes(run.resolve("report.html"));
        assertThatThrownBy(() -> ReportWriter.write(run, bad)).isInstanceOf(InvalidInputException.class);
        assertThat(Files.readAllBytes(run.resolve("report.html"))).isEqualTo(before);
        assertThat(leftovers(run)).isEmpty();
    }

    @Test
    void dataValidationAndDefensiveCopies() {
        assertThatThrownBy(() -> ReportData.builder(" ").build()).isInstanceOf(ConfigException.class);
        assertThatThrownBy(() -> ReportData.builder("x").confusion(new int[][] {{1, 0}, {0, 1}})
                .classNames(List.of("only one")).build()).isInstanceOf(InvalidInputException.class);
        int[][] m = {{1, 0}, {0, 1}};
        ReportData d = ReportData.builder("x").confusion(m).build();
        m[0][0] = 99;
        assertThat(d.confusion()[0][0]).isEqualTo(1);
        assertThat(d.resolvedClassNames()).containsExactly("0", "1");
        assertThat(d.metrics()).isEmpty();
    }

    @Test
    void formatting() {
        assertThat(Html.format(0.459)).isEqualTo("0.4590");
        assertThat(Html.format(1.5e-5)).isEqualTo("1.500e-05");
        assertThat(Html.format(Double.NaN)).isEqualTo("NaN");
        assertThat(Html.format(2_500_000L)).isEqualTo("2,500,000 (2.500 M)");
        assertThat(Html.format(42)).isEqualTo("42");
        assertThat(Html.escape("<a href='x'>\"&\"</a>")).isEqualTo("&lt;a href=&#39;x&#39;&gt;&quot;&amp;&quot;&lt;/a&gt;");
    }
}
