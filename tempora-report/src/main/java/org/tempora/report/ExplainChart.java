package org.tempora.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.Paint;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import org.jfree.chart.ChartRenderingInfo;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.AxisLocation;
import org.jfree.chart.axis.AxisSpace;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.NumberTickUnit;
import org.jfree.chart.axis.ValueAxis;
import org.jfree.chart.plot.IntervalMarker;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.PaintScale;
import org.jfree.chart.renderer.xy.XYBlockRenderer;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.title.TextTitle;
import org.jfree.chart.ui.HorizontalAlignment;
import org.jfree.chart.ui.Layer;
import org.jfree.chart.ui.RectangleAnchor;
import org.jfree.chart.ui.RectangleInsets;
import org.jfree.chart.ui.TextAnchor;
import org.jfree.data.xy.DefaultXYDataset;
import org.jfree.data.xy.DefaultXYZDataset;
import org.tempora.TemporaException;
import org.tempora.explain.Explainer.Explanation;
import org.tempora.explain.Explainer.Summary;
import org.tempora.explain.Explainer;
import org.tempora.io.AtomicFiles;
import org.tempora.resolution.DiffRes;

/**
 * The picture of an {@link Explainer.Explanation}, drawn with JFreeChart off screen: four charts stacked in one
 * {@value #WIDTH} × {@value #HEIGHT} image, their plot areas aligned so the input-time axes line up —
 *
 * <ol>
 *   <li>the input log-mel (viridis), merged frames (score below {@link Summary#mergeThreshold()}) shaded white,
 *       padding grey;</li>
 *   <li>the importance curve (normalised score, output frames spent per input frame) with the uniform rate
 *       {@code t/T} dashed;</li>
 *   <li>the input time of every output-frame boundary (top axis: input seconds, bottom axis: output frames);</li>
 *   <li>the DiffRes output (its average channel, or the log-domain one for a {@code logavg} model), its {@code t}
 *       frames at equal width.</li>
 * </ol>
 *
 * Both heat maps share one colour range (2nd to 99.5th percentile of the audio frames of the input). The output is
 * deterministic: fixed size, palette and fonts.
 */
public final class ExplainChart {
    private ExplainChart() {}

    /** Image width in pixels. */
    public static final int WIDTH = 1000;
    /** Image height in pixels. */
    public static final int HEIGHT = 800;

    /** Heights of the four stacked charts (the first carries the title); they sum to {@link #HEIGHT}. */
    private static final int[] PANEL_HEIGHTS = {262, 178, 150, 210};
    /** Width reserved left of every plot for the range axis, so that all plot areas line up. */
    private static final double AXIS_LEFT = 58;
    private static final RectangleInsets CHART_PADDING = new RectangleInsets(0, 6, 0, 20);

    private static final Font TITLE = new Font(Font.SANS_SERIF, Font.BOLD, 14);
    private static final Font CAPTION = new Font(Font.SANS_SERIF, Font.PLAIN, 12);
    private static final Font AXIS_LABEL = new Font(Font.SANS_SERIF, Font.PLAIN, 11);
    private static final Font TICK = new Font(Font.SANS_SERIF, Font.PLAIN, 10);
    private static final Color AXIS = new Color(0x444444);
    private static final Color CURVE = new Color(0xd62728);
    private static final Color MAPPING = new Color(0x3b528b);
    private static final Color MERGED = new Color(255, 255, 255);
    private static final float MERGED_ALPHA = 0.55f;
    private static final Color PADDING = new Color(128, 128, 128);
    private static final float PADDING_ALPHA = 0.8f;

    /** viridis at 0, ¼, ½, ¾, 1; linear in between. */
    private static final int[][] VIRIDIS = {{68, 1, 84}, {59, 82, 139}, {33, 145, 140}, {94, 201, 98}, {253, 231, 37}};

    /** Renders the four panels ({@link #WIDTH} × {@link #HEIGHT}). */
    public static BufferedImage render(Explanation e) {
        return render(e, null);
    }

    /** {@link #render} encoded as PNG bytes (for the run report, which writes its files itself). */
    public static byte[] png(Explanation e) {
        BufferedImage img = render(e);
        try {
            return ChartUtils.encodeAsPNG(img);
        } catch (IOException ex) {
            throw new TemporaException("cannot encode the explain picture as PNG: " + ex.getMessage(), ex);
        }
    }

