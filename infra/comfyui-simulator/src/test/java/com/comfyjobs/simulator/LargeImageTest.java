package com.comfyjobs.simulator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Big outputs are written and served as streams: a 4096x4096 noise PNG is about 50 MB. */
class LargeImageTest {
    @TempDir
    Path output;

    @Test
    void largeImagesAreWrittenAndServedWithoutHoldingThemInMemory() throws Exception {
        try (ComfyUiSimulator sim = ComfyUiSimulator.builder().port(0).stepMillis(0).nodeMillis(0).outputDir(output).build().start()) {
            TestApi api = new TestApi(sim);
            ObjectNode workflow = SampleWorkflows.small(77, 1);
            ((ObjectNode) workflow.get("5").get("inputs")).put("width", 4096).put("height", 4096);
            api.post("/prompt", SampleWorkflows.request(workflow, null));
            assertTrue(sim.awaitIdle(Duration.ofSeconds(30)));
            Path file = output.resolve("ComfyUI_00001_.png");
            long size = Files.size(file);
            assertTrue(size >= 4096L * 4096 * 3 && size < 4096L * 4096 * 3 * 101 / 100, "about width*height*3: " + size);
            try (ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
                ImageReader reader = ImageIO.getImageReaders(in).next();
                reader.setInput(in);
                assertEquals(4096, reader.getWidth(0));
                assertEquals(4096, reader.getHeight(0));
                reader.dispose();
            }
            HttpResponse<InputStream> response = api.client().send(api.builder("/view?filename=ComfyUI_00001_.png").GET().build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            assertEquals(200, response.statusCode());
            assertEquals(size, response.headers().firstValueAsLong("content-length").orElseThrow());
            long received;
            try (InputStream body = response.body()) {
                received = body.transferTo(java.io.OutputStream.nullOutputStream());
            }
            assertEquals(size, received);
        }
    }
}
