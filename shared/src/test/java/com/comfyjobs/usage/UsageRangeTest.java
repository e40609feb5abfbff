package com.comfyjobs.usage;

import com.comfyjobs.query.InvalidQueryException;
import java.time.LocalDate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class UsageRangeTest {
    private static final LocalDate TODAY = LocalDate.parse("2026-03-10");

    @Test
    void withoutParametersItIsTheLastThirtyDaysEndingToday() {
        UsageRange r = UsageRange.parse(null, null, TODAY);
        assertEquals(LocalDate.parse("2026-02-09"), r.from());
        assertEquals(TODAY, r.to());
        assertEquals(30, r.days());
        assertEquals(r, UsageRange.parse("", "", TODAY), "empty parameters are left out");
    }

    @Test
    void aMissingFromIsThirtyDaysEndingWithTo() {
        assertEquals(new UsageRange(LocalDate.parse("2026-01-02"), LocalDate.parse("2026-01-31")), UsageRange.parse(null, "2026-01-31", TODAY));
    }

    @Test
    void aMissingToIsToday() {
        assertEquals(new UsageRange(LocalDate.parse("2026-03-01"), TODAY), UsageRange.parse("2026-03-01", null, TODAY));
    }

    @Test
    void bothEndsAreInclusiveAndOneDayIsARange() {
        assertEquals(1, UsageRange.parse("2026-02-28", "2026-02-28", TODAY).days());
        assertEquals(2, UsageRange.parse("2024-02-28", "2024-02-29", TODAY).days(), "a leap day is a day");
    }

    @Test
    void atMostNinetyTwoDays() {
        assertEquals(92, UsageRange.parse("2026-01-01", "2026-04-02", TODAY).days());
        InvalidQueryException e = assertThrows(InvalidQueryException.class, () -> UsageRange.parse("2026-01-01", "2026-04-03", TODAY));
        assertTrue(e.getMessage().contains("92"), e.getMessage());
    }

    @Test
    void fromAfterToIsRefused() {
        assertThrows(InvalidQueryException.class, () -> UsageRange.parse("2026-03-02", "2026-03-01", TODAY));
        assertThrows(InvalidQueryException.class, () -> UsageRange.parse("2026-03-11", null, TODAY), "a from after today with no to");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "2026-3-01", "2026-02-30", "2026-13-01", "26-03-01", "2026/03/01", "2026-03-01T00:00:00Z", "'2026-03-01 '", "' 2026-03-01'",
        "yesterday", "+2026-03-01", "２０２６-03-01", "2026-03-01%00", "-0001-03-01", "99999-03-01"})
    void anythingButACalendarDateIsRefusedNamingTheParameter(String text) {
        InvalidQueryException from = assertThrows(InvalidQueryException.class, () -> UsageRange.parse(text, "2026-03-05", TODAY));
        assertTrue(from.getMessage().startsWith("from "), from.getMessage());
        InvalidQueryException to = assertThrows(InvalidQueryException.class, () -> UsageRange.parse("2026-03-01", text, TODAY));
        assertTrue(to.getMessage().startsWith("to "), to.getMessage());
    }
}
