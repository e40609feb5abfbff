package com.comfyjobs.simulator.nodes;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigInteger;
import java.util.List;
import java.util.Map;

/**
 * KSampler: {@code steps} progress steps, then a latent whose content is fixed by the seed (and by the
 * input latent's content, for img2img).
 */
public final class KSamplerNode implements NodeFunction {
    /** comfy.samplers.KSampler.SAMPLERS in ComfyUI 0.3.64. */
    public static final List<String> SAMPLERS = List.of("euler", "euler_cfg_pp", "euler_ancestral",
            "euler_ancestral_cfg_pp", "heun", "heunpp2", "dpm_2", "dpm_2_ancestral", "lms", "dpm_fast", "dpm_adaptive",
            "dpmpp_2s_ancestral", "dpmpp_2s_ancestral_cfg_pp", "dpmpp_sde", "dpmpp_sde_gpu", "dpmpp_2m", "dpmpp_2m_cfg_pp",
            "dpmpp_2m_sde", "dpmpp_2m_sde_gpu", "dpmpp_2m_sde_heun", "dpmpp_2m_sde_heun_gpu", "dpmpp_3m_sde",
            "dpmpp_3m_sde_gpu", "ddpm", "lcm", "ipndm", "ipndm_v", "deis", "res_multistep", "res_multistep_cfg_pp",
            "res_multistep_ancestral", "res_multistep_ancestral_cfg_pp", "gradient_estimation",
            "gradient_estimation_cfg_pp", "er_sde", "seeds_2", "seeds_3", "sa_solver", "sa_solver_pece", "ddim",
            "uni_pc", "uni_pc_bh2");
    /** comfy.samplers.KSampler.SCHEDULERS in ComfyUI 0.3.64. */
    public static final List<String> SCHEDULERS = List.of("simple", "sgm_uniform", "karras", "exponential",
            "ddim_uniform", "beta", "normal", "linear_quadratic", "kl_optimal");

    public static NodeDefinition definition() {
        return new NodeDefinition("KSampler", "KSampler", "sampling",
                "Uses the provided model, positive and negative conditioning to denoise the latent image.",
                "sample",
                List.of(InputSpec.required("model", "MODEL").with("tooltip", "The model used for denoising the input latent."),
                        InputSpec.required("seed", "INT").with("default", 0).with("min", 0)
                                .with("max", new BigInteger("18446744073709551615")).with("control_after_generate", true)
                                .with("tooltip", "The random seed used for creating the noise."),
                        InputSpec.required("steps", "INT").with("default", 20).with("min", 1).with("max", 10000)
                                .with("tooltip", "The number of steps used in the denoising process."),
                        InputSpec.required("cfg", "FLOAT").with("default", 8.0).with("min", 0.0).with("max", 100.0)
                                .with("step", 0.1).with("round", 0.01)
                                .with("tooltip", "The Classifier-Free Guidance scale balances creativity and adherence to the prompt. Higher values result in images more closely matching the prompt however too high values will negatively impact quality."),
                        InputSpec.requiredCombo("sampler_name", () -> SAMPLERS)
                                .with("tooltip", "The algorithm used when sampling, this can affect the quality, speed, and style of the generated output."),
                        InputSpec.requiredCombo("scheduler", () -> SCHEDULERS)
                                .with("tooltip", "The scheduler controls how noise is gradually removed to form the image."),
                        InputSpec.required("positive", "CONDITIONING")
                                .with("tooltip", "The conditioning describing the attributes you want to include in the image."),
                        InputSpec.required("negative", "CONDITIONING")
                                .with("tooltip", "The conditioning describing the attributes you want to exclude from the image."),
                        InputSpec.required("latent_image", "LATENT").with("tooltip", "The latent image to denoise."),
                        InputSpec.required("denoise", "FLOAT").with("default", 1.0).with("min", 0.0).with("max", 1.0)
                                .with("step", 0.01)
                                .with("tooltip", "The amount of denoising applied, lower values will maintain the structure of the initial image allowing for image to image sampling.")),
                Map.of(),
                List.of("LATENT"),
                List.of("The denoised latent."),
                false, null, null, new KSamplerNode());
    }

    @Override
    public NodeResult run(NodeRun run) throws ProcessingInterrupted {
        long seed = ((JsonNode) run.input("seed")).bigIntegerValue().longValue();
        int steps = ((JsonNode) run.input("steps")).asInt();
        Latent latent = (Latent) run.input("latent_image");
        for (int step = 1; step <= steps; step++) {
            run.step(step, steps);
        }
        long content = latent.seed() == null ? seed : seed * 31 + latent.seed();
        return NodeResult.of(new Latent(latent.width(), latent.height(), latent.batch(), content));
    }
}
