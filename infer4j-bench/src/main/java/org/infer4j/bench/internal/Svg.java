package org.infer4j.bench.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.DoubleFunction;
import org.jspecify.annotations.Nullable;

/**
 * Small inline SVG charts for the HTML report, drawn in Java so that the report needs no script and no
 * network: line charts (linear or logarithmic axes) and horizontal bar charts. Each chart is an
 * {@code <svg>} element with a {@code <title>} naming it. Stateless.
 */
final class Svg {
    /** Tableau 10: distinguishable, colour-blind friendly enough. */
    static final String[] PALETTE = {"#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1",
        "#ff9da7", "#9c755f", "#bab0ac"};

    private Svg() {
    }

    /** How values map to an axis. */
    enum Scale {
        LINEAR, LOG,
        /** Percentiles, spread like HdrHistogram's plots: position log10(1 / (1 - p/100)). */
        PERCENTILE
    }

    /** One line: its label, colour and points (x, y); points with a non-finite or, on log axes, non-positive value are skipped. */
    record Series(String label, String color, List<double[]> points, boolean dashed) {
        Series(String label, String color, List<double[]> points) {
            this(label, color, points, false);
        }
    }

    /** One bar: label, value, colour, and text to show at its end. */
    record Bar(String label, double value, String color, String text, @Nullable Double marker) {
    }

    static String color(int i) {
        return PALETTE[Math.floorMod(i, PALETTE.length)];
    }

    private static double position(Scale scale, double v) {
        return switch (scale) {
            case LINEAR -> v;
            case LOG -> Math.log10(v);
            case PERCENTILE -> Math.log10(1 / (1 - Math.min(v, 99.9999) / 100));
        };
    }

    private static boolean valid(Scale scale, double v) {
        return switch (scale) {
            case LINEAR -> Double.isFinite(v);
            case LOG -> Double.isFinite(v) && v > 0;
            case PERCENTILE -> Double.isFinite(v) && v >= 0 && v <= 100;
        };
    }

