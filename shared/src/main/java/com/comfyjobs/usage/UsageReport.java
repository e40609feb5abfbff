package com.comfyjobs.usage;

import com.comfyjobs.job.UsageDay;
import java.util.List;

/** One user's usage over a range: every day of it, oldest first (days without any are zeros), and their sum. */
public record UsageReport(String userId, UsageRange range, List<UsageDay> days, UsageDay total) {
    public UsageReport {
        days = List.copyOf(days);
    }
}
