package com.comfyjobs.outbound;

import java.net.UnknownHostException;

/**
 * A host that resolved to an address the policy refuses. It is an {@link UnknownHostException} so
 * the HTTP client gives up on the host exactly as for one that does not resolve, before any
 * connection is opened.
 */
final class RefusedAddressException extends UnknownHostException {
    private final String category;

    RefusedAddressException(String category) {
        super("the host resolves to a " + category + " address");
        this.category = category;
    }

    String category() {
        return category;
    }
}
