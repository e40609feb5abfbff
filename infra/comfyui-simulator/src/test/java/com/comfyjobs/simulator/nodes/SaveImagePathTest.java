package com.comfyjobs.simulator.nodes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.comfyjobs.simulator.json.PyException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Where a filename_prefix lands, as ComfyUI's folder_paths.get_save_image_path computes it: the
 * subfolder is the directory of the normalized prefix (what /history reports), the file name its last
 * part, the counter one past the highest matching file, and nothing may leave the output directory.
 */
class SaveImagePathTest {
    @TempDir
    Path out;

    private SaveImagePath resolve(String prefix) throws PyException {
        return SaveImagePath.resolve(prefix, out, 512, 768);
    }

    @Test
    void aPlainPrefixSavesAtTheTopWithCounterOne() throws Exception {
        SaveImagePath p = resolve("ComfyUI");
        assertEquals("", p.subfolder());
        assertEquals("ComfyUI", p.filename());
        assertEquals(1, p.counter());
        assertEquals("ComfyUI_00001_.png", p.fileName(0));
        assertEquals("ComfyUI_00002_.png", p.fileName(1));
    }

    @Test
    void theDirectoryOfTheNormalizedPrefixIsTheSubfolderAndIsCreated() throws Exception {
        SaveImagePath p = resolve("comfyjobs/0b7e6d1c-0000-4000-8000-000000000001-2/ComfyUI");
        assertEquals("comfyjobs/0b7e6d1c-0000-4000-8000-000000000001-2", p.subfolder());
        assertTrue(Files.isDirectory(out.resolve("comfyjobs/0b7e6d1c-0000-4000-8000-000000000001-2")));
        assertEquals("a/b", resolve("a//b/./c").subfolder());
        assertEquals("", resolve("a/../x").subfolder());
        assertEquals("x", resolve("a/../x").filename());
        assertEquals("512x768", resolve("%width%x%height%/img").subfolder());
    }

    @Test
    void theCounterContinuesFromTheHighestMatchingFile() throws Exception {
        Files.createDirectories(out.resolve("sub"));
        for (String f : new String[] {"img_00001_.png", "img_00007_.png", "img_abc_.png", "other_00042_.png", "img2_00050_.png"}) {
            Files.createFile(out.resolve("sub").resolve(f));
        }
        assertEquals(8, resolve("sub/img").counter());
    }

    /** Python's max over the matches: a file numbered below one sets a counter below one; none matching gives 1. */
    @Test
    void onlyNegativeNumberedFilesGiveACounterBelowOneAsInComfyUi() throws IOException, PyException {
        Files.createFile(out.resolve("neg_-5_.png"));
        SaveImagePath p = resolve("neg");
        assertEquals(-4, p.counter());
        assertEquals("neg_-0004_.png", p.fileName(0));
        Files.createFile(out.resolve("zero_abc_.png"));
        assertEquals(1, resolve("zero").counter(), "a match without a number counts as 0");
    }

    @Test
    void aPrefixThatLeavesTheOutputDirectoryRaises() {
        for (String prefix : new String[] {"../x", "/etc/x", "a/../../x", "//srv/x"}) {
            PyException e = assertThrows(PyException.class, () -> resolve(prefix), prefix);
            assertTrue(e.getMessage().contains("Saving image outside the output folder is not allowed"), e.getMessage());
        }
    }
}