    /** A line chart of {@code series}; x and y axes as given; legend on the right. */
    static String lineChart(String title, String xLabel, String yLabel, List<Series> series, Scale xScale, Scale yScale,
                            @Nullable List<Double> xTicks) {
        int width = 960;
        int legendWidth = 330;
        int height = 340;
        int left = 70;
        int right = width - legendWidth - 20;
        int top = 36;
        int bottom = height - 50;
        double xMin = Double.POSITIVE_INFINITY;
        double xMax = Double.NEGATIVE_INFINITY;
        double yMin = Double.POSITIVE_INFINITY;
        double yMax = Double.NEGATIVE_INFINITY;
        for (Series s : series) {
            for (double[] p : s.points()) {
                if (valid(xScale, p[0]) && valid(yScale, p[1])) {
                    xMin = Math.min(xMin, position(xScale, p[0]));
                    xMax = Math.max(xMax, position(xScale, p[0]));
                    yMin = Math.min(yMin, position(yScale, p[1]));
                    yMax = Math.max(yMax, position(yScale, p[1]));
                }
            }
        }
        StringBuilder sb = open(title, width, height);
        if (xMin > xMax) {
            sb.append(text(width / 2.0, height / 2.0, "no data", "middle", 14, "#666"));
            return sb.append("</svg>\n").toString();
        }
        if (yScale == Scale.LINEAR) {
            yMin = Math.min(0, yMin);
        }
        if (xMax - xMin < 1e-9) {
            xMin -= 0.5;
            xMax += 0.5;
        }
        if (yMax - yMin < 1e-9) {
            yMax = yMin + (yScale == Scale.LOG ? 0.5 : Math.max(1, Math.abs(yMin)));
        }
        if (yScale == Scale.LINEAR) {
            yMax = niceCeil(yMax);
        } else {
            yMin = Math.floor(yMin * 10) / 10;
            yMax = Math.ceil(yMax * 10) / 10;
        }
        final double x0 = xMin;
        final double x1 = xMax;
        final double y0 = yMin;
        final double y1 = yMax;
        DoubleFunction<Double> px = v -> left + (position(xScale, v) - x0) / (x1 - x0) * (right - left);
        DoubleFunction<Double> py = v -> bottom - (position(yScale, v) - y0) / (y1 - y0) * (bottom - top);
        // grid and ticks
        for (double t : yTicks(yScale, y0, y1)) {
            double y = py.apply(t);
            sb.append(line(left, y, right, y, "#e3e3e3", 1));
            sb.append(text(left - 6, y + 4, number(t), "end", 11, "#444"));
        }
        List<Double> xs = xTicks != null ? xTicks : xTicksFor(xScale, x0, x1);
        for (double t : xs) {
            if (!valid(xScale, t) || position(xScale, t) < x0 - 1e-9 || position(xScale, t) > x1 + 1e-9) {
                continue;
            }
            double x = px.apply(t);
            sb.append(line(x, top, x, bottom, "#eeeeee", 1));
            sb.append(text(x, bottom + 16, xScale == Scale.PERCENTILE ? percent(t) : number(t), "middle", 11, "#444"));
        }
        sb.append(line(left, bottom, right, bottom, "#888", 1)).append(line(left, top, left, bottom, "#888", 1));
        sb.append(text((left + right) / 2.0, height - 12, xLabel, "middle", 12, "#222"));
        sb.append("<text x=\"16\" y=\"").append(fmt((top + bottom) / 2.0)).append("\" text-anchor=\"middle\" font-size=\"12\" ")
                .append("fill=\"#222\" transform=\"rotate(-90 16 ").append(fmt((top + bottom) / 2.0)).append(")\">")
                .append(escape(yLabel)).append("</text>\n");
        int legendY = top;
        for (Series s : series) {
            StringBuilder path = new StringBuilder();
            int n = 0;
            boolean pen = false;
            for (double[] p : s.points()) {
                if (valid(xScale, p[0]) && valid(yScale, p[1])) {
                    path.append(pen ? "L" : "M").append(fmt(px.apply(p[0]))).append(',').append(fmt(py.apply(p[1])));
                    pen = true;
                    n++;
                } else {
                    pen = false; // a gap: the next point starts a new stroke
                }
            }
            if (n == 0) {
                continue;
            }
            sb.append("<path d=\"").append(path).append("\" fill=\"none\" stroke=\"").append(s.color())
                    .append("\" stroke-width=\"2\"").append(s.dashed() ? " stroke-dasharray=\"6 4\"" : "").append("><title>")
                    .append(escape(s.label())).append("</title></path>\n");
            if (n <= 12) {
                for (double[] p : s.points()) {
                    if (valid(xScale, p[0]) && valid(yScale, p[1])) {
                        sb.append("<circle cx=\"").append(fmt(px.apply(p[0]))).append("\" cy=\"").append(fmt(py.apply(p[1])))
                                .append("\" r=\"3\" fill=\"").append(s.color()).append("\"><title>").append(escape(s.label()))
                                .append(": ").append(number(p[0])).append(", ").append(number(p[1])).append("</title></circle>\n");
                    }
                }
            }
            if (legendY < height - 12) {
                sb.append("<rect x=\"").append(right + 20).append("\" y=\"").append(legendY - 9).append("\" width=\"14\" height=\"")
                        .append(s.dashed() ? 3 : 10).append("\" fill=\"").append(s.color()).append("\"/>");
                sb.append(text(right + 40, legendY, clip(s.label(), 50), "start", 11, "#222"));
                legendY += 16;
            }
        }
        return sb.append("</svg>\n").toString();
    }

