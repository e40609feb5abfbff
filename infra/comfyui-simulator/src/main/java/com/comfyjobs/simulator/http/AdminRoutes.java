package com.comfyjobs.simulator.http;

import com.comfyjobs.simulator.json.Json;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import java.io.IOException;

/** The simulator's own control routes under /_sim/ (never delayed or failed by the fault knobs). */
final class AdminRoutes {
    private final AdminControl control;

    AdminRoutes(AdminControl control) {
        this.control = control;
    }

    Reply handle(FullHttpRequest request, String path) {
        boolean get = request.method().equals(HttpMethod.GET);
        boolean post = request.method().equals(HttpMethod.POST);
        switch (path) {
            case "/_sim/restart":
                if (!post) {
                    return Reply.text(405, "405: Method Not Allowed");
                }
                control.restart();
                return Reply.json(control.faults());
            case "/_sim/faults":
                if (get) {
                    return Reply.json(control.faults());
                }
                if (!post) {
                    return Reply.text(405, "405: Method Not Allowed");
                }
                try {
                    byte[] body = Http.bodyBytes(request);
                    control.applyFaults(body.length == 0 ? Json.object() : Json.parse(body));
                } catch (IOException | IllegalArgumentException e) {
                    ObjectNode error = Json.object();
                    error.put("error", String.valueOf(e.getMessage()));
                    return Reply.json(400, error);
                }
                return Reply.json(control.faults());
            case "/_sim/stats":
                return get ? Reply.json(control.stats()) : Reply.text(405, "405: Method Not Allowed");
            default:
                return Reply.notFound();
        }
    }
}
