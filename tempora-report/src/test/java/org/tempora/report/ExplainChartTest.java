package org.tempora.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.awt.Color;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tempora.TemporaException;
import org.tempora.explain.Explainer;
import org.tempora.resolution.DiffRes;

/** The explain picture of a hand-made explanation: size, atomic writing, and what the four panels show. */
class ExplainChartTest {
    static final int T = 200;
    static final int F = 40;
    static final int OUT = 100;
    static final int VALID = 176;
    static final double SHIFT = 0.01;
    /** Input frames [0, 60): noise over a spectral tilt; [60, 100): silence, merged; [100, 176): a tone; then padding. */
    static final int SILENCE_START = 60;
    static final int SILENCE_END = 100;

    /** A DiffRes explanation with known content; the summary and boundaries come from the core's own functions. */
    static Explainer.Explanation explanation() {
        float[] x = new float[T * F];
        float[] s = new float[T];
        for (int j = 0; j < T; j++) {
            for (int f = 0; f < F; f++) {
                double v;
                if (j >= VALID) v = 0;
                else if (j < SILENCE_START) v = 4 - 8.0 * f / F + ((j * 7 + f * 13) % 5) * 0.5;
                else if (j < SILENCE_END) v = -15.9;
                else v = f == 8 ? 6 : -12;
                x[j * F + f] = (float) v;
            }
            s[j] = j >= VALID ? 0.02f : j < SILENCE_START ? 0.7f : j < SILENCE_END ? 0.05f : 0.6f;
        }
        double sum = 0;
        for (float v : s) sum += v;
        for (int j = 0; j < T; j++) s[j] = (float) (s[j] * OUT / sum); // Σ s = t, every s ≤ 1
        double[] b = Explainer.boundaries(s, OUT);
        float[] out = new float[OUT * F];
        for (int i = 0; i < OUT; i++) {
            int j = Math.min(T - 1, (int) ((b[i] + b[i + 1]) / 2));
            System.arraycopy(x, j * F, out, i * F, F);
        }
        return new Explainer.Explanation(T, F, OUT, x, s, out, DiffRes.Channel.AVG, b, Explainer.summarise("diffres δ=0.5 (avg+max)", s, OUT, VALID, SHIFT));
    }

    @Test
    void writesAPngOfTheDocumentedSizeAndLeavesNoTemporaryFile(@TempDir Path dir) throws Exception {
        Path png = dir.resolve("sub/x.png");
        ExplainChart.writePng(explanation(), png);
        BufferedImage img = ImageIO.read(png.toFile());
        assertThat(img).as("PNG decodes").isNotNull();
        assertThat(img.getWidth()).isEqualTo(ExplainChart.WIDTH).isEqualTo(1000);
        assertThat(img.getHeight()).isEqualTo(ExplainChart.HEIGHT).isEqualTo(800);
        try (var files = Files.list(png.getParent())) {
            assertThat(files.toList()).containsExactly(png);
        }
    }

