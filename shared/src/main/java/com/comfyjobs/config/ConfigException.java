package com.comfyjobs.config;

/** A configuration value is missing or invalid; the message names the variable. Thrown at start. */
public class ConfigException extends RuntimeException {
    public ConfigException(String message) {
        super(message);
    }
}
