package com.comfyjobs.simulator;

import static com.comfyjobs.simulator.Pictures.graph;
import static com.comfyjobs.simulator.Pictures.lastMessage;
import static com.comfyjobs.simulator.Pictures.rgb;
import static com.comfyjobs.simulator.Pictures.rows;
import static com.comfyjobs.simulator.Pictures.saved;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.awt.image.BufferedImage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The model-free image nodes run on the pixels the simulator carries, with ComfyUI 0.3.64's arithmetic:
 * float32 values, SaveImage truncating {@code 255 * value} to a byte, torch's interpolation, Pillow's
 * lanczos, the blur's kernel over [-1, 1] with reflect padding. Expected bytes were worked out by hand
 * from those definitions and checked against numpy, torch and Pillow.
 */
class ImageNodesTest {
    private static final int BLACK = 0xff000000;
    private static final int WHITE = 0xffffffff;
    private static ComfyUiSimulator sim;
    private static TestApi api;

    @BeforeAll
    static void start() {
        sim = ComfyUiSimulator.builder().port(0).stepMillis(0).nodeMillis(0).build().start();
        api = new TestApi(sim);
    }

    @AfterAll
    static void stop() {
        sim.close();
    }

    private static JsonNode run(String json) {
        return Pictures.run(sim, api, graph(json));
    }

    /** A one-row image of reds (green and blue 0), as an input file. */
    private static String redRow(String name, int... reds) {
        Pictures.input(sim, name, reds.length, 1, false, (x, y) -> BLACK | reds[x] << 16);
        return name;
    }

    private static int[] reds(BufferedImage image) {
        int[] reds = new int[image.getWidth()];
        for (int x = 0; x < reds.length; x++) {
            reds[x] = rgb(image, x, 0)[0];
        }
        return reds;
    }

    /** LoadImage -> {@code node} -> SaveImage; answers the saved image. */
    private static BufferedImage through(String file, String classType, String inputs) {
        JsonNode entry = run("{\"1\": {\"class_type\": \"LoadImage\", \"inputs\": {\"image\": \"" + file + "\"}},"
                + "\"2\": {\"class_type\": \"" + classType + "\", \"inputs\": {\"image\": [\"1\", 0], " + inputs + "}},"
                + "\"3\": {\"class_type\": \"SaveImage\", \"inputs\": {\"images\": [\"2\", 0], \"filename_prefix\": \"t\"}}}");
        return saved(sim, entry, "3");
    }

    @Test
    void emptyImageIsOneColourInEveryImageOfItsBatch() {
        JsonNode entry = run("{\"1\": {\"class_type\": \"EmptyImage\", \"inputs\": {\"width\": 3, \"height\": 2, \"batch_size\": 2, \"color\": 3368601}},"
                + "\"2\": {\"class_type\": \"SaveImage\", \"inputs\": {\"images\": [\"1\", 0], \"filename_prefix\": \"empty\"}}}");
        assertEquals(2, entry.get("outputs").get("2").get("images").size());
        for (int index = 0; index < 2; index++) {
            BufferedImage image = saved(sim, entry, "2", index);
            assertEquals(3, image.getWidth());
            assertEquals(2, image.getHeight());
            for (int[] row : rows(image)) {
                assertArrayEquals(new int[] {0x33, 0x66, 0x99, 0x33, 0x66, 0x99, 0x33, 0x66, 0x99}, row);
            }
        }
    }

    @Test
    void imageInvertIsOneMinusTheValueTruncatedOnSaving() {
        JsonNode entry = run("{\"1\": {\"class_type\": \"EmptyImage\", \"inputs\": {\"width\": 2, \"height\": 2, \"batch_size\": 1, \"color\": 33023}},"
                + "\"2\": {\"class_type\": \"ImageInvert\", \"inputs\": {\"image\": [\"1\", 0]}},"
                + "\"3\": {\"class_type\": \"SaveImage\", \"inputs\": {\"images\": [\"2\", 0], \"filename_prefix\": \"inv\"}}}");
        // 0x0080FF: 255 - 128 would be 127, but 255 * (1 - 128/255) is 126.99998 in float32.
        assertArrayEquals(new int[] {255, 126, 0}, rgb(saved(sim, entry, "3"), 1, 1));
        assertArrayEquals(new int[] {245, 54, 204}, reds(through(redRow("inv.png", 10, 200, 51), "ImageInvert", "\"x\": 0")),
                "a loaded file: 255 - b, or 254 - b where float32 says so");
    }