    @Test
    void writingUnderARegularFileFailsAndLeavesNothingBehind(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("not-a-folder"), "x");
        Path png = file.resolve("x.png");
        assertThatThrownBy(() -> ExplainChart.writePng(explanation(), png))
                .isInstanceOf(TemporaException.class).hasMessageContaining(png.toString());
        try (var files = Files.list(dir)) {
            assertThat(files.toList()).containsExactly(file);
        }
        assertThat(Files.readString(file)).isEqualTo("x");
    }

    @Test
    void thePanelsAreStackedWithAlignedPlotAreas() {
        List<Rectangle2D> areas = new ArrayList<>();
        BufferedImage img = ExplainChart.render(explanation(), areas);
        assertThat(img.getWidth()).isEqualTo(ExplainChart.WIDTH);
        assertThat(img.getHeight()).isEqualTo(ExplainChart.HEIGHT);
        assertThat(areas).hasSize(4);
        for (int k = 0; k < 4; k++) {
            Rectangle2D a = areas.get(k);
            assertThat(a.getHeight()).as("panel %d height", k).isGreaterThan(40);
            assertThat(a.getMinX()).as("panel %d left", k).isCloseTo(areas.get(0).getMinX(), within(1.0));
            assertThat(a.getMaxX()).as("panel %d right", k).isCloseTo(areas.get(0).getMaxX(), within(1.0));
            assertThat(a.getMaxY()).isLessThanOrEqualTo(ExplainChart.HEIGHT);
            if (k > 0) assertThat(a.getMinY()).as("panel %d below panel %d", k, k - 1).isGreaterThan(areas.get(k - 1).getMaxY());
        }
        assertThat(areas.get(0).getMinY()).as("room for the title and caption").isGreaterThan(30);
    }

    @Test
    void heatMapsAreViridisWithMergedFramesShadedAndPaddingGrey() {
        List<Rectangle2D> areas = new ArrayList<>();
        BufferedImage img = ExplainChart.render(explanation(), areas);
        for (int panel : new int[] {0, 3}) {
            Set<Integer> colours = new HashSet<>();
            Map<Integer, Double> seen = new HashMap<>();
            double lo = 1;
            double hi = 0;
            Rectangle2D a = areas.get(panel);
            for (int y = (int) a.getMinY() + 2; y < a.getMaxY() - 2; y++) {
                for (int x = (int) a.getMinX() + 2; x < a.getMaxX() - 2; x++) {
                    int rgb = img.getRGB(x, y) & 0xffffff;
                    double u = seen.computeIfAbsent(rgb, ExplainChartTest::viridisPosition);
                    if (u < 0) continue;
                    colours.add(rgb);
                    lo = Math.min(lo, u);
                    hi = Math.max(hi, u);
                }
            }
            assertThat(colours).as("viridis colours in panel %d", panel).hasSizeGreaterThanOrEqualTo(2);
            assertThat(lo).as("darkest viridis colour in panel %d", panel).isLessThan(0.25);
            assertThat(hi).as("brightest viridis colour in panel %d", panel).isGreaterThan(0.75);
        }
        Rectangle2D in = areas.get(0);
        int midY = (int) in.getCenterY();
        // silence is the bottom of the colour range (dark violet), lightened by the white shade of merged frames
        Color merged = new Color(img.getRGB(xOf(in, (SILENCE_START + SILENCE_END) / 2.0), midY));
        Color dark = ExplainChart.viridis(0);
        assertThat(viridisPosition(merged.getRGB() & 0xffffff)).as("merged frames are shaded").isNegative();
        assertThat(merged.getRed()).isGreaterThan(dark.getRed() + 40);
        assertThat(merged.getGreen()).isGreaterThan(dark.getGreen() + 40);
        assertThat(merged.getBlue()).isGreaterThan(dark.getBlue() + 40);
        Color padding = new Color(img.getRGB(xOf(in, (VALID + T) / 2.0), midY));
        assertThat(Math.abs(padding.getRed() - padding.getGreen())).as("padding is grey: %s", padding).isLessThan(30);
        assertThat(Math.abs(padding.getGreen() - padding.getBlue())).as("padding is grey: %s", padding).isLessThan(30);
        // the noise at the start is neither shaded nor grey
        assertThat(viridisPosition(img.getRGB(xOf(in, SILENCE_START / 2.0), midY) & 0xffffff)).isGreaterThanOrEqualTo(0);
    }

    @Test
    void theImportanceCurveIsRedAndTheMappingHasItsLines() {
        List<Rectangle2D> areas = new ArrayList<>();
        BufferedImage img = ExplainChart.render(explanation(), areas);
        Rectangle2D curve = areas.get(1);
        int red = 0;
        Set<Integer> columns = new HashSet<>();
        for (int y = (int) curve.getMinY(); y < curve.getMaxY(); y++) {
            for (int x = (int) curve.getMinX(); x < curve.getMaxX(); x++) {
                Color c = new Color(img.getRGB(x, y));
                if (c.getRed() > 180 && c.getGreen() < 100 && c.getBlue() < 100) {
                    red++;
                    columns.add(x);
                }
            }
        }
        assertThat(red).as("red curve pixels").isGreaterThan((int) (curve.getWidth() / 2));
        assertThat(columns.size()).as("the curve spans the time axis").isGreaterThan((int) (0.9 * curve.getWidth()));

        // the fan of boundaries: blue-ish line pixels along the middle row of the mapping panel
        Rectangle2D map = areas.get(2);
        int lines = 0;
        int y = (int) map.getCenterY();
        for (int x = (int) map.getMinX() + 1; x < map.getMaxX() - 1; x++) {
            Color c = new Color(img.getRGB(x, y));
            if (c.getBlue() > c.getRed() + 40 && c.getBlue() < 230) lines++;
        }
        assertThat(lines).as("boundary lines crossing the middle of the mapping panel").isGreaterThan(OUT / 2);
    }

    /** viridis sampled finely: {@code VIRIDIS[i]} is the colour at i/1000. */
    static final Color[] VIRIDIS = new Color[1001];

    static {
        for (int i = 0; i < VIRIDIS.length; i++) VIRIDIS[i] = ExplainChart.viridis(i / (VIRIDIS.length - 1.0));
    }

    /** Where a colour lies on the viridis map (within a small tolerance), or −1 when it is not a viridis colour. */
    static double viridisPosition(int rgb) {
        int r = (rgb >> 16) & 0xff;
        int g = (rgb >> 8) & 0xff;
        int b = rgb & 0xff;
        for (int i = 0; i < VIRIDIS.length; i++) {
            Color c = VIRIDIS[i];
            if (Math.abs(c.getRed() - r) <= 3 && Math.abs(c.getGreen() - g) <= 3 && Math.abs(c.getBlue() - b) <= 3) {
                return i / (VIRIDIS.length - 1.0);
            }
        }
        return -1;
    }

    /** The pixel column of input frame position {@code frame} in a panel on the input-time axis. */
    static int xOf(Rectangle2D area, double frame) {
        return (int) Math.round(area.getMinX() + frame / T * area.getWidth());
    }
}
