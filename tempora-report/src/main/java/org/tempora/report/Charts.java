package org.tempora.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Paint;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.annotations.XYTextAnnotation;
import org.jfree.chart.axis.AxisLocation;
import org.jfree.chart.axis.CategoryAxis;
import org.jfree.chart.axis.CategoryLabelPositions;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.SymbolAxis;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.PaintScale;
import org.jfree.chart.renderer.category.BarRenderer;
import org.jfree.chart.renderer.category.StandardBarPainter;
import org.jfree.chart.renderer.xy.XYBlockRenderer;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.title.PaintScaleLegend;
import org.jfree.chart.ui.RectangleEdge;
import org.jfree.chart.ui.RectangleInsets;
import org.jfree.chart.ui.TextAnchor;
import org.jfree.data.category.DefaultCategoryDataset;
import org.jfree.data.xy.DefaultXYZDataset;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;
import org.tempora.InvalidInputException;
import org.tempora.TemporaException;
import org.tempora.io.AtomicFiles;

/**
 * PNG charts for run reports, drawn with JFreeChart off screen (no display needed). Output is deterministic: a fixed
 * size per chart type (a function of the number of classes for the class charts), a fixed palette and fonts, no
 * timestamps. Each {@code *Png} method renders to bytes; the {@link Path} overloads write those bytes with
 * {@link AtomicFiles#write} (all or nothing) and report failures as {@link TemporaException}.
 */
public final class Charts {
    private Charts() {}

    /** Size of a chart in pixels. */
    public record Size(int width, int height) {}

    /** Line charts: 960 × 540. */
    public static final Size LINE = new Size(960, 540);

    /** Confusion matrices with more classes than this get no counts printed in the cells. */
    public static final int MAX_CLASSES_WITH_COUNTS = 40;

    private static final Color[] PALETTE = {new Color(0x1f77b4), new Color(0xd62728), new Color(0x2ca02c),
        new Color(0xff7f0e), new Color(0x9467bd), new Color(0x8c564b), new Color(0xe377c2), new Color(0x7f7f7f),
        new Color(0xbcbd22), new Color(0x17becf)};
    private static final Color HEAT_LOW = Color.WHITE;
    private static final Color HEAT_HIGH = new Color(0x08306b);
    private static final Font TITLE_FONT = new Font(Font.SANS_SERIF, Font.BOLD, 16);
    private static final Font LABEL_FONT = new Font(Font.SANS_SERIF, Font.PLAIN, 12);

    /** Confusion-matrix size for C classes: a square plot of 48 px per class, clamped to 420–1400 px, plus margins. */
    public static Size confusionSize(int classes) {
        int plot = Math.max(420, Math.min(1400, 48 * classes));
        return new Size(plot + 300, plot + 240);
    }

    /** Bar-chart size for n horizontal bars: 960 wide, 22 px per bar plus 140, clamped to 360–8000 px. */
    public static Size barSize(int bars) {
        return new Size(960, Math.max(360, Math.min(8000, 140 + 22 * bars)));
    }

    // ------------------------------------------------------------------------------------------- line chart

    /**
     * Writes a line chart: one line per series ({@code name → [x[], y[]]}, insertion order = colour order;
     * non-finite points are left out), dashed vertical lines at {@code verticalMarkers} (e.g. phase boundaries).
     */
    public static void lineChart(String title, String xLabel, String yLabel, Map<String, double[][]> series,
                                 List<Double> verticalMarkers, Path png) {
        write(png, lineChartPng(title, xLabel, yLabel, series, verticalMarkers));
    }

    /** {@link #lineChart} rendered to PNG bytes, {@link #LINE} size. */
    public static byte[] lineChartPng(String title, String xLabel, String yLabel, Map<String, double[][]> series,
                                      List<Double> verticalMarkers) {
        XYSeriesCollection data = new XYSeriesCollection();
        int maxPoints = 0;
        boolean integerX = true;
        for (Map.Entry<String, double[][]> e : series.entrySet()) {
            double[][] xy = e.getValue();
            if (xy == null || xy.length != 2 || xy[0].length != xy[1].length) {
                throw new InvalidInputException("chart series " + e.getKey(), "must be [x[], y[]] of equal length");
            }
            XYSeries s = new XYSeries(e.getKey(), false, true);
            for (int i = 0; i < xy[0].length; i++) {
                if (Double.isFinite(xy[0][i]) && Double.isFinite(xy[1][i])) {
                    s.add(xy[0][i], xy[1][i]);
                    integerX &= xy[0][i] == Math.rint(xy[0][i]);
                }
            }
            maxPoints = Math.max(maxPoints, s.getItemCount());
            data.addSeries(s);
        }
        JFreeChart chart = ChartFactory.createXYLineChart(title, xLabel, yLabel, data, PlotOrientation.VERTICAL,
                true, false, false);
        style(chart);
        XYPlot plot = chart.getXYPlot();
        XYLineAndShapeRenderer r = new XYLineAndShapeRenderer(true, maxPoints <= 60);
        for (int i = 0; i < data.getSeriesCount(); i++) {
            r.setSeriesPaint(i, PALETTE[i % PALETTE.length]);
            r.setSeriesStroke(i, new BasicStroke(2f));
        }
        plot.setRenderer(r);
        if (integerX) plot.getDomainAxis().setStandardTickUnits(NumberAxis.createIntegerTickUnits());
        NumberAxis y = (NumberAxis) plot.getRangeAxis();
        y.setAutoRangeIncludesZero(false);
        if (verticalMarkers != null) {
            for (Double m : verticalMarkers) {
                if (m == null || !Double.isFinite(m)) continue;
                ValueMarker marker = new ValueMarker(m, Color.GRAY, new BasicStroke(1.5f, BasicStroke.CAP_BUTT,
                        BasicStroke.JOIN_MITER, 10f, new float[] {6f, 4f}, 0f));
                plot.addDomainMarker(marker);
            }
        }
        return png(chart, LINE);
    }

