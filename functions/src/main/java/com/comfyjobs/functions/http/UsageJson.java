package com.comfyjobs.functions.http;

import com.comfyjobs.job.UsageDay;
import com.comfyjobs.usage.UsageReport;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A usage report as GET /usage answers it: {@code {"user","from","to","days":[{"date","submitted",
 * "succeeded","failed","canceled","expired","gpuSeconds"}...],"total":{...}}}, GPU seconds to the
 * millisecond.
 */
public final class UsageJson {
    private UsageJson() {
    }

    public static ObjectNode report(UsageReport r) {
        ObjectNode o = HttpResponses.object()
                .put("user", r.userId())
                .put("from", r.range().from().toString())
                .put("to", r.range().to().toString());
        ArrayNode days = o.putArray("days");
        for (UsageDay d : r.days()) {
            counts(days.addObject().put("date", d.date().toString()), d);
        }
        counts(o.putObject("total"), r.total());
        return o;
    }

    private static void counts(ObjectNode o, UsageDay d) {
        o.put("submitted", d.submitted())
                .put("succeeded", d.succeeded())
                .put("failed", d.failed())
                .put("canceled", d.canceled())
                .put("expired", d.expired())
                .put("gpuSeconds", gpuSeconds(d.gpuMillis()));
    }

    public static double gpuSeconds(long millis) {
        return millis / 1000.0;
    }
}