    /** Renders and writes the PNG atomically (all or nothing); failures are {@link TemporaException}s. */
    public static void writePng(Explanation e, Path file) {
        BufferedImage img = render(e);
        try {
            AtomicFiles.write(file, out -> ChartUtils.writeBufferedImageAsPNG(out, img));
        } catch (IOException ex) {
            throw new TemporaException("cannot write " + file + ": " + ex.getMessage(), ex);
        }
    }

    /**
     * Renders the panels; when {@code dataAreas} is given, adds each panel's plot area (image coordinates, top to
     * bottom) to it — the tests look at the pixels there.
     */
    static BufferedImage render(Explanation e, List<Rectangle2D> dataAreas) {
        Objects.requireNonNull(e, "explanation");
        List<JFreeChart> charts = List.of(inputChart(e), importanceChart(e), mappingChart(e), outputChart(e));
        BufferedImage img = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        try {
            g.setPaint(Color.WHITE);
            g.fillRect(0, 0, WIDTH, HEIGHT);
            int y = 0;
            for (int k = 0; k < charts.size(); k++) {
                ChartRenderingInfo info = new ChartRenderingInfo();
                charts.get(k).draw(g, new Rectangle2D.Double(0, y, WIDTH, PANEL_HEIGHTS[k]), info);
                if (dataAreas != null) dataAreas.add(info.getPlotInfo().getDataArea());
                y += PANEL_HEIGHTS[k];
            }
        } finally {
            g.dispose();
        }
        return img;
    }

    // ------------------------------------------------------------------------------------------- the panels

    /** 1. The input log-mel, merged frames shaded, padding greyed. */
    private static JFreeChart inputChart(Explanation e) {
        Summary s = e.summary();
        double shift = s.frameShiftSeconds();
        PaintScale scale = new Viridis(range(e.input(), e.bins(), s.validFrames()));
        XYPlot plot = heatMap(e.input(), e.frames(), e.bins(), shift, timeAxis("input time (s)", e), scale);
        // runs of merged audio frames, one marker each
        int validFrames = Math.min(s.validFrames(), e.frames());
        for (int j = 0; j < validFrames; ) {
            if (e.score()[j] >= s.mergeThreshold()) {
                j++;
                continue;
            }
            int start = j;
            while (j < validFrames && e.score()[j] < s.mergeThreshold()) j++;
            plot.addDomainMarker(new IntervalMarker(start * shift, j * shift, MERGED, new BasicStroke(0f), null, null,
                    MERGED_ALPHA), Layer.FOREGROUND);
        }
        if (validFrames < e.frames()) {
            // one frame past the end (the plot clips it): without aliasing, a marker ending exactly at the edge can
            // leave the last pixel column unshaded
            plot.addDomainMarker(new IntervalMarker(validFrames * shift, (e.frames() + 1) * shift, PADDING,
                    new BasicStroke(0f), null, null, PADDING_ALPHA), Layer.FOREGROUND);
        }
        JFreeChart chart = chart(plot, "input log-mel (" + e.frames() + " frames × " + e.bins()
                + " bins); shaded: merged frames (score < " + fmt(s.mergeThreshold()) + "), grey: padding");
        TextTitle title = new TextTitle(s.stage() + ": where the output frames went (time axis in seconds)", TITLE);
        title.setHorizontalAlignment(HorizontalAlignment.LEFT);
        title.setPadding(new RectangleInsets(8, AXIS_LEFT, 4, 0));
        chart.addSubtitle(0, title);
        chart.setAntiAlias(false); // anti-aliased blocks leave hairline seams between them
        return chart;
    }

    /** 2. The importance curve with the uniform rate dashed. */
    private static JFreeChart importanceChart(Explanation e) {
        Summary s = e.summary();
        double shift = s.frameShiftSeconds();
        double[][] xy = new double[2][e.frames()];
        for (int j = 0; j < e.frames(); j++) {
            xy[0][j] = (j + 0.5) * shift;
            xy[1][j] = e.score()[j];
        }
        DefaultXYDataset data = new DefaultXYDataset();
        data.addSeries("score", xy);
        XYLineAndShapeRenderer r = new XYLineAndShapeRenderer(true, false);
        r.setSeriesPaint(0, CURVE);
        r.setSeriesStroke(0, new BasicStroke(1.6f));
        NumberAxis y = axis("score", 0, 1.04);
        y.setTickUnit(new NumberTickUnit(0.25));
        XYPlot plot = new XYPlot(data, timeAxis("input time (s)", e), y, r);
        plot.setBackgroundPaint(new Color(0xf4f4f4));
        double uniform = (double) e.outFrames() / e.frames();
        ValueMarker m = new ValueMarker(uniform, new Color(0x777777), new BasicStroke(1f, BasicStroke.CAP_BUTT,
                BasicStroke.JOIN_MITER, 10f, new float[] {5f, 4f}, 0f));
        m.setLabel("uniform " + fmt(uniform));
        m.setLabelFont(TICK);
        m.setLabelPaint(new Color(0x555555));
        m.setLabelBackgroundColor(new Color(255, 255, 255, 0));
        m.setLabelAnchor(RectangleAnchor.TOP_RIGHT);
        m.setLabelTextAnchor(TextAnchor.BOTTOM_RIGHT);
        plot.addRangeMarker(m);
        int valid = Math.min(s.validFrames(), e.frames());
        if (valid < e.frames()) {
            plot.addDomainMarker(new IntervalMarker(valid * shift, e.frames() * shift, new Color(0xdddddd),
                    new BasicStroke(0f), null, null, 1f), Layer.BACKGROUND);
        }
        return chart(plot, "importance: output frames spent per input frame (normalised score); dashed: uniform rate "
                + fmt(uniform));
    }

