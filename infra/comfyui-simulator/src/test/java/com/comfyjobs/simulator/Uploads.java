package com.comfyjobs.simulator;

import java.io.ByteArrayOutputStream;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;

/** Builds multipart/form-data bodies for POST /upload/image. */
final class Uploads {
    private Uploads() {
    }

    static TestApi.Response upload(TestApi api, String filename, byte[] content, String type, String subfolder, boolean overwrite) {
        String boundary = "----simulator-test-boundary";
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        field(body, boundary, "type", type);
        field(body, boundary, "subfolder", subfolder);
        if (overwrite) {
            field(body, boundary, "overwrite", "true");
        }
        body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"image\"; filename=\"" + filename
                + "\"\r\nContent-Type: image/png\r\n\r\n").getBytes(StandardCharsets.UTF_8));
        body.writeBytes(content);
        body.writeBytes(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        return api.send(api.builder("/upload/image").header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())).build());
    }

    private static void field(ByteArrayOutputStream body, String boundary, String name, String value) {
        body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + name + "\"\r\n\r\n" + value + "\r\n")
                .getBytes(StandardCharsets.UTF_8));
    }
}
