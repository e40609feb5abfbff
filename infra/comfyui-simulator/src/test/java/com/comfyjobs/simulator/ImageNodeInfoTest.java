package com.comfyjobs.simulator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * /object_info for the model-free image nodes, byte for byte as ComfyUI 0.3.64 declares them: nodes.py's
 * classes, the comfy_extras ones (their python_module) and ImageBlur, which 0.3.64 defines with the
 * comfy_api schema (every NodeInfoV1 field, no display name, an options dict for every input). A tuple
 * declared as ("IMAGE",) is shown as ["IMAGE"].
 */
class ImageNodeInfoTest {
    private static ComfyUiSimulator sim;
    private static TestApi api;

    @BeforeAll
    static void start() throws IOException {
        sim = ComfyUiSimulator.builder().port(0).build().start();
        Files.writeString(sim.inputDir().resolve("notes.txt"), "not an image");
        Files.write(sim.inputDir().resolve("cat.png"), new byte[] {1});
        api = new TestApi(sim);
    }

    @AfterAll
    static void stop() {
        sim.close();
    }

    private static String info(String classType) {
        TestApi.Response response = api.get("/object_info/" + classType);
        assertEquals(200, response.status());
        JsonNode body = response.json();
        assertEquals(List.of(classType), ExecutionTest.names(body));
        return body.get(classType).toString();
    }

    private static final String IMAGE_OUT = "\"output\":[\"IMAGE\"],\"output_is_list\":[false],\"output_name\":[\"IMAGE\"],";
    private static final String SIDE_0 = "[\"INT\",{\"default\":512,\"min\":0,\"max\":16384,\"step\":1}]";
    private static final String SIDE_1 = "[\"INT\",{\"default\":512,\"min\":1,\"max\":16384,\"step\":1}]";
    private static final String OFFSET = "[\"INT\",{\"default\":0,\"min\":0,\"max\":16384,\"step\":1}]";
    private static final String METHODS = "[[\"nearest-exact\",\"bilinear\",\"area\",\"bicubic\",\"lanczos\"]]";

    @Test
    void nodesPyImageNodes() {
        assertEquals("{\"input\":{\"required\":{\"width\":" + SIDE_1 + ",\"height\":" + SIDE_1
                + ",\"batch_size\":[\"INT\",{\"default\":1,\"min\":1,\"max\":4096}],"
                + "\"color\":[\"INT\",{\"default\":0,\"min\":0,\"max\":16777215,\"step\":1,\"display\":\"color\"}]}},"
                + "\"input_order\":{\"required\":[\"width\",\"height\",\"batch_size\",\"color\"]}," + IMAGE_OUT
                + "\"name\":\"EmptyImage\",\"display_name\":\"EmptyImage\",\"description\":\"\",\"python_module\":\"nodes\","
                + "\"category\":\"image\",\"output_node\":false}", info("EmptyImage"));
        assertEquals("{\"input\":{\"required\":{\"image\":[\"IMAGE\"]}},\"input_order\":{\"required\":[\"image\"]}," + IMAGE_OUT
                + "\"name\":\"ImageInvert\",\"display_name\":\"Invert Image\",\"description\":\"\",\"python_module\":\"nodes\","
                + "\"category\":\"image\",\"output_node\":false}", info("ImageInvert"));
        assertEquals("{\"input\":{\"required\":{\"image\":[\"IMAGE\"],\"upscale_method\":" + METHODS + ",\"width\":" + SIDE_0
                + ",\"height\":" + SIDE_0 + ",\"crop\":[[\"disabled\",\"center\"]]}},"
                + "\"input_order\":{\"required\":[\"image\",\"upscale_method\",\"width\",\"height\",\"crop\"]}," + IMAGE_OUT
                + "\"name\":\"ImageScale\",\"display_name\":\"Upscale Image\",\"description\":\"\",\"python_module\":\"nodes\","
                + "\"category\":\"image/upscaling\",\"output_node\":false}", info("ImageScale"));
        assertEquals("{\"input\":{\"required\":{\"image\":[\"IMAGE\"],\"upscale_method\":" + METHODS
                + ",\"scale_by\":[\"FLOAT\",{\"default\":1.0,\"min\":0.01,\"max\":8.0,\"step\":0.01}]}},"
                + "\"input_order\":{\"required\":[\"image\",\"upscale_method\",\"scale_by\"]}," + IMAGE_OUT
                + "\"name\":\"ImageScaleBy\",\"display_name\":\"Upscale Image By\",\"description\":\"\",\"python_module\":\"nodes\","
                + "\"category\":\"image/upscaling\",\"output_node\":false}", info("ImageScaleBy"));
    }

