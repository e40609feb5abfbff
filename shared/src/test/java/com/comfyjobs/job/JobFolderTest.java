package com.comfyjobs.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class JobFolderTest {
    private static final String ID = "0b7e5d2c-4f1a-4c3e-9a8b-1d2e3f4a5b6c";

    @Test
    void oneFolderPerJobAndAttempt() {
        assertEquals("comfyjobs/" + ID + "-1", JobFolder.of(ID, 1));
        assertNotEquals(JobFolder.of(ID, 1), JobFolder.of(ID, 2));
    }

    @Test
    void onlyOurOwnIdsNameAFolder() {
        assertThrows(IllegalArgumentException.class, () -> JobFolder.of("../../etc", 1));
        assertThrows(IllegalArgumentException.class, () -> JobFolder.of(ID + "/x", 1));
        assertThrows(IllegalArgumentException.class, () -> JobFolder.of(ID, 0));
    }
}