    // ------------------------------------------------------------------------------------------- confusion matrix

    /**
     * Writes a confusion-matrix heat map ({@code m[true][predicted]}): cell colour = the count divided by its row
     * sum (white 0 → dark blue 1), counts printed in the cells when C ≤ {@value #MAX_CLASSES_WITH_COUNTS}, true
     * classes down the left (first at the top), predicted classes along the bottom with vertical labels.
     */
    public static void confusionMatrix(int[][] m, List<String> classes, Path png) {
        write(png, confusionMatrixPng(m, classes));
    }

    /** {@link #confusionMatrix} rendered to PNG bytes, {@link #confusionSize} size. */
    public static byte[] confusionMatrixPng(int[][] m, List<String> classes) {
        JFreeChart chart = confusionChart(m, classes); // validates m
        return png(chart, confusionSize(m.length));
    }

    /** The confusion-matrix chart object (package-private: tests locate the cells through its rendering info). */
    static JFreeChart confusionChart(int[][] m, List<String> classes) {
        int c = checkSquare(m);
        if (classes == null || classes.size() != c) {
            throw new InvalidInputException("confusion matrix", "has " + c + " classes but "
                    + (classes == null ? 0 : classes.size()) + " class names were given");
        }
        double[] xs = new double[c * c];
        double[] ys = new double[c * c];
        double[] zs = new double[c * c];
        for (int i = 0; i < c; i++) {
            long row = 0;
            for (int v : m[i]) row += v;
            for (int j = 0; j < c; j++) {
                int k = i * c + j;
                xs[k] = j;
                ys[k] = i;
                zs[k] = row == 0 ? 0 : (double) m[i][j] / row;
            }
        }
        DefaultXYZDataset data = new DefaultXYZDataset();
        data.addSeries("rows", new double[][] {xs, ys, zs});
        String[] names = classes.toArray(new String[0]);
        SymbolAxis x = new SymbolAxis("predicted", names);
        x.setVerticalTickLabels(true);
        x.setGridBandsVisible(false);
        x.setRange(-0.5, c - 0.5);
        SymbolAxis y = new SymbolAxis("true", names);
        y.setGridBandsVisible(false);
        y.setInverted(true);
        y.setRange(-0.5, c - 0.5);
        Font tick = new Font(Font.SANS_SERIF, Font.PLAIN, c <= 20 ? 12 : c <= 60 ? 10 : 8);
        x.setTickLabelFont(tick);
        y.setTickLabelFont(tick);
        x.setLabelFont(LABEL_FONT);
        y.setLabelFont(LABEL_FONT);
        XYBlockRenderer r = new XYBlockRenderer();
        PaintScale scale = new HeatScale();
        r.setPaintScale(scale);
        XYPlot plot = new XYPlot(data, x, y, r);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinesVisible(false);
        plot.setRangeGridlinesVisible(false);
        plot.setOutlinePaint(Color.GRAY);
        if (c <= MAX_CLASSES_WITH_COUNTS) {
            Font cellFont = new Font(Font.SANS_SERIF, Font.PLAIN, c <= 12 ? 13 : c <= 24 ? 10 : 8);
            for (int k = 0; k < xs.length; k++) {
                XYTextAnnotation a = new XYTextAnnotation(String.valueOf(m[(int) ys[k]][(int) xs[k]]), xs[k], ys[k]);
                a.setFont(cellFont);
                a.setTextAnchor(TextAnchor.CENTER);
                a.setPaint(zs[k] > 0.5 ? Color.WHITE : Color.BLACK);
                plot.addAnnotation(a);
            }
        }
        JFreeChart chart = new JFreeChart("Confusion matrix (colour: fraction of the true class)", TITLE_FONT, plot, false);
        NumberAxis legendAxis = new NumberAxis("row fraction");
        legendAxis.setRange(0, 1);
        legendAxis.setLabelFont(LABEL_FONT);
        PaintScaleLegend legend = new PaintScaleLegend(scale, legendAxis);
        legend.setPosition(RectangleEdge.RIGHT);
        legend.setAxisLocation(AxisLocation.BOTTOM_OR_RIGHT);
        legend.setMargin(new RectangleInsets(40, 10, 60, 10));
        legend.setStripWidth(16);
        chart.addSubtitle(legend);
        style(chart);
        return chart;
    }

