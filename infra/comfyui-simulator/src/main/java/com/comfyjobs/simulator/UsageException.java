package com.comfyjobs.simulator;

/** A command line the simulator cannot run with; SimulatorMain prints it and exits with status 2. */
final class UsageException extends Exception {
    private static final long serialVersionUID = 1L;

    UsageException(String message) {
        super(message);
    }
}
