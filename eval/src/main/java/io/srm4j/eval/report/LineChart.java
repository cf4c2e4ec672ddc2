package io.srm4j.eval.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Path2D;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A small line chart drawn with java.awt: accuracy (0–100 %) against a linear or log2 x axis, series with
 * optional confidence bands. Enough for the report's two plots without a charting dependency.
 */
final class LineChart {
    record Series(String name, Color color, double[] x, double[] y, double[] low, double[] high, boolean step,
                  boolean markers) {}

    private static final int WIDTH = 960, HEIGHT = 560;
    private static final int LEFT = 80, RIGHT = 30, TOP = 60, BOTTOM = 70;

    private final String title;
    private final String xLabel;
    private final boolean logX;
    private final List<Series> series = new ArrayList<>();

    LineChart(String title, String xLabel, boolean logX) {
        this.title = title;
        this.xLabel = xLabel;
        this.logX = logX;
    }

    LineChart add(Series s) {
        if (s.x().length != s.y().length) throw new IllegalArgumentException("series " + s.name() + ": x and y differ in length");
        series.add(s);
        return this;
    }

    BufferedImage render() {
        double xMin = Double.POSITIVE_INFINITY, xMax = Double.NEGATIVE_INFINITY;
        for (Series s : series) {
            for (double x : s.x()) {
                if (logX && x <= 0) continue;
                xMin = Math.min(xMin, x);
                xMax = Math.max(xMax, x);
            }
        }
        if (!(xMin < xMax)) { // one point or none: widen so it sits mid-axis
            double c = Double.isFinite(xMin) ? xMin : 1;
            xMin = logX ? c / 2 : c - 1;
            xMax = logX ? c * 2 : c + 1;
        }
        double fxMin = fx(xMin), fxMax = fx(xMax);

        BufferedImage image = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, WIDTH, HEIGHT);
            int plotW = WIDTH - LEFT - RIGHT, plotH = HEIGHT - TOP - BOTTOM;