    /**
     * Horizontal bars, one per row, on a shared linear axis from 0; each bar may carry a marker (a tick, e.g. the
     * p99 over a p50 bar).
     */
    static String barChart(String title, String valueLabel, List<Bar> bars, @Nullable String markerLabel) {
        double lo = Double.POSITIVE_INFINITY;
        double hi = 0;
        for (Bar b : bars) {
            if (Double.isFinite(b.value()) && b.value() > 0) {
                lo = Math.min(lo, b.value());
                hi = Math.max(hi, b.marker() != null && Double.isFinite(b.marker()) ? Math.max(b.value(), b.marker()) : b.value());
            }
        }
        if (hi / lo > 30) {
            return logBarChart(title, valueLabel, bars, markerLabel, lo, hi);
        }
        int labelWidth = 330;
        int width = 900;
        int rowHeight = 20;
        int top = 36;
        int height = top + bars.size() * rowHeight + 50;
        int left = labelWidth;
        int right = width - 90;
        double max = 0;
        for (Bar b : bars) {
            max = Math.max(max, Double.isFinite(b.value()) ? b.value() : 0);
            if (b.marker() != null && Double.isFinite(b.marker())) {
                max = Math.max(max, b.marker());
            }
        }
        max = niceCeil(max <= 0 ? 1 : max);
        StringBuilder sb = open(title, width, height);
        int bottom = top + bars.size() * rowHeight;
        for (double t : yTicks(Scale.LINEAR, 0, max)) {
            double x = left + t / max * (right - left);
            sb.append(line(x, top - 4, x, bottom, "#e6e6e6", 1)).append(text(x, bottom + 16, number(t), "middle", 11, "#444"));
        }
        int y = top;
        for (Bar b : bars) {
            sb.append(text(left - 8, y + 14, clip(b.label(), 52), "end", 11, "#222"));
            if (Double.isFinite(b.value())) {
                double w = Math.max(1, b.value() / max * (right - left));
                sb.append("<rect x=\"").append(left).append("\" y=\"").append(y + 3).append("\" width=\"").append(fmt(w))
                        .append("\" height=\"").append(rowHeight - 6).append("\" fill=\"").append(b.color()).append("\"><title>")
                        .append(escape(b.label() + ": " + b.text())).append("</title></rect>");
                double end = w;
                if (b.marker() != null && Double.isFinite(b.marker())) {
                    double mx = left + b.marker() / max * (right - left);
                    sb.append(line(left + w, y + rowHeight / 2.0, mx, y + rowHeight / 2.0, b.color(), 1));
                    sb.append("<rect x=\"").append(fmt(mx - 1.5)).append("\" y=\"").append(y + 2).append("\" width=\"3\" height=\"")
                            .append(rowHeight - 4).append("\" fill=\"#333\"/>");
                    end = Math.max(end, mx - left);
                }
                sb.append(text(left + end + 6, y + 14, b.text(), "start", 10, "#333"));
            } else {
                sb.append(text(left + 6, y + 14, b.text(), "start", 10, "#a33"));
            }
            y += rowHeight;
        }
        sb.append(line(left, top - 4, left, bottom, "#888", 1));
        sb.append(text((left + right) / 2.0, height - 14, valueLabel + (markerLabel != null ? "   (bar: p50, black tick: "
                + markerLabel + ")" : ""), "middle", 12, "#222"));
        return sb.append("</svg>\n").toString();
    }

    /** Bars on a logarithmic axis, for rows that span orders of magnitude (a CPU reference beside GPUs). */
    private static String logBarChart(String title, String valueLabel, List<Bar> bars, @Nullable String markerLabel, double lo,
                                      double hi) {
        int left = 330;
        int width = 900;
        int right = width - 110;
        int rowHeight = 20;
        int top = 36;
        int bottom = top + bars.size() * rowHeight;
        int height = bottom + 50;
        double from = Math.floor(Math.log10(lo) - 0.05);
        double to = Math.ceil(Math.log10(hi));
        DoubleFunction<Double> px = v -> left + (Math.log10(v) - from) / (to - from) * (right - left);
        StringBuilder sb = open(title, width, height);
        for (double t : yTicks(Scale.LOG, from, to)) {
            double x = px.apply(t);
            sb.append(line(x, top - 4, x, bottom, "#e6e6e6", 1)).append(text(x, bottom + 16, number(t), "middle", 11, "#444"));
        }
        int y = top;
        for (Bar b : bars) {
            sb.append(text(left - 8, y + 14, clip(b.label(), 52), "end", 11, "#222"));
            if (Double.isFinite(b.value()) && b.value() > 0) {
                double w = Math.max(1, px.apply(b.value()) - left);
                sb.append("<rect x=\"").append(left).append("\" y=\"").append(y + 3).append("\" width=\"").append(fmt(w))
                        .append("\" height=\"").append(rowHeight - 6).append("\" fill=\"").append(b.color()).append("\"><title>")
                        .append(escape(b.label() + ": " + b.text())).append("</title></rect>");
                double end = left + w;
                if (b.marker() != null && Double.isFinite(b.marker()) && b.marker() > 0) {
                    double mx = px.apply(b.marker());
                    sb.append(line(left + w, y + rowHeight / 2.0, mx, y + rowHeight / 2.0, b.color(), 1));
                    sb.append("<rect x=\"").append(fmt(mx - 1.5)).append("\" y=\"").append(y + 2).append("\" width=\"3\" height=\"")
                            .append(rowHeight - 4).append("\" fill=\"#333\"/>");
                    end = Math.max(end, mx);
                }
                sb.append(text(end + 6, y + 14, b.text(), "start", 10, "#333"));
            } else {
                sb.append(text(left + 6, y + 14, b.text(), "start", 10, "#a33"));
            }
            y += rowHeight;
        }
        sb.append(line(left, top - 4, left, bottom, "#888", 1));
        sb.append(text((left + right) / 2.0, height - 14, valueLabel + " (log scale)" + (markerLabel != null
                ? "   (bar: p50, black tick: " + markerLabel + ")" : ""), "middle", 12, "#222"));
        return sb.append("</svg>\n").toString();
    }