    @Test
    void loadImageMaskCarriesLoadImagesUploadFlagAndListsEveryInputFile() {
        assertEquals("{\"input\":{\"required\":{\"image\":[[\"cat.png\",\"notes.txt\"],{\"image_upload\":true}],"
                + "\"channel\":[[\"alpha\",\"red\",\"green\",\"blue\"]]}},\"input_order\":{\"required\":[\"image\",\"channel\"]},"
                + "\"output\":[\"MASK\"],\"output_is_list\":[false],\"output_name\":[\"MASK\"],\"name\":\"LoadImageMask\","
                + "\"display_name\":\"Load Image (as Mask)\",\"description\":\"\",\"python_module\":\"nodes\",\"category\":\"mask\","
                + "\"output_node\":false}", info("LoadImageMask"));
        assertEquals("[[\"cat.png\"],{\"image_upload\":true}]",
                api.get("/object_info/LoadImage").json().get("LoadImage").get("input").get("required").get("image").toString(),
                "LoadImage lists image files only");
    }

    @Test
    void comfyExtrasNodesNameTheirModules() {
        assertEquals("{\"input\":{\"required\":{\"image\":[\"IMAGE\"],\"width\":" + SIDE_1 + ",\"height\":" + SIDE_1
                + ",\"x\":" + OFFSET + ",\"y\":" + OFFSET + "}},\"input_order\":{\"required\":[\"image\",\"width\",\"height\",\"x\",\"y\"]},"
                + IMAGE_OUT + "\"name\":\"ImageCrop\",\"display_name\":\"Image Crop\",\"description\":\"\","
                + "\"python_module\":\"comfy_extras.nodes_images\",\"category\":\"image/transform\",\"output_node\":false}", info("ImageCrop"));
        assertEquals("{\"input\":{\"required\":{\"destination\":[\"IMAGE\"],\"source\":[\"IMAGE\"],\"x\":" + OFFSET + ",\"y\":" + OFFSET
                + ",\"resize_source\":[\"BOOLEAN\",{\"default\":false}]},\"optional\":{\"mask\":[\"MASK\"]}},"
                + "\"input_order\":{\"required\":[\"destination\",\"source\",\"x\",\"y\",\"resize_source\"],\"optional\":[\"mask\"]},"
                + IMAGE_OUT + "\"name\":\"ImageCompositeMasked\",\"display_name\":\"ImageCompositeMasked\",\"description\":\"\","
                + "\"python_module\":\"comfy_extras.nodes_mask\",\"category\":\"image\",\"output_node\":false}", info("ImageCompositeMasked"));
    }

    @Test
    void imageBlurHasTheSchemaNodesShape() {
        assertEquals("{\"input\":{\"required\":{\"image\":[\"IMAGE\",{}],"
                + "\"blur_radius\":[\"INT\",{\"default\":1,\"min\":1,\"max\":31,\"step\":1}],"
                + "\"sigma\":[\"FLOAT\",{\"default\":1.0,\"min\":0.1,\"max\":10.0,\"step\":0.1}]}},"
                + "\"input_order\":{\"required\":[\"image\",\"blur_radius\",\"sigma\"]}," + IMAGE_OUT
                + "\"output_tooltips\":[null],\"name\":\"ImageBlur\",\"display_name\":null,\"description\":\"\","
                + "\"python_module\":\"comfy_extras.nodes_post_processing\",\"category\":\"image/postprocessing\","
                + "\"output_node\":false,\"deprecated\":false,\"experimental\":false,\"api_node\":false}", info("ImageBlur"));
    }

    @Test
    void typeOnlyTuplesOfTheModelNodesToo() {
        assertEquals("{\"pixels\":[\"IMAGE\"],\"vae\":[\"VAE\"]}",
                api.get("/object_info/VAEEncode").json().get("VAEEncode").get("input").get("required").toString());
        assertEquals("{\"images\":[\"IMAGE\"]}",
                api.get("/object_info/PreviewImage").json().get("PreviewImage").get("input").get("required").toString());
    }

    @Test
    void objectInfoListsTheClassesInComfyUisOrder() {
        JsonNode all = api.get("/object_info").json();
        assertEquals(List.of("KSampler", "CheckpointLoaderSimple", "CLIPTextEncode", "VAEDecode", "VAEEncode", "EmptyLatentImage",
                "SaveImage", "PreviewImage", "LoadImage", "LoadImageMask", "ImageScale", "ImageScaleBy", "ImageInvert", "EmptyImage",
                "ImageBlur", "ImageCompositeMasked", "ImageCrop"), ExecutionTest.names(all));
        assertTrue(all.get("ImageBlur").get("display_name").isNull());
        assertFalse(all.get("EmptyImage").has("output_tooltips"), "a nodes.py class without OUTPUT_TOOLTIPS has none");
    }
}
