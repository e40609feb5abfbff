package com.comfyjobs.simulator.http;

import com.comfyjobs.simulator.engine.FaultState;
import com.comfyjobs.simulator.json.Json;
import com.comfyjobs.simulator.nodes.Folders;
import com.comfyjobs.simulator.nodes.PyPaths;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.multipart.Attribute;
import io.netty.handler.codec.http.multipart.DefaultHttpDataFactory;
import io.netty.handler.codec.http.multipart.FileUpload;
import io.netty.handler.codec.http.multipart.HttpPostRequestDecoder;
import io.netty.handler.codec.http.multipart.InterfaceHttpData;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/** GET /view and POST /upload/image, with ComfyUI's path checks and status codes. */
final class FileRoutes {
    /** ComfyUI's default --max-upload-size of 100 MB. */
    static final long MAX_UPLOAD_BYTES = 100L * 1024 * 1024;

    private static final Map<String, String> CONTENT_TYPES = Map.ofEntries(
            Map.entry("png", "image/png"), Map.entry("jpg", "image/jpeg"), Map.entry("jpeg", "image/jpeg"),
            Map.entry("gif", "image/gif"), Map.entry("webp", "image/webp"), Map.entry("bmp", "image/bmp"),
            Map.entry("tif", "image/tiff"), Map.entry("tiff", "image/tiff"), Map.entry("mp4", "video/mp4"),
            Map.entry("webm", "video/webm"), Map.entry("wav", "audio/x-wav"), Map.entry("mp3", "audio/mpeg"),
            Map.entry("flac", "audio/flac"), Map.entry("json", "application/json"), Map.entry("txt", "text/plain"));

    private final Folders folders;
    private final FaultState faults;

    FileRoutes(Folders folders, FaultState faults) {
        this.folders = folders;
        this.faults = faults;
    }

    /** GET /view: 400 for a bad name or type, 403 for a subfolder outside the area, 404 when absent. */
    Reply view(QueryStringDecoder query) {
        String requested = Http.param(query, "filename");
        if (requested == null || faults.view404()) {
            return Reply.notFound();
        }
        if (faults.view403()) {
            return Reply.empty(403);
        }
        Folders.Annotated annotated = folders.annotated(requested, null);
        String filename = annotated.name();
        if (filename.isEmpty() || filename.startsWith("/") || filename.contains("..")) {
            return Reply.empty(400);
        }
        Path dir = annotated.dir();
        if (dir == null) {
            String type = Http.param(query, "type");
            Optional<Path> byType = folders.byType(type == null ? "output" : type);
            if (byType.isEmpty()) {
                return Reply.empty(400);
            }
            dir = byType.get();
        }
        String subfolder = Http.param(query, "subfolder");
        if (subfolder != null) {
            Path full = PyPaths.resolve(dir, subfolder);
            if (!PyPaths.inside(dir, full)) {
                return Reply.empty(403);
            }
            dir = full;
        }
        String name = PyPaths.basename(filename);
        Path file = dir.resolve(name);
        if (!Files.isRegularFile(file)) {
            return Reply.notFound();
        }
        String extension = name.substring(name.lastIndexOf('.') + 1).toLowerCase(Locale.ROOT);
        String contentType = CONTENT_TYPES.getOrDefault(extension, "application/octet-stream");
        return Reply.file(file, contentType, Map.of("Content-Disposition", "filename=\"" + name + "\""));
    }

    /** POST /upload/image (multipart: image, type, subfolder, overwrite). */
    Reply upload(FullHttpRequest request) throws IOException {
        HttpPostRequestDecoder decoder = new HttpPostRequestDecoder(new DefaultHttpDataFactory(DefaultHttpDataFactory.MINSIZE), request);
        try {
            InterfaceHttpData image = decoder.getBodyHttpData("image");
            String overwrite = attribute(decoder, "overwrite");
            String type = attribute(decoder, "type");
            String subfolder = Optional.ofNullable(attribute(decoder, "subfolder")).orElse("");
            Path dir = folders.byType(type == null ? "input" : type).orElse(null);
            if (dir == null) {
                return Reply.internalError();
            }
            if (!(image instanceof FileUpload upload)) {
                return image == null ? Reply.empty(400) : Reply.internalError();
            }
            String filename = upload.getFilename();
            if (filename == null || filename.isEmpty()) {
                return Reply.empty(400);
            }
            Path folder = PyPaths.resolve(dir, PyPaths.normpath(subfolder));
            Path target = PyPaths.resolve(folder, filename);
            if (!PyPaths.inside(dir, target)) {
                return Reply.empty(400);
            }
            Files.createDirectories(folder);
            boolean duplicate = false;
            if (!"true".equals(overwrite) && !"1".equals(overwrite)) {
                String[] split = splitext(filename);
                for (int i = 1; Files.exists(target); i++) {
                    if (sameContent(target, upload)) {
                        duplicate = true;
                        break;
                    }
                    filename = split[0] + " (" + i + ")" + split[1];
                    target = folder.resolve(filename);
                }
            }
            if (!duplicate) {
                if (upload.isInMemory()) {
                    Files.write(target, upload.get());
                } else {
                    Files.copy(upload.getFile().toPath(), target, StandardCopyOption.REPLACE_EXISTING);
                }
            }
            ObjectNode out = Json.object();
            out.put("name", filename);
            out.put("subfolder", subfolder);
            out.put("type", type == null ? "input" : type);
            return Reply.json(out);
        } finally {
            decoder.destroy();
        }
    }

    private static String attribute(HttpPostRequestDecoder decoder, String name) throws IOException {
        InterfaceHttpData data = decoder.getBodyHttpData(name);
        return data instanceof Attribute attribute ? attribute.getValue() : null;
    }

    /** os.path.splitext: an extension needs something other than dots before it. */
    private static String[] splitext(String name) {
        int dot = name.lastIndexOf('.');
        if (dot > 0 && !name.substring(0, dot).replace(".", "").isEmpty()) {
            return new String[] {name.substring(0, dot), name.substring(dot)};
        }
        return new String[] {name, ""};
    }

    private static boolean sameContent(Path existing, FileUpload upload) throws IOException {
        InputStream uploaded = upload.isInMemory()
                ? new ByteArrayInputStream(upload.get())
                : Files.newInputStream(upload.getFile().toPath());
        return Arrays.equals(digest(Files.newInputStream(existing)), digest(uploaded));
    }

    private static byte[] digest(InputStream in) throws IOException {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            try (InputStream stream = new DigestInputStream(in, sha)) {
                stream.transferTo(OutputStream.nullOutputStream());
            }
            return sha.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JVM", e);
        }
    }
}