    private static StringBuilder open(String title, int width, int height) {
        StringBuilder sb = new StringBuilder();
        sb.append("<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" viewBox=\"0 0 ").append(width).append(' ').append(height)
                .append("\" width=\"").append(width).append("\" height=\"").append(height)
                .append("\" font-family=\"Helvetica, Arial, sans-serif\" role=\"img\">\n<title>").append(escape(title))
                .append("</title>\n<rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>\n");
        sb.append(text(10, 22, title, "start", 14, "#111").replace("<text ", "<text font-weight=\"bold\" "));
        return sb;
    }

    private static List<Double> yTicks(Scale scale, double from, double to) {
        List<Double> ticks = new ArrayList<>();
        if (scale == Scale.LINEAR) {
            double step = niceStep((to - from) / 5);
            for (double t = Math.ceil(from / step) * step; t <= to + step * 1e-6; t += step) {
                ticks.add(Math.abs(t) < step * 1e-9 ? 0 : t);
            }
            return ticks;
        }
        for (int e = (int) Math.floor(from); e <= Math.ceil(to); e++) {
            for (int m : to - from > 2.5 ? new int[] {1} : new int[] {1, 2, 5}) {
                double v = m * Math.pow(10, e);
                double p = Math.log10(v);
                if (p >= from - 1e-9 && p <= to + 1e-9) {
                    ticks.add(v);
                }
            }
        }
        return ticks;
    }

    private static List<Double> xTicksFor(Scale scale, double from, double to) {
        if (scale == Scale.PERCENTILE) {
            return List.of(0.0, 50.0, 90.0, 99.0, 99.9, 99.99, 99.999);
        }
        return yTicks(scale, from, to);
    }

    static double niceStep(double raw) {
        if (!(raw > 0)) {
            return 1;
        }
        double exp = Math.pow(10, Math.floor(Math.log10(raw)));
        double f = raw / exp;
        return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 2.5 ? 2.5 : f <= 5 ? 5 : 10) * exp;
    }

    static double niceCeil(double v) {
        double step = niceStep(v / 5);
        return Math.ceil(v / step - 1e-9) * step;
    }

    static String number(double v) {
        double a = Math.abs(v);
        if (a == 0) {
            return "0";
        }
        if (a >= 1e6) {
            return String.format(Locale.ROOT, "%.3gM", v / 1e6);
        }
        if (a >= 1e4) {
            return String.format(Locale.ROOT, "%.0fk", v / 1e3);
        }
        if (a >= 100 || v == Math.rint(v)) {
            return String.format(Locale.ROOT, "%.0f", v);
        }
        String s = String.format(Locale.ROOT, "%.3g", v);
        return s.contains(".") ? s.replaceAll("0+$", "").replaceAll("\\.$", "") : s;
    }

    /** {@code 99.99%}: a percentile with the decimals it has. */
    static String percent(double p) {
        return java.math.BigDecimal.valueOf(p).stripTrailingZeros().toPlainString() + "%";
    }

    private static String line(double x1, double y1, double x2, double y2, String color, double w) {
        return "<line x1=\"" + fmt(x1) + "\" y1=\"" + fmt(y1) + "\" x2=\"" + fmt(x2) + "\" y2=\"" + fmt(y2) + "\" stroke=\"" + color
                + "\" stroke-width=\"" + fmt(w) + "\"/>";
    }

    private static String text(double x, double y, String s, String anchor, int size, String color) {
        return "<text x=\"" + fmt(x) + "\" y=\"" + fmt(y) + "\" text-anchor=\"" + anchor + "\" font-size=\"" + size + "\" fill=\""
                + color + "\">" + escape(s) + "</text>\n";
    }

    private static String clip(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max - 1) + "…";
    }

    static String fmt(double v) {
        return String.format(Locale.ROOT, "%.1f", v);
    }

    static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
