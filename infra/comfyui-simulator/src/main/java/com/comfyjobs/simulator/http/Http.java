package com.comfyjobs.simulator.http;

import io.netty.buffer.ByteBufUtil;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.util.List;

/** Small request helpers shared by the route classes. */
final class Http {
    private Http() {
    }

    static byte[] bodyBytes(FullHttpRequest request) {
        return ByteBufUtil.getBytes(request.content());
    }

    /** The first value of a query parameter, as aiohttp's rel_url.query.get does. */
    static String param(QueryStringDecoder query, String name) {
        List<String> values = query.parameters().get(name);
        return values == null || values.isEmpty() ? null : values.get(0);
    }
}
