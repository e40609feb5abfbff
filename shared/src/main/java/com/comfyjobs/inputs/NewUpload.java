package com.comfyjobs.inputs;

import java.time.Instant;

/** A place for one image: its id (for {@code {"upload": id}}), the URL to PUT the bytes to, and when that URL expires. */
public record NewUpload(String upload, String url, Instant expiresAt) {
}
