package com.comfyjobs.comfyui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** /object_info as ComfyUI serialises V1 and V3 nodes, reduced to file, combo and other inputs. */
class ObjectInfoTest {
    private static ObjectInfo parse(String json) throws Exception {
        return ObjectInfo.parse(new ObjectMapper().readTree(json));
    }

    @Test
    void uploadFlagsAndImageFoldersMakeFileInputsWhateverTheType() throws Exception {
        ObjectInfo info = parse("""
                {"LoadImage": {"input": {"required": {"image": [["a.png", "b.png"], {"image_upload": true}]}}},
                 "LoadImageOutput": {"input": {"required": {"image": ["COMBO", {"image_upload": true, "image_folder": "output",
                     "remote": {"route": "/internal/files/output"}}]}}},
                 "LoadVideo": {"input": {"required": {"file": ["COMBO", {"video_upload": true, "options": []}]}}},
                 "VHSLike": {"input": {"required": {"video": ["STRING", {"video_upload": true}]},
                                       "optional": {"clip": ["COMBO", {"image_folder": "input"}], "model": ["COMBO", {"file_upload": true}],
                                                    "custom": [["x"], {"mesh_upload": true}], "off": [["x"], {"image_upload": false}]},
                                       "hidden": {"prompt": "PROMPT"}}},
                 "CheckpointLoaderSimple": {"input": {"required": {"ckpt_name": [["sdxl/base.safetensors"], {}]}}},
                 "Sampler": {"input": {"required": {"seed": ["INT", {"default": 0}], "sampler": ["COMBO", {"options": ["euler"]}],
                                                    "text": ["STRING", {"multiline": true}]}}}}
                """);
        assertEquals(Optional.of(ObjectInfo.InputKind.FILE), info.kind("LoadImage", "image"));
        assertEquals(Optional.of(ObjectInfo.InputKind.FILE), info.kind("LoadImageOutput", "image"));
        assertEquals(Optional.of(ObjectInfo.InputKind.FILE), info.kind("LoadVideo", "file"));
        assertEquals(Optional.of(ObjectInfo.InputKind.FILE), info.kind("VHSLike", "video"));
        assertEquals(Optional.of(ObjectInfo.InputKind.FILE), info.kind("VHSLike", "clip"));
        assertEquals(Optional.of(ObjectInfo.InputKind.FILE), info.kind("VHSLike", "model"));
        assertEquals(Optional.of(ObjectInfo.InputKind.FILE), info.kind("VHSLike", "custom"));
        assertEquals(Optional.of(ObjectInfo.InputKind.COMBO), info.kind("VHSLike", "off"));
        assertEquals(Optional.empty(), info.kind("VHSLike", "prompt"), "hidden inputs take no value from the graph");
        assertTrue(info.declares("VHSLike", "prompt") && info.declares("Sampler", "seed"), "but the class has them");
        assertFalse(info.declares("Sampler", "nope") || info.declares("Nope", "seed") || ObjectInfo.unknown().declares("Sampler", "seed"));
        assertTrue(info.hasClass("Sampler") && !info.hasClass("Nope") && !ObjectInfo.unknown().hasClass("Sampler"));
        assertEquals(Optional.of(ObjectInfo.InputKind.COMBO), info.kind("CheckpointLoaderSimple", "ckpt_name"));
        assertEquals(Optional.of(ObjectInfo.InputKind.COMBO), info.kind("Sampler", "sampler"));
        assertEquals(Optional.of(ObjectInfo.InputKind.OTHER), info.kind("Sampler", "seed"));
        assertEquals(Optional.of(ObjectInfo.InputKind.OTHER), info.kind("Sampler", "text"));
        assertEquals(Optional.empty(), info.kind("Unknown", "image"));
    }

    @Test
    void noServerMeansNothingIsKnown() throws Exception {
        assertEquals(Optional.empty(), ObjectInfo.unknown().kind("LoadImage", "image"));
        assertEquals(Optional.empty(), parse("{\"Odd\": 3, \"Odder\": {\"input\": []}}").kind("Odd", "x"), "entries of another shape are skipped");
    }
}