    /** White → dark blue over [0, 1]. */
    private static final class HeatScale implements PaintScale {
        @Override
        public double getLowerBound() {
            return 0;
        }

        @Override
        public double getUpperBound() {
            return 1;
        }

        @Override
        public Paint getPaint(double v) {
            double t = Double.isFinite(v) ? Math.max(0, Math.min(1, v)) : 0;
            return new Color(mix(HEAT_LOW.getRed(), HEAT_HIGH.getRed(), t), mix(HEAT_LOW.getGreen(), HEAT_HIGH.getGreen(), t),
                    mix(HEAT_LOW.getBlue(), HEAT_HIGH.getBlue(), t));
        }

        private static int mix(int a, int b, double t) {
            return (int) Math.round(a + (b - a) * t);
        }
    }

    // ------------------------------------------------------------------------------------------- bar chart

    /** Writes a horizontal bar chart of one value per name (e.g. per-class F1), in the given order, top to bottom. */
    public static void barChart(String title, String categoryLabel, String valueLabel, List<String> names,
                                double[] values, Path png) {
        write(png, barChartPng(title, categoryLabel, valueLabel, names, values));
    }

    /** {@link #barChart} rendered to PNG bytes, {@link #barSize} size. NaN values are drawn as empty bars. */
    public static byte[] barChartPng(String title, String categoryLabel, String valueLabel, List<String> names,
                                     double[] values) {
        if (names == null || values == null || names.size() != values.length || values.length == 0) {
            throw new InvalidInputException("bar chart " + title, "needs one value per name");
        }
        DefaultCategoryDataset data = new DefaultCategoryDataset();
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < values.length; i++) {
            String key = names.get(i);
            if (!seen.add(key)) key = key + " #" + i; // category keys must be unique
            data.addValue(Double.isFinite(values[i]) ? values[i] : null, valueLabel, key);
        }
        JFreeChart chart = ChartFactory.createBarChart(title, categoryLabel, valueLabel, data,
                PlotOrientation.HORIZONTAL, false, false, false);
        style(chart);
        CategoryPlot plot = chart.getCategoryPlot();
        BarRenderer r = (BarRenderer) plot.getRenderer();
        r.setBarPainter(new StandardBarPainter());
        r.setShadowVisible(false);
        r.setSeriesPaint(0, PALETTE[0]);
        r.setMaximumBarWidth(0.8);
        CategoryAxis cat = plot.getDomainAxis();
        cat.setCategoryLabelPositions(CategoryLabelPositions.STANDARD);
        cat.setMaximumCategoryLabelWidthRatio(0.35f);
        cat.setTickLabelFont(new Font(Font.SANS_SERIF, Font.PLAIN, values.length <= 60 ? 11 : 8));
        return png(chart, barSize(values.length));
    }

    // ------------------------------------------------------------------------------------------- helpers

    private static void style(JFreeChart chart) {
        chart.setAntiAlias(true);
        chart.setTextAntiAlias(true);
        chart.setBackgroundPaint(Color.WHITE);
        if (chart.getTitle() != null) chart.getTitle().setFont(TITLE_FONT);
        if (chart.getPlot() instanceof XYPlot p && !(p.getRenderer() instanceof XYBlockRenderer)) {
            p.setBackgroundPaint(Color.WHITE);
            p.setDomainGridlinePaint(new Color(0xdddddd));
            p.setRangeGridlinePaint(new Color(0xdddddd));
            p.getDomainAxis().setLabelFont(LABEL_FONT);
            p.getRangeAxis().setLabelFont(LABEL_FONT);
        } else if (chart.getPlot() instanceof CategoryPlot p) {
            p.setBackgroundPaint(Color.WHITE);
            p.setRangeGridlinePaint(new Color(0xdddddd));
            p.getDomainAxis().setLabelFont(LABEL_FONT);
            p.getRangeAxis().setLabelFont(LABEL_FONT);
        }
    }

    static byte[] png(JFreeChart chart, Size size) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(1 << 16);
        try {
            ChartUtils.writeChartAsPNG(out, chart, size.width(), size.height());
        } catch (IOException e) {
            throw new TemporaException("cannot encode chart '" + chart.getTitle() + "' as PNG: " + e.getMessage(), e);
        }
        return out.toByteArray();
    }

    static void write(Path png, byte[] bytes) {
        try {
            AtomicFiles.write(png, out -> out.write(bytes));
        } catch (IOException e) {
            throw new TemporaException(png + ": cannot write chart: " + e.getMessage(), e);
        }
    }

    private static int checkSquare(int[][] m) {
        if (m == null || m.length == 0) throw new InvalidInputException("confusion matrix", "is empty");
        for (int[] row : m) {
            if (row == null || row.length != m.length) {
                throw new InvalidInputException("confusion matrix", "is not square (" + m.length + " rows)");
            }
        }
        return m.length;
    }
}