            Font body = new Font(Font.SANS_SERIF, Font.PLAIN, 14);
            g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 18));
            g.setColor(new Color(0x222222));
            g.drawString(title, LEFT, 32);
            g.setFont(body);
            FontMetrics fm = g.getFontMetrics();

            // y grid and labels: 0..100 %
            for (int pct = 0; pct <= 100; pct += 10) {
                int y = TOP + plotH - (int) Math.round(pct / 100.0 * plotH);
                g.setColor(pct % 50 == 0 ? new Color(0xCCCCCC) : new Color(0xEEEEEE));
                g.drawLine(LEFT, y, LEFT + plotW, y);
                g.setColor(new Color(0x444444));
                String label = pct + "%";
                g.drawString(label, LEFT - 8 - fm.stringWidth(label), y + fm.getAscent() / 2 - 1);
            }
            // x ticks
            for (double tick : xTicks(xMin, xMax)) {
                int x = LEFT + (int) Math.round((fx(tick) - fxMin) / (fxMax - fxMin) * plotW);
                g.setColor(new Color(0xEEEEEE));
                g.drawLine(x, TOP, x, TOP + plotH);
                g.setColor(new Color(0x444444));
                String label = formatTick(tick);
                g.drawString(label, x - fm.stringWidth(label) / 2, TOP + plotH + fm.getAscent() + 6);
            }
            g.setColor(new Color(0x888888));
            g.drawRect(LEFT, TOP, plotW, plotH);
            g.setColor(new Color(0x222222));
            g.drawString(xLabel, LEFT + plotW / 2 - fm.stringWidth(xLabel) / 2, HEIGHT - 22);
            Graphics2D rotated = (Graphics2D) g.create();
            rotated.rotate(-Math.PI / 2);
            rotated.drawString("accuracy", -(TOP + plotH / 2) - fm.stringWidth("accuracy") / 2, 22);
            rotated.dispose();

            g.clipRect(LEFT, TOP - 4, plotW + 1, plotH + 8);
            for (Series s : series) {
                if (s.low() != null && s.high() != null) {
                    Path2D band = new Path2D.Double();
                    boolean started = false;
                    for (int i = 0; i < s.x().length; i++) {
                        if (logX && s.x()[i] <= 0) continue;
                        double px = px(s.x()[i], fxMin, fxMax, plotW), py = py(s.high()[i], plotH);
                        if (!started) { band.moveTo(px, py); started = true; } else band.lineTo(px, py);
                    }
                    for (int i = s.x().length - 1; i >= 0; i--) {
                        if (logX && s.x()[i] <= 0) continue;
                        band.lineTo(px(s.x()[i], fxMin, fxMax, plotW), py(s.low()[i], plotH));
                    }
                    band.closePath();
                    g.setColor(new Color(s.color().getRed(), s.color().getGreen(), s.color().getBlue(), 45));
                    g.fill(band);
                }
                Path2D line = new Path2D.Double();
                boolean started = false;
                double lastY = 0;
                for (int i = 0; i < s.x().length; i++) {
                    if (logX && s.x()[i] <= 0) continue;
                    double px = px(s.x()[i], fxMin, fxMax, plotW), py = py(s.y()[i], plotH);
                    if (!started) {
                        line.moveTo(px, py);
                        started = true;
                    } else {
                        if (s.step()) line.lineTo(px, lastY);
                        line.lineTo(px, py);
                    }
                    lastY = py;
                }
                g.setColor(s.color());
                g.setStroke(new BasicStroke(2.5f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
                g.draw(line);
                if (s.markers()) {
                    for (int i = 0; i < s.x().length; i++) {
                        if (logX && s.x()[i] <= 0) continue;
                        int px = (int) Math.round(px(s.x()[i], fxMin, fxMax, plotW));
                        int py = (int) Math.round(py(s.y()[i], plotH));
                        g.fillOval(px - 4, py - 4, 9, 9);
                    }
                }
            }
            g.setClip(null);
            // legend, bottom-right inside the plot: accuracy curves rise to the right, so that corner is usually empty
            int legendW = 0;
            for (Series s : series) legendW = Math.max(legendW, fm.stringWidth(s.name()));
            int boxW = legendW + 50, boxH = series.size() * 22 + 8;
            int boxX = LEFT + plotW - boxW - 10, boxY = TOP + plotH - boxH - 10;
            g.setColor(new Color(255, 255, 255, 230));
            g.fillRect(boxX, boxY, boxW, boxH);
            g.setColor(new Color(0xDDDDDD));
            g.drawRect(boxX, boxY, boxW, boxH);
            int ly = boxY + 8;
            for (Series s : series) {
                g.setColor(s.color());
                g.setStroke(new BasicStroke(3f));
                g.drawLine(boxX + 8, ly + 6, boxX + 30, ly + 6);
                g.setColor(new Color(0x222222));
                g.drawString(s.name(), boxX + 38, ly + 11);
                ly += 22;
            }
        } finally {
            g.dispose();
        }
        return image;
    }

    private double fx(double x) { return logX ? Math.log(x) / Math.log(2) : x; }

    private double px(double x, double fxMin, double fxMax, int plotW) {
        return LEFT + (fx(x) - fxMin) / (fxMax - fxMin) * plotW;
    }

    private static double py(double y, int plotH) {
        return TOP + plotH - Math.max(0, Math.min(1, y)) * plotH;
    }

    private List<Double> xTicks(double min, double max) {
        List<Double> ticks = new ArrayList<>();
        if (logX) {
            double start = Math.pow(2, Math.ceil(Math.log(min) / Math.log(2)));
            int count = (int) Math.floor(Math.log(max / start) / Math.log(2)) + 1;
            int stride = Math.max(1, (int) Math.ceil(count / 10.0));
            for (int i = 0; i < count; i += stride) ticks.add(start * Math.pow(2, i));
        } else {
            double step = niceStep((max - min) / 8);
            for (double t = Math.ceil(min / step) * step; t <= max + 1e-9; t += step) ticks.add(t);
        }
        return ticks;
    }

    private static double niceStep(double raw) {
        double magnitude = Math.pow(10, Math.floor(Math.log10(raw)));
        double r = raw / magnitude;
        return (r <= 1 ? 1 : r <= 2 ? 2 : r <= 5 ? 5 : 10) * magnitude;
    }

    static String formatTick(double v) {
        double a = Math.abs(v);
        if (a >= 1e6) return trim(v / 1e6) + "M";
        if (a >= 1e4) return trim(v / 1e3) + "k";
        return trim(v);
    }

    private static String trim(double v) {
        return v == Math.rint(v) ? String.valueOf((long) v) : String.format(Locale.ROOT, "%.1f", v);
    }
}
