package org.infer4j.metrics;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The little JSON this package writes (objects, arrays, strings, numbers, booleans), so that the
 * recorder and sampler need no JSON library. Non-finite numbers, which JSON cannot hold, become null.
 */
final class Json {
    private Json() {}

    static String object(Map<String, ? extends @Nullable Object> map) {
        StringBuilder out = new StringBuilder(32 * map.size() + 2);
        write(out, map);
        return out.toString();
    }

    /** {@code value}, or null if it is not finite: what a JSON map for Jackson should hold. */
    static @Nullable Double finiteOrNull(double value) {
        return Double.isFinite(value) ? value : null;
    }

    /** {@code values} as a list, non-finite values as null. */
    static List<@Nullable Double> finiteOrNull(double[] values) {
        List<@Nullable Double> list = new ArrayList<>(values.length);
        for (double value : values) {
            list.add(finiteOrNull(value));
        }
        return list;
    }

    static void write(StringBuilder out, @Nullable Object value) {
        if (value == null) {
            out.append("null");
        } else if (value instanceof Map<?, ?> map) {
            out.append('{');
            boolean first = true;
            for (Map.Entry<?, ?> entry : map.entrySet()) {
                if (!first) {
                    out.append(',');
                }
                first = false;
                string(out, String.valueOf(entry.getKey()));
                out.append(':');
                write(out, entry.getValue());
            }
            out.append('}');
        } else if (value instanceof Collection<?> items) {
            out.append('[');
            boolean first = true;
            for (Object item : items) {
                if (!first) {
                    out.append(',');
                }
                first = false;
                write(out, item);
            }
            out.append(']');
        } else if (value instanceof double[] numbers) {
            out.append('[');
            for (int i = 0; i < numbers.length; i++) {
                if (i > 0) {
                    out.append(',');
                }
                number(out, numbers[i]);
            }
            out.append(']');
        } else if (value instanceof long[] numbers) {
            out.append('[');
            for (int i = 0; i < numbers.length; i++) {
                if (i > 0) {
                    out.append(',');
                }
                out.append(numbers[i]);
            }
            out.append(']');
        } else if (value instanceof Double || value instanceof Float) {
            number(out, ((Number) value).doubleValue());
        } else if (value instanceof Number || value instanceof Boolean) {
            out.append(value);
        } else {
            string(out, String.valueOf(value));
        }
    }

    private static void number(StringBuilder out, double value) {
        if (Double.isFinite(value)) {
            out.append(value);
        } else {
            out.append("null");
        }
    }

    private static void string(StringBuilder out, String text) {
        out.append('"');
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }
}
