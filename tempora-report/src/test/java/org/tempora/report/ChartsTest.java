package org.tempora.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.jfree.chart.ChartRenderingInfo;
import org.jfree.chart.JFreeChart;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tempora.InvalidInputException;

class ChartsTest {

    static BufferedImage decode(byte[] png) throws IOException {
        BufferedImage img = ImageIO.read(new ByteArrayInputStream(png));
        assertThat(img).as("PNG decodes").isNotNull();
        return img;
    }

    /** RGB of cell (row i, col j) of a rendered confusion matrix, sampled away from the centred count text. */
    static int[][] cellColours(int[][] m, List<String> names, BufferedImage img) {
        JFreeChart chart = Charts.confusionChart(m, names);
        Charts.Size size = Charts.confusionSize(m.length);
        ChartRenderingInfo info = new ChartRenderingInfo();
        chart.createBufferedImage(size.width(), size.height(), info);
        Rectangle2D area = info.getPlotInfo().getDataArea();
        int c = m.length;
        double cw = area.getWidth() / c;
        double ch = area.getHeight() / c;
        int[][] rgb = new int[c][c];
        for (int i = 0; i < c; i++) {
            for (int j = 0; j < c; j++) {
                int x = (int) (area.getX() + (j + 0.15) * cw);
                int y = (int) (area.getY() + (i + 0.15) * ch); // row 0 at the top (inverted axis)
                rgb[i][j] = img.getRGB(x, y) & 0xffffff;
            }
        }
        return rgb;
    }

    @Test
    void diagonalMatrixHasDarkDiagonalAndWhiteOffDiagonal() throws IOException {
        int[][] m = {{5, 0, 0, 0}, {0, 7, 0, 0}, {0, 0, 2, 0}, {0, 0, 0, 9}};
        List<String> names = List.of("a", "b", "c", "d");
        byte[] png = Charts.confusionMatrixPng(m, names);
        BufferedImage img = decode(png);
        assertThat(img.getWidth()).isEqualTo(Charts.confusionSize(4).width());
        assertThat(img.getHeight()).isEqualTo(Charts.confusionSize(4).height());
        int[][] rgb = cellColours(m, names, img);
        for (int i = 0; i < 4; i++) {
            for (int j = 0; j < 4; j++) {
                if (i == j) assertThat(rgb[i][j]).as("diagonal %d", i).isEqualTo(0x08306b);
                else assertThat(rgb[i][j]).as("off-diagonal %d,%d", i, j).isEqualTo(0xffffff);
            }
        }
    }

    @Test
    void coloursAreRowNormalised() throws IOException {
        // raw counts 9 and 100 differ 11×, but both are the dominant share of their row (0.9 and 1.0)
        int[][] m = {{9, 1}, {0, 100}};
        List<String> names = List.of("x", "y");
        int[][] rgb = cellColours(m, names, decode(Charts.confusionMatrixPng(m, names)));
        // white → 0x08306b mixed at t: channel = round(255 + (target − 255)·t)
        assertThat(rgb[0][0]).isEqualTo(rgb(33, 69, 122));   // t = 0.9
        assertThat(rgb[0][1]).isEqualTo(rgb(230, 234, 240)); // t = 0.1
        assertThat(rgb[1][1]).isEqualTo(0x08306b);           // t = 1
        assertThat(rgb[1][0]).isEqualTo(0xffffff);           // t = 0
    }

    static int rgb(int r, int g, int b) {
        return (r << 16) | (g << 8) | b;
    }

    @Test
    void lineChartHasFixedSizeAndIsDeterministic(@TempDir Path dir) throws IOException {
        Map<String, double[][]> series = new LinkedHashMap<>();
        series.put("train", new double[][] {{1, 2, 3, 4}, {1.0, 0.7, Double.NaN, 0.4}});
        series.put("valid", new double[][] {{1, 2, 3, 4}, {1.1, 0.9, 0.8, 0.75}});
        Path a = dir.resolve("a.png");
        Path b = dir.resolve("sub/b.png");
        Charts.lineChart("Loss", "epoch", "loss", series, List.of(2.5), a);
        Charts.lineChart("Loss", "epoch", "loss", series, List.of(2.5), b);
        BufferedImage img = ImageIO.read(a.toFile());
        assertThat(img.getWidth()).isEqualTo(960);
        assertThat(img.getHeight()).isEqualTo(540);
        assertThat(Files.readAllBytes(a)).isEqualTo(Files.readAllBytes(b));
        try (var s = Files.list(dir)) {
            assertThat(s.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("a.png", "sub");
        }
        assertThatThrownBy(() -> Charts.lineChartPng("t", "x", "y", Map.of("bad", new double[][] {{1, 2}, {1}}), List.of()))
                .isInstanceOf(InvalidInputException.class);
    }

    @Test
    void barChartSizeFollowsTheNumberOfBars(@TempDir Path dir) throws IOException {
        Path p = dir.resolve("bars.png");
        Charts.barChart("F1", "class", "f1", List.of("a", "a", "b", "c", "d"), new double[] {0.5, 0.7, Double.NaN, 1, 0}, p);
        BufferedImage img = ImageIO.read(p.toFile());
        assertThat(img.getWidth()).isEqualTo(960);
        assertThat(img.getHeight()).isEqualTo(360);
        assertThat(Charts.barSize(100).height()).isEqualTo(140 + 2200);
        assertThatThrownBy(() -> Charts.barChartPng("x", "c", "v", List.of("a"), new double[] {1, 2}))
                .isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> Charts.confusionMatrixPng(new int[][] {{1, 2}}, List.of("a")))
                .isInstanceOf(InvalidInputException.class);
    }
}
