package com.comfyjobs.usage;

import com.comfyjobs.job.Caller;
import com.comfyjobs.job.JobStore;
import com.comfyjobs.job.UsageDay;
import com.comfyjobs.query.InvalidQueryException;
import java.time.Clock;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * GET /usage: a user's jobs submitted and ended per UTC day, with the GPU time of those that ended, as
 * the store counts them with the job data ({@link JobStore#usage}). Callers read their own; an admin
 * may name any user.
 */
public final class UsageService {
    /** A user id as the authorizer gives it is far shorter; a longer one names nobody. */
    static final int MAX_USER_CHARS = 256;

    private final JobStore store;
    private final Clock clock;

    public UsageService(JobStore store, Clock clock) {
        this.store = store;
        this.clock = clock;
    }

    /**
     * {@code user} is the query's {@code user} (null: the caller); {@code from} and {@code to} as
     * {@link UsageRange#parse} reads them.
     *
     * @throws InvalidQueryException for a range or user the query cannot mean
     * @throws UsageForbiddenException for a non-admin asking for another user
     */
    public UsageReport report(Caller caller, String user, String from, String to) {
        UsageRange range = UsageRange.parse(from, to, UsageDay.dayOf(clock.instant()));
        String whose = user == null || user.equals(caller.userId()) ? caller.userId() : other(caller, user);
        Map<LocalDate, UsageDay> counted = store.usage(whose, range.from(), range.to()).stream()
                .collect(Collectors.toMap(UsageDay::date, Function.identity()));
        List<UsageDay> days = new ArrayList<>();
        UsageDay total = UsageDay.empty(range.from());
        for (LocalDate d = range.from(); !d.isAfter(range.to()); d = d.plusDays(1)) {
            UsageDay day = counted.getOrDefault(d, UsageDay.empty(d));
            days.add(day);
            total = total.plus(day);
        }
        return new UsageReport(whose, range, days, total);
    }

    private static String other(Caller caller, String user) {
        if (user.isEmpty() || user.length() > MAX_USER_CHARS) {
            throw new InvalidQueryException("user must be a user id of 1 to " + MAX_USER_CHARS + " characters");
        }
        if (!caller.admin()) {
            throw new UsageForbiddenException("only admins read another user's usage");
        }
        return user;
    }
}