    @Test
    void loadImageCarriesTheFilesPixelsAndItsAlphaAsAMask() {
        Pictures.input(sim, "photo.png", 3, 2, true, (x, y) -> (x == 1 ? 0 : 0xff) << 24 | (40 * x + 100 * y) << 16 | 7 << 8 | 200);
        JsonNode entry = run("{\"1\": {\"class_type\": \"LoadImage\", \"inputs\": {\"image\": \"photo.png\"}},"
                + "\"2\": {\"class_type\": \"SaveImage\", \"inputs\": {\"images\": [\"1\", 0], \"filename_prefix\": \"same\"}},"
                + "\"3\": {\"class_type\": \"EmptyImage\", \"inputs\": {\"width\": 3, \"height\": 2, \"batch_size\": 1, \"color\": 0}},"
                + "\"4\": {\"class_type\": \"EmptyImage\", \"inputs\": {\"width\": 3, \"height\": 2, \"batch_size\": 1, \"color\": 16777215}},"
                + "\"5\": {\"class_type\": \"ImageCompositeMasked\", \"inputs\": {\"destination\": [\"3\", 0], \"source\": [\"4\", 0],"
                + " \"x\": 0, \"y\": 0, \"resize_source\": false, \"mask\": [\"1\", 1]}},"
                + "\"6\": {\"class_type\": \"SaveImage\", \"inputs\": {\"images\": [\"5\", 0], \"filename_prefix\": \"alpha\"}}}");
        BufferedImage same = saved(sim, entry, "2");
        for (int y = 0; y < 2; y++) {
            for (int x = 0; x < 3; x++) {
                assertArrayEquals(new int[] {40 * x + 100 * y, 7, 200}, rgb(same, x, y), "pixel " + x + "," + y);
            }
        }
        BufferedImage mask = saved(sim, entry, "6");
        for (int y = 0; y < 2; y++) {
            assertArrayEquals(new int[] {0, 0, 0, 255, 255, 255, 0, 0, 0}, rows(mask)[y], "transparent column 1 is where the mask is 1");
        }
    }

    @Test
    void anOpaqueImagesMaskIsComfyUis64x64Zeros() {
        redRow("opaque.png", 10, 20, 30, 40);
        JsonNode entry = run("{\"1\": {\"class_type\": \"LoadImage\", \"inputs\": {\"image\": \"opaque.png\"}},"
                + "\"2\": {\"class_type\": \"EmptyImage\", \"inputs\": {\"width\": 4, \"height\": 1, \"batch_size\": 1, \"color\": 0}},"
                + "\"3\": {\"class_type\": \"ImageCompositeMasked\", \"inputs\": {\"destination\": [\"2\", 0], \"source\": [\"1\", 0],"
                + " \"x\": 0, \"y\": 0, \"resize_source\": false, \"mask\": [\"1\", 1]}},"
                + "\"4\": {\"class_type\": \"SaveImage\", \"inputs\": {\"images\": [\"3\", 0], \"filename_prefix\": \"zeros\"}}}");
        assertArrayEquals(new int[] {0, 0, 0, 0}, reds(saved(sim, entry, "4")), "a zero mask keeps the destination");
    }

