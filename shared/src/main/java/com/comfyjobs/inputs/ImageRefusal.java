package com.comfyjobs.inputs;

/**
 * Why one input image is not taken, in words for the caller; {@link InputImageStore} names the image
 * it is about and turns it into the submission's refusal.
 */
final class ImageRefusal extends RuntimeException {
    ImageRefusal(String message) {
        super(message);
    }
}
