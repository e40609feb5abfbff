package com.comfyjobs.secrets;

/**
 * A secret could not be read and no earlier value of it is at hand (the first read of a container,
 * or the first after a SnapStart restore). The message starts with the variable that names the
 * secret and says why: Secrets Manager out of reach, the secret missing, not readable by this
 * function, or holding no SecretString. It never carries the secret's value.
 */
public class SecretUnavailableException extends RuntimeException {
    public SecretUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