    @Test
    void loadImageMaskTakesTheChannelItIsAskedFor() {
        Pictures.input(sim, "mask.png", 4, 1, true, (x, y) -> (x == 3 ? 0 : 0xff) << 24 | (x == 1 ? 255 : x == 2 ? 128 : 0) << 16);
        for (String[] c : new String[][] {{"red", "0,255,128,0"}, {"alpha", "0,0,0,255"}, {"green", "0,0,0,0"}}) {
            JsonNode entry = run("{\"1\": {\"class_type\": \"LoadImageMask\", \"inputs\": {\"image\": \"mask.png\", \"channel\": \"" + c[0] + "\"}},"
                    + "\"2\": {\"class_type\": \"EmptyImage\", \"inputs\": {\"width\": 4, \"height\": 1, \"batch_size\": 1, \"color\": 0}},"
                    + "\"3\": {\"class_type\": \"EmptyImage\", \"inputs\": {\"width\": 4, \"height\": 1, \"batch_size\": 1, \"color\": 16711680}},"
                    + "\"4\": {\"class_type\": \"ImageCompositeMasked\", \"inputs\": {\"destination\": [\"2\", 0], \"source\": [\"3\", 0],"
                    + " \"x\": 0, \"y\": 0, \"resize_source\": false, \"mask\": [\"1\", 0]}},"
                    + "\"5\": {\"class_type\": \"SaveImage\", \"inputs\": {\"images\": [\"4\", 0], \"filename_prefix\": \"m\"}}}");
            String reds = java.util.Arrays.toString(reds(saved(sim, entry, "5")));
            assertEquals("[" + c[1].replace(",", ", ") + "]", reds, c[0] + " (alpha: 1 - alpha, so only the transparent pixel)");
        }
    }

    @Test
    void imageCropMovesItsCornerInsideAndEndsAtTheEdge() {
        Pictures.input(sim, "grid.png", 4, 4, false, (x, y) -> BLACK | (10 * x) << 16 | (10 * y) << 8);
        BufferedImage inside = through("grid.png", "ImageCrop", "\"width\": 2, \"height\": 2, \"x\": 1, \"y\": 1");
        assertEquals(2, inside.getWidth());
        assertArrayEquals(new int[] {10, 10, 0, 20, 10, 0}, rows(inside)[0]);
        assertArrayEquals(new int[] {10, 20, 0, 20, 20, 0}, rows(inside)[1]);
        BufferedImage clamped = through("grid.png", "ImageCrop", "\"width\": 3, \"height\": 3, \"x\": 10, \"y\": 2");
        assertEquals(1, clamped.getWidth(), "x 10 becomes 3, the last column");
        assertEquals(2, clamped.getHeight(), "rows 2 and 3: the crop ends at the edge");
        assertArrayEquals(new int[] {30, 20, 0}, rgb(clamped, 0, 0));
    }

    @Test
    void imageScaleInterpolatesAsTorchAndPillowDo() {
        String pair = redRow("pair.png", 0, 255);
        String upscale = "\"width\": 4, \"height\": 1, \"crop\": \"disabled\", \"upscale_method\": ";
        assertArrayEquals(new int[] {0, 0, 255, 255}, reds(through(pair, "ImageScale", upscale + "\"nearest-exact\"")));
        assertArrayEquals(new int[] {0, 63, 191, 255}, reds(through(pair, "ImageScale", upscale + "\"bilinear\"")));
        assertArrayEquals(new int[] {0, 57, 197, 255}, reds(through(pair, "ImageScale", upscale + "\"bicubic\"")),
                "torch's bicubic (A = -0.75) overshoots below 0 and above 1 at the ends, and the bytes are clipped");
        assertArrayEquals(new int[] {0, 59, 196, 255}, reds(through(pair, "ImageScale", upscale + "\"lanczos\"")),
                "Pillow's lanczos on the bytes");
        assertArrayEquals(new int[] {127, 127}, reds(through(redRow("four.png", 0, 255, 255, 0), "ImageScale",
                "\"width\": 2, \"height\": 1, \"crop\": \"disabled\", \"upscale_method\": \"area\"")));
    }