    /** 3. Every output-frame boundary i: a line from its input time (top) to its place among the output frames. */
    private static JFreeChart mappingChart(Explanation e) {
        double shift = e.summary().frameShiftSeconds();
        double[] b = e.boundaries();
        DefaultXYDataset data = new DefaultXYDataset();
        for (int i = 0; i < b.length; i++) {
            double out = (double) i * e.frames() / e.outFrames() * shift; // output frames at equal width, in seconds
            data.addSeries(i, new double[][] {{b[i] * shift, out}, {1, 0}});
        }
        XYLineAndShapeRenderer r = new XYLineAndShapeRenderer(true, false);
        r.setAutoPopulateSeriesPaint(false);
        r.setAutoPopulateSeriesStroke(false);
        r.setDefaultPaint(MAPPING);
        r.setDefaultStroke(new BasicStroke(1f));
        r.setDefaultSeriesVisibleInLegend(false);
        NumberAxis y = axis("", 0, 1);
        y.setVisible(false);
        XYPlot plot = new XYPlot(data, timeAxis("input time (s)", e), y, r);
        plot.setDomainAxisLocation(0, AxisLocation.TOP_OR_LEFT);
        plot.setDomainAxis(1, outputAxis(e));
        plot.setDomainAxisLocation(1, AxisLocation.BOTTOM_OR_RIGHT);
        plot.setDomainGridlinesVisible(false);
        plot.setRangeGridlinesVisible(false);
        plot.setBackgroundPaint(Color.WHITE);
        return chart(plot, "each output frame's span of the input (top: input time, bottom: " + e.outFrames()
                + " output frames)");
    }

    /** 4. The DiffRes output (the average channel the explanation holds), output frames at equal width. */
    private static JFreeChart outputChart(Explanation e) {
        Summary s = e.summary();
        PaintScale scale = new Viridis(range(e.input(), e.bins(), s.validFrames()));
        XYPlot plot = heatMap(e.output(), e.outFrames(), e.bins(), 1, outputAxis(e), scale);
        JFreeChart chart = chart(plot, "DiffRes output, " + (e.outputChannel() == DiffRes.Channel.LOGAVG
                ? "log-domain average channel (" : "average channel (") + e.outFrames()
                + " frames drawn at equal width)");
        chart.setAntiAlias(false);
        return chart;
    }

    // ------------------------------------------------------------------------------------------- helpers

    /** A heat map of {@code v [frames·bins]} (time-major), frame j at {@code [j·dx, (j+1)·dx)}, bin f at {@code [f, f+1)}. */
    private static XYPlot heatMap(float[] v, int frames, int bins, double dx, ValueAxis x, PaintScale scale) {
        int n = frames * bins;
        double[][] xyz = new double[3][n];
        for (int j = 0; j < frames; j++) {
            for (int f = 0; f < bins; f++) {
                int k = j * bins + f;
                xyz[0][k] = j * dx;
                xyz[1][k] = f;
                xyz[2][k] = v[k];
            }
        }
        DefaultXYZDataset data = new DefaultXYZDataset();
        data.addSeries("values", xyz);
        XYBlockRenderer r = new XYBlockRenderer();
        r.setBlockWidth(dx);
        r.setBlockHeight(1);
        r.setBlockAnchor(RectangleAnchor.BOTTOM_LEFT);
        r.setPaintScale(scale);
        NumberAxis y = axis("mel bin", 0, bins);
        y.setStandardTickUnits(NumberAxis.createIntegerTickUnits());
        XYPlot plot = new XYPlot(data, x, y, r);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinesVisible(false);
        plot.setRangeGridlinesVisible(false);
        return plot;
    }

