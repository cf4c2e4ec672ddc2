package io.srm4j.eval.report;

import io.srm4j.eval.metrics.Bootstrap;
import io.srm4j.eval.metrics.EvalMetrics;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** The report's PNG plots: accuracy against samples (pass@k, maj@k) and accuracy against tokens. */
public final class Plots {
    public static final String SAMPLES_PNG = "accuracy_vs_samples.png";
    public static final String TOKENS_PNG = "accuracy_vs_tokens.png";
    static final Color BLUE = new Color(0x1f77b4), ORANGE = new Color(0xff7f0e), GREEN = new Color(0x2ca02c);

    /** PNG bytes written (for embedding), or why plots could not be drawn. */
    public record Files(byte[] samplesPng, byte[] tokensPng, String unavailable) {}

    private Plots() {}

    static Files write(Path dir, String benchmark, EvalMetrics metrics) throws IOException {
        if (System.getProperty("java.awt.headless") == null) System.setProperty("java.awt.headless", "true");
        try {
            byte[] samples = png(samplesChart(benchmark, metrics).render());
            byte[] tokens = png(tokensChart(benchmark, metrics).render());
            java.nio.file.Files.write(dir.resolve(SAMPLES_PNG), samples);
            java.nio.file.Files.write(dir.resolve(TOKENS_PNG), tokens);
            return new Files(samples, tokens, null);
        } catch (RuntimeException | LinkageError | InternalError e) {
            // A JDK without fonts (headless server without fontconfig) cannot draw text: report without plots.
            return new Files(null, null, e.toString());
        }
    }

    static LineChart samplesChart(String benchmark, EvalMetrics m) {
        LineChart chart = new LineChart(benchmark + ": accuracy vs number of samples k (95% CI bands)",
                "samples k (log scale)", true);
        chart.add(series("pass@k", BLUE, m.passAtK(), false, true));
        chart.add(series("maj@k", ORANGE, m.majAtK(), false, true));
        return chart;
    }

    static LineChart tokensChart(String benchmark, EvalMetrics m) {
        LineChart chart = new LineChart(benchmark + ": accuracy vs generated tokens", "generated tokens (log scale)", true);
        List<double[]> curve = m.budgetCurve();
        double[] x = new double[curve.size()], y = new double[curve.size()];
        for (int i = 0; i < curve.size(); i++) {
            x[i] = curve.get(i)[0];
            y[i] = curve.get(i)[1];
        }
        chart.add(new LineChart.Series("avg@n if cut at this many tokens per sample", GREEN, x, y, null, null, true, false));
        // maj@k costs k samples: plot it at k x mean generated tokens, accuracy bought per token spent.
        double meanTokens = m.generatedTokens().mean();
        if (meanTokens > 0) {
            Map<Integer, Bootstrap.Interval> maj = m.majAtK();
            double[] mx = new double[maj.size()], my = new double[maj.size()], lo = new double[maj.size()], hi = new double[maj.size()];
            int i = 0;
            for (Map.Entry<Integer, Bootstrap.Interval> e : maj.entrySet()) {
                mx[i] = e.getKey() * meanTokens;
                my[i] = e.getValue().mean();
                lo[i] = e.getValue().low();
                hi[i] = e.getValue().high();
                i++;
            }
            chart.add(new LineChart.Series("maj@k at k x mean tokens per sample", ORANGE, mx, my, lo, hi, false, true));
        }
        return chart;
    }

    private static LineChart.Series series(String name, Color color, Map<Integer, Bootstrap.Interval> values,
                                           boolean step, boolean markers) {
        int n = values.size();
        double[] x = new double[n], y = new double[n], lo = new double[n], hi = new double[n];
        int i = 0;
        for (Map.Entry<Integer, Bootstrap.Interval> e : values.entrySet()) {
            x[i] = e.getKey();
            y[i] = e.getValue().mean();
            lo[i] = e.getValue().low();
            hi[i] = e.getValue().high();
            i++;
        }
        return new LineChart.Series(name, color, x, y, lo, hi, step, markers);
    }

    static byte[] png(BufferedImage image) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        if (!ImageIO.write(image, "png", out)) throw new IOException("no PNG writer in this JDK");
        return out.toByteArray();
    }
}