    @Test
    void imageScaleKeepsTheAspectForAZeroSideAndCropsToTheCentre() {
        Pictures.input(sim, "wide.png", 4, 2, false, (x, y) -> BLACK | (60 * x) << 16);
        BufferedImage tall = through("wide.png", "ImageScale", "\"width\": 0, \"height\": 4, \"crop\": \"disabled\", \"upscale_method\": \"nearest-exact\"");
        assertEquals(8, tall.getWidth());
        assertEquals(4, tall.getHeight());
        BufferedImage centre = through("wide.png", "ImageScale", "\"width\": 2, \"height\": 2, \"crop\": \"center\", \"upscale_method\": \"nearest-exact\"");
        assertArrayEquals(new int[] {60, 0, 0, 120, 0, 0}, rows(centre)[0], "columns 1 and 2 of 4");
        BufferedImage unchanged = through("wide.png", "ImageScale", "\"width\": 0, \"height\": 0, \"crop\": \"center\", \"upscale_method\": \"bicubic\"");
        assertEquals(4, unchanged.getWidth());
    }

    @Test
    void imageScaleByRoundsHalvesToEvenAndFailsBelowOnePixel() {
        Pictures.input(sim, "odd.png", 5, 7, false, (x, y) -> WHITE);
        BufferedImage half = through("odd.png", "ImageScaleBy", "\"upscale_method\": \"bilinear\", \"scale_by\": 0.5");
        assertEquals(2, half.getWidth(), "round(2.5) is 2");
        assertEquals(4, half.getHeight(), "round(3.5) is 4");
        assertArrayEquals(new int[] {255, 255, 255}, rgb(half, 1, 3));

        JsonNode entry = run("{\"1\": {\"class_type\": \"LoadImage\", \"inputs\": {\"image\": \"odd.png\"}},"
                + "\"2\": {\"class_type\": \"ImageScaleBy\", \"inputs\": {\"image\": [\"1\", 0], \"upscale_method\": \"area\", \"scale_by\": 0.01}},"
                + "\"3\": {\"class_type\": \"SaveImage\", \"inputs\": {\"images\": [\"2\", 0], \"filename_prefix\": \"t\"}}}");
        JsonNode error = lastMessage(entry);
        assertEquals("execution_error", error.get(0).asText());
        assertEquals("2", error.get(1).get("node_id").asText());
        assertEquals("RuntimeError", error.get(1).get("exception_type").asText());
        assertEquals("Input and output sizes should be greater than 0, but got input (H: 7, W: 5) output (H: 0, W: 0)\n",
                error.get(1).get("exception_message").asText());
    }

    @Test
    void imageBlurUsesComfyUisKernelAndReflectPadding() {
        Pictures.input(sim, "dot.png", 5, 5, false, (x, y) -> x == 2 && y == 2 ? WHITE : BLACK);
        int[][] dot = rows(through("dot.png", "ImageBlur", "\"blur_radius\": 1, \"sigma\": 1.0"));
        // The kernel's axis is exp(-x^2/2) at x = -1, 0, 1, normalised: 0.27407, 0.45186, 0.27407.
        assertArrayEquals(new int[] {0, 0, 0, 19, 19, 19, 31, 31, 31, 19, 19, 19, 0, 0, 0}, dot[1]);
        assertArrayEquals(new int[] {0, 0, 0, 31, 31, 31, 52, 52, 52, 31, 31, 31, 0, 0, 0}, dot[2]);
        assertArrayEquals(new int[15], dot[0]);

        Pictures.input(sim, "edge.png", 3, 3, false, (x, y) -> x == 0 ? WHITE : BLACK);
        int[] edge = rows(through("edge.png", "ImageBlur", "\"blur_radius\": 1, \"sigma\": 1.0"))[1];
        assertArrayEquals(new int[] {115, 115, 115, 69, 69, 69, 0, 0, 0}, edge,
                "reflect padding mirrors column 1 (black) beside column 0, where replicating would give 185");
    }

