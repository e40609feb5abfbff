package com.comfyjobs.comfyui;

/**
 * What POST /upload/image did: stored the file (ComfyUI's {@code {name, subfolder, type}}), refused it
 * (a 4xx: a name outside its folder, a body over --max-upload-size), or no answer.
 */
public sealed interface ImageUploadResult permits ImageUploadResult.Uploaded, ImageUploadResult.Refused, ImageUploadResult.Unavailable {
    record Uploaded(String name, String subfolder, String type) implements ImageUploadResult {
        /** How a LoadImage input names the file: {@code subfolder/name} inside the input folder. */
        public String inputValue() {
            return subfolder.isEmpty() ? name : subfolder + "/" + name;
        }
    }

    record Refused(int status) implements ImageUploadResult {
    }

    record Unavailable(String reason) implements ImageUploadResult {
    }
}
