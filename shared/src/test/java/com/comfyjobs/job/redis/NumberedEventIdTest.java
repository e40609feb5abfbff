package com.comfyjobs.job.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class NumberedEventIdTest {
    @Test
    void theBridgesIdsSplitIntoGroupAndNumber() {
        assertEquals(Optional.of(new NumberedEventId("msg_Kp3x_Q9v_:0", 42)), NumberedEventId.parse("msg_Kp3x_Q9v_42:0"));
        assertEquals(Optional.of(new NumberedEventId("msg_a_:12", 0)), NumberedEventId.parse("msg_a_0:12"));
        assertEquals(Optional.of(new NumberedEventId("a:b_:3", 999_999_999_999_999L)), NumberedEventId.parse("a:b_999999999999999:3"));
    }

    @Test
    void idsThatWouldNotSplitBackExactlyAreNotNumbered() {
        for (String id : List.of("msg_Kp3xQ9vLm2Rt7wYz", "msg_1", "msg_01:0", "msg_1:", "msg_:0", "msg_1:0x", "msg_1x:0", "msg1:0",
                "msg_1000000000000000:0", "msg_-1:0", "", ":0", "1:0")) {
            assertEquals(Optional.empty(), NumberedEventId.parse(id), id);
        }
        assertTrue(NumberedEventId.parse("_1:0").isPresent());
    }

    @Test
    void distinctIdsNeverShareGroupAndNumber() {
        List<String> ids = List.of("a_1:0", "a_1:00", "a_10:0", "a_:1_0:0", "a__1:0", "a_1:01");
        assertEquals(ids.size(), ids.stream().map(NumberedEventId::parse).map(Optional::orElseThrow).distinct().count());
    }
}