    @Test
    void imageBlurRefusesARadiusTheImageCannotReflect() {
        redRow("narrow.png", 1, 2, 3);
        JsonNode entry = run("{\"1\": {\"class_type\": \"LoadImage\", \"inputs\": {\"image\": \"narrow.png\"}},"
                + "\"2\": {\"class_type\": \"ImageBlur\", \"inputs\": {\"image\": [\"1\", 0], \"blur_radius\": 3, \"sigma\": 1.0}},"
                + "\"3\": {\"class_type\": \"SaveImage\", \"inputs\": {\"images\": [\"2\", 0], \"filename_prefix\": \"t\"}}}");
        JsonNode error = lastMessage(entry).get(1);
        assertEquals("RuntimeError", error.get("exception_type").asText());
        assertEquals("Argument #4: Padding size should be less than the corresponding input dimension, but got: padding (3, 3) "
                + "at dimension 3 of input [1, 3, 1, 3]\n", error.get("exception_message").asText());
        assertEquals("[\"1\"]", error.get("executed").toString());
    }

    @Test
    void imageCompositeMaskedClipsAtTheEdgeRepeatsShortBatchesAndCanStretchTheSource() {
        String nodes = "\"1\": {\"class_type\": \"EmptyImage\", \"inputs\": {\"width\": 4, \"height\": 3, \"batch_size\": 2, \"color\": 0}},"
                + "\"2\": {\"class_type\": \"EmptyImage\", \"inputs\": {\"width\": 2, \"height\": 2, \"batch_size\": 1, \"color\": 16777215}},"
                + "\"4\": {\"class_type\": \"SaveImage\", \"inputs\": {\"images\": [\"3\", 0], \"filename_prefix\": \"c\"}}";
        JsonNode entry = run("{" + nodes + ", \"3\": {\"class_type\": \"ImageCompositeMasked\", \"inputs\": {\"destination\": [\"1\", 0],"
                + " \"source\": [\"2\", 0], \"x\": 3, \"y\": 1, \"resize_source\": false}}}");
        for (int index = 0; index < 2; index++) {
            int[][] out = rows(saved(sim, entry, "4", index));
            assertArrayEquals(new int[12], out[0]);
            assertArrayEquals(new int[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 255, 255, 255}, out[1], "image " + index);
            assertArrayEquals(new int[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 255, 255, 255}, out[2], "image " + index);
        }
        JsonNode stretched = run("{" + nodes + ", \"3\": {\"class_type\": \"ImageCompositeMasked\", \"inputs\": {\"destination\": [\"1\", 0],"
                + " \"source\": [\"2\", 0], \"x\": 0, \"y\": 0, \"resize_source\": 1}}}");
        for (int[] row : rows(saved(sim, stretched, "4"))) {
            assertArrayEquals(new int[] {255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255}, row);
        }
    }

    @Test
    void aTensorTooLargeForMemoryFailsTheNodeAsTorchDoes() {
        JsonNode entry = run("{\"1\": {\"class_type\": \"EmptyImage\", \"inputs\": {\"width\": 16384, \"height\": 16384, \"batch_size\": 4096, \"color\": 0}},"
                + "\"2\": {\"class_type\": \"ImageInvert\", \"inputs\": {\"image\": [\"1\", 0]}},"
                + "\"3\": {\"class_type\": \"SaveImage\", \"inputs\": {\"images\": [\"2\", 0], \"filename_prefix\": \"huge\"}}}");
        JsonNode error = lastMessage(entry);
        assertEquals("execution_error", error.get(0).asText());
        assertEquals("2", error.get(1).get("node_id").asText());
        assertEquals("RuntimeError", error.get(1).get("exception_type").asText());
        assertTrue(error.get(1).get("exception_message").asText().contains(
                "DefaultCPUAllocator: not enough memory: you tried to allocate 3221225472 bytes."), error.toString());
        assertEquals("[\"tensor(..., size=(4096, 16384, 16384, 3))\"]", error.get(1).get("current_inputs").get("image").toString());
    }
}
