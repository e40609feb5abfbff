package com.comfyjobs.bench;

import java.io.PrintStream;
import java.util.List;
import java.util.Locale;

/** Prints rows as a fixed-width table (terminal) or as markdown (docs/benchmarks.md). */
final class Table {
    private Table() {
    }

    static void print(List<Row> rows, PrintStream out) {
        String fmt = "%-10s %-44s %14s %14s %7s  %s%n";
        out.printf(fmt, "section", "path", "ours", "raw limit", "ratio", "raw limit is / note");
        out.println("-".repeat(140));
        for (Row r : rows) {
            out.printf(fmt, r.section(), r.what(), num(r.ours(), r.unit()), num(r.raw(), r.unit()), ratio(r.ratio()),
                    r.rawMeaning() + (r.note().isEmpty() ? "" : "; " + r.note()));
        }
    }

    static String markdown(List<Row> rows) {
        StringBuilder b = new StringBuilder("| section | path | ours | raw limit | ratio | raw limit is | note |\n|---|---|---:|---:|---:|---|---|\n");
        for (Row r : rows) {
            b.append("| ").append(r.section()).append(" | ").append(r.what()).append(" | ").append(num(r.ours(), r.unit()))
                    .append(" | ").append(num(r.raw(), r.unit())).append(" | ").append(ratio(r.ratio())).append(" | ")
                    .append(r.rawMeaning()).append(" | ").append(r.note()).append(" |\n");
        }
        return b.toString();
    }

    static String num(double v, String unit) {
        if (Double.isNaN(v)) {
            return "-";
        }
        String n = Math.abs(v) >= 100 ? String.format(Locale.ROOT, "%,.0f", v) : String.format(Locale.ROOT, "%.2f", v);
        return n + " " + unit;
    }

    static String ratio(double r) {
        return Double.isNaN(r) ? "-" : String.format(Locale.ROOT, "%.2fx", r);
    }
}
