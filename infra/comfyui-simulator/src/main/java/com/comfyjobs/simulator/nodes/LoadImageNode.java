package com.comfyjobs.simulator.nodes;

import com.comfyjobs.simulator.json.PyException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * LoadImage: an image from the input area (where /upload/image puts files). Its pixels are seeded
 * by the file's hash, which is also its IS_CHANGED fingerprint.
 */
public final class LoadImageNode implements NodeFunction, InputValidation, ChangeDetector {
    private static final Set<String> IMAGE_EXTENSIONS = Set.of("png", "jpg", "jpeg", "jpe", "gif", "webp", "bmp",
            "tif", "tiff", "ico", "svg", "avif", "heic", "heif", "jxl", "apng");

    private final Folders folders;

    private LoadImageNode(Folders folders) {
        this.folders = folders;
    }

    public static NodeDefinition definition(Folders folders) {
        LoadImageNode node = new LoadImageNode(folders);
        return new NodeDefinition("LoadImage", "Load Image", "image", "", "load_image",
                List.of(InputSpec.requiredCombo("image", node::inputImages).with("image_upload", true)),
                Map.of(), List.of("IMAGE", "MASK"), List.of(), false, node, node, node);
    }

    /** The combo's options: the input area's top-level image files, sorted. */
    private List<String> inputImages() {
        try (Stream<Path> files = Files.list(folders.input())) {
            return files.filter(Files::isRegularFile)
                    .map(path -> path.getFileName().toString())
                    .filter(name -> IMAGE_EXTENSIONS.contains(name.substring(name.lastIndexOf('.') + 1).toLowerCase(Locale.ROOT)))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    private Path path(String image) {
        Folders.Annotated annotated = folders.annotated(image, folders.input());
        return PyPaths.resolve(annotated.dir(), annotated.name());
    }

    @Override
    public List<String> parameters() {
        return List.of("image");
    }

    @Override
    public Optional<String> check(String inputName, JsonNode value) {
        String image = value.isTextual() ? value.textValue() : value.toString();
        return Files.exists(path(image)) ? Optional.empty() : Optional.of("Invalid image file: " + image);
    }

    @Override
    public String fingerprint(ObjectNode inputs) {
        try {
            return HexFormat.of().formatHex(sha256(path(inputs.path("image").asText())));
        } catch (IOException e) {
            return "unreadable:" + System.nanoTime();
        }
    }

    @Override
    public NodeResult run(NodeRun run) throws PyException {
        Path file = path(((JsonNode) run.input("image")).asText());
        run.work();
        Optional<int[]> webp = WebpSize.of(file);
        if (webp.isPresent()) {
            int width = webp.get()[0];
            int height = webp.get()[1];
            try {
                return NodeResult.of(new ImageBatch(width, height, 1, ByteBuffer.wrap(sha256(file)).getLong()), new Mask(width, height));
            } catch (IOException e) {
                throw new PyException("OSError", String.valueOf(e.getMessage()), List.of());
            }
        }
        try (ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
            Iterator<ImageReader> readers = in == null ? null : ImageIO.getImageReaders(in);
            if (readers == null || !readers.hasNext()) {
                throw new PyException("PIL.UnidentifiedImageError", "cannot identify image file '" + file + "'", List.of(
                        SimulatedTraceback.frame("nodes.py", 1640, "load_image", "img = node_helpers.pillow(Image.open, image_path)")));
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in);
                int width = reader.getWidth(0);
                int height = reader.getHeight(0);
                long seed = ByteBuffer.wrap(sha256(file)).getLong();
                return NodeResult.of(new ImageBatch(width, height, 1, seed), new Mask(width, height));
            } finally {
                reader.dispose();
            }
        } catch (IOException e) {
            throw new PyException("OSError", String.valueOf(e.getMessage()), List.of());
        }
    }

    private static byte[] sha256(Path file) throws IOException {
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JVM", e);
        }
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), digest)) {
            in.transferTo(OutputStream.nullOutputStream());
        }
        return digest.digest();
    }
}
