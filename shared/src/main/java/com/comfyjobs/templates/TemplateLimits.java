package com.comfyjobs.templates;

/**
 * What one job of a template may ask for: at most {@code maxMegapixels} million pixels over the
 * whole batch (width x height x batch, checked when the template marks width and height params) and
 * at most {@code maxBatch} images (a template without a batch param makes one). Null: no limit.
 */
public record TemplateLimits(Double maxMegapixels, Integer maxBatch) {
    public static final TemplateLimits NONE = new TemplateLimits(null, null);
}