    /** The input-time axis in seconds, over the whole input. */
    private static NumberAxis timeAxis(String label, Explanation e) {
        double duration = e.frames() * e.summary().frameShiftSeconds();
        // a hair past the end, so that a last tick computed as k·step (0.05·12 > 0.6 in doubles) is still drawn
        return axis(label, 0, duration * (1 + 1e-9));
    }

    /** Output frames 0..t. */
    private static NumberAxis outputAxis(Explanation e) {
        NumberAxis a = axis("output frame", 0, e.outFrames());
        a.setStandardTickUnits(NumberAxis.createIntegerTickUnits());
        return a;
    }

    private static NumberAxis axis(String label, double lo, double hi) {
        NumberAxis a = new NumberAxis(label);
        a.setRange(lo, hi > lo ? hi : lo + 1);
        a.setLabelFont(AXIS_LABEL);
        a.setLabelPaint(AXIS);
        a.setTickLabelFont(TICK);
        a.setTickLabelInsets(new RectangleInsets(2, 9, 2, 9)); // room between labels: fewer, readable ticks
        a.setTickLabelPaint(AXIS);
        a.setAxisLinePaint(AXIS);
        a.setTickMarkPaint(AXIS);
        a.setLabelInsets(new RectangleInsets(1, 2, 1, 2));
        return a;
    }

    /** A panel: the plot under its caption, no legend, its range axis in the fixed left space. */
    private static JFreeChart chart(XYPlot plot, String caption) {
        AxisSpace left = new AxisSpace();
        left.setLeft(AXIS_LEFT);
        plot.setFixedRangeAxisSpace(left);
        plot.setAxisOffset(RectangleInsets.ZERO_INSETS);
        plot.setInsets(new RectangleInsets(2, 0, 2, 0));
        plot.setOutlinePaint(AXIS);
        JFreeChart chart = new JFreeChart(null, null, plot, false);
        TextTitle t = new TextTitle(caption, CAPTION);
        t.setHorizontalAlignment(HorizontalAlignment.LEFT);
        t.setPadding(new RectangleInsets(6, AXIS_LEFT, 2, 0));
        chart.addSubtitle(t);
        chart.setBackgroundPaint(Color.WHITE);
        chart.setPadding(CHART_PADDING);
        chart.setTextAntiAlias(true);
        return chart;
    }

    /** 2nd and 99.5th percentile of the audio frames: the colour range of both heat maps. */
    static double[] range(float[] v, int bins, int validFrames) {
        float[] s = Arrays.copyOf(v, Math.max(1, Math.min(v.length, validFrames * bins)));
        Arrays.sort(s);
        double lo = s[(int) (0.02 * (s.length - 1))];
        double hi = s[(int) (0.995 * (s.length - 1))];
        return new double[] {lo, hi > lo ? hi : lo + 1};
    }

    /** The viridis colour at {@code u ∈ [0, 1]} (clamped). */
    static Color viridis(double u) {
        double p = (Double.isFinite(u) ? Math.max(0, Math.min(1, u)) : 0) * (VIRIDIS.length - 1);
        int k = Math.min(VIRIDIS.length - 2, (int) p);
        double f = p - k;
        int[] a = VIRIDIS[k];
        int[] b = VIRIDIS[k + 1];
        return new Color((int) Math.round(a[0] + f * (b[0] - a[0])), (int) Math.round(a[1] + f * (b[1] - a[1])),
                (int) Math.round(a[2] + f * (b[2] - a[2])));
    }

    /** viridis over {@code [lo, hi]}, in 256 steps. */
    private static final class Viridis implements PaintScale {
        private final double lo;
        private final double hi;
        private final Color[] table = new Color[256];

        Viridis(double[] range) {
            lo = range[0];
            hi = range[1];
            for (int i = 0; i < table.length; i++) table[i] = viridis(i / (table.length - 1.0));
        }

        @Override
        public double getLowerBound() {
            return lo;
        }

        @Override
        public double getUpperBound() {
            return hi;
        }

        @Override
        public Paint getPaint(double v) {
            double u = Double.isFinite(v) ? (v - lo) / (hi - lo) : 0;
            return table[(int) Math.round(Math.max(0, Math.min(1, u)) * (table.length - 1))];
        }
    }

    private static String fmt(double d) {
        return String.format(Locale.ROOT, "%.3f", d);
    }
}
