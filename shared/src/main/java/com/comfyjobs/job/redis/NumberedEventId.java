package com.comfyjobs.job.redis;

import java.util.Optional;

/**
 * An event id whose webhook-id ends in a delivery number, {@code <stem>_<n>:<i>} (what the bridge and
 * the simulator send: {@code msg_<sender's random id>_<n>:<index in the delivery>}). A job's events
 * then share a stem and run through mostly consecutive numbers, so transition.lua keeps them per job
 * as number ranges under the stem (with the index), a few bytes for a hundred events, instead of one
 * key per event.
 *
 * <p>The split is exact both ways: the index is the digits after the last colon, the number the digits
 * before it back to the last underscore, written without leading zeros and at most 15 digits long (a
 * Lua number holds it exactly); {@code group} is the id without the number. Any other id is not
 * numbered and keeps its own marker key.
 */
record NumberedEventId(String group, long number) {
    private static final int MAX_DIGITS = 15;

    static Optional<NumberedEventId> parse(String eventId) {
        int colon = eventId.lastIndexOf(':');
        if (colon < 0 || !digits(eventId, colon + 1, eventId.length())) {
            return Optional.empty();
        }
        int underscore = eventId.lastIndexOf('_', colon);
        if (underscore < 0 || !digits(eventId, underscore + 1, colon)) {
            return Optional.empty();
        }
        String number = eventId.substring(underscore + 1, colon);
        if (number.length() > MAX_DIGITS || number.length() > 1 && number.charAt(0) == '0') {
            return Optional.empty();
        }
        return Optional.of(new NumberedEventId(eventId.substring(0, underscore + 1) + eventId.substring(colon), Long.parseLong(number)));
    }

    private static boolean digits(String s, int from, int to) {
        if (from >= to) {
            return false;
        }
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }
}
