package com.comfyjobs.simulator.nodes;

import com.comfyjobs.simulator.json.PyException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.util.List;
import java.util.OptionalInt;
import java.util.stream.Stream;

/**
 * folder_paths.get_save_image_path: where a SaveImage prefix lands and which counter it continues from.
 * The counter is one past the highest "&lt;prefix&gt;_NNNNN_" file already in the folder, so it
 * survives restarts exactly as ComfyUI's does, by looking at the disk.
 */
public record SaveImagePath(Path folder, String filename, int counter, String subfolder) {

    public static SaveImagePath resolve(String prefix, Path outputDir, int width, int height) throws PyException {
        String expanded = prefix.contains("%") ? expand(prefix, width, height) : prefix;
        String normalized = PyPaths.normpath(expanded);
        String subfolder = PyPaths.dirname(normalized);
        String filename = PyPaths.basename(normalized);
        Path folder = PyPaths.resolve(outputDir, subfolder);
        if (!PyPaths.inside(outputDir, folder)) {
            throw new PyException("Exception", "**** ERROR: Saving image outside the output folder is not allowed."
                    + "\n full_output_folder: " + folder
                    + "\n         output_dir: " + outputDir
                    + "\n         commonpath: " + commonPath(outputDir, folder),
                    List.of(SimulatedTraceback.frame("folder_paths.py", 397, "get_save_image_path", "raise Exception(err)")));
        }
        int counter = 1;
        try {
            if (Files.isDirectory(folder)) {
                OptionalInt highest = highestCounter(folder, PyPaths.basename(expanded), filename);
                if (highest.isPresent()) {
                    counter = highest.getAsInt() + 1;
                }
            } else {
                Files.createDirectories(folder);
            }
        } catch (IOException e) {
            throw new PyException("OSError", String.valueOf(e.getMessage()), List.of());
        }
        return new SaveImagePath(folder, filename, counter, subfolder);
    }

    /**
     * Python's {@code max(...)[0]} over the matching files: empty when none matches (ComfyUI's
     * ValueError, counter 1), and as low as the files say otherwise ({@code ComfyUI_-5_.png} gives -4).
     */
    private static OptionalInt highestCounter(Path folder, String prefixBase, String filename) throws IOException {
        int prefixLength = prefixBase.length();
        OptionalInt highest = OptionalInt.empty();
        try (Stream<Path> files = Files.list(folder)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                String name = file.getFileName().toString();
                String head = name.substring(0, Math.min(name.length(), prefixLength + 1));
                if (!head.endsWith("_") || !head.substring(0, head.length() - 1).equals(filename)) {
                    continue;
                }
                int n = leadingNumber(name.substring(head.length()));
                highest = OptionalInt.of(highest.isPresent() ? Math.max(highest.getAsInt(), n) : n);
            }
        }
        return highest;
    }

    private static int leadingNumber(String rest) {
        String digits = rest.split("_", -1)[0].strip();
        try {
            return Integer.parseInt(digits);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static String expand(String prefix, int width, int height) {
        LocalDateTime now = LocalDateTime.now();
        return prefix.replace("%width%", Integer.toString(width))
                .replace("%height%", Integer.toString(height))
                .replace("%year%", Integer.toString(now.getYear()))
                .replace("%month%", String.format("%02d", now.getMonthValue()))
                .replace("%day%", String.format("%02d", now.getDayOfMonth()))
                .replace("%hour%", String.format("%02d", now.getHour()))
                .replace("%minute%", String.format("%02d", now.getMinute()))
                .replace("%second%", String.format("%02d", now.getSecond()));
    }

    private static Path commonPath(Path a, Path b) {
        Path common = a.getRoot();
        int n = Math.min(a.getNameCount(), b.getNameCount());
        for (int i = 0; i < n && a.getName(i).equals(b.getName(i)); i++) {
            common = common.resolve(a.getName(i));
        }
        return common;
    }

    /** The file name of image {@code index} of the batch, "&lt;name&gt;_00001_.png". */
    public String fileName(int index) {
        return String.format("%s_%05d_.png", filename.replace("%batch_num%", Integer.toString(index)), counter + index);
    }
}
