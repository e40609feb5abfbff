package com.comfyjobs.simulator.nodes;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Optional;

/**
 * A node's VALIDATE_INPUTS: the inputs it takes over from the generic checks (ComfyUI then skips
 * min/max and combo checks for them) and the check itself.
 */
public interface InputValidation {
    /** The argument names of VALIDATE_INPUTS. */
    List<String> parameters();

    /** Empty when valid, else the string VALIDATE_INPUTS returned. */
    Optional<String> check(String inputName, JsonNode value);
}
