package com.comfyjobs.comfyui;

import java.io.IOException;
import java.io.InputStream;

/**
 * An output file being streamed from ComfyUI's /view. The caller reads {@link #body()} and must
 * close the download; nothing is buffered beyond the socket's own. {@code contentLength} is -1 when
 * ComfyUI sent no Content-Length.
 */
public record Download(InputStream body, long contentLength, String contentType) implements AutoCloseable {
    @Override
    public void close() throws IOException {
        body.close();
    }
}
