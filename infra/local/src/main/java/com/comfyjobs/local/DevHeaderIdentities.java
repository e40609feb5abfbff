package com.comfyjobs.local;

import java.util.Optional;
import java.util.function.Function;

/**
 * The development stack's callers: whoever the {@code X-Dev-User} header (HTTP) or the {@code user}
 * query parameter (WebSocket) names, {@code defaultUser} without one; the users of LOCAL_ADMINS are
 * admins. Anyone who can reach the ports can be anyone, an admin included, which is why {@code serve}
 * uses {@link ApiKeys} instead.
 */
final class DevHeaderIdentities implements CallerIdentities {
    private final String defaultUser;
    private final LocalAdmins admins;

    DevHeaderIdentities(String defaultUser, LocalAdmins admins) {
        this.defaultUser = defaultUser;
        this.admins = admins;
    }

    @Override
    public Optional<LocalCaller> ofHttp(Function<String, String> header) {
        return Optional.of(caller(header.apply(ApiGatewayEmulator.DEV_USER_HEADER)));
    }

    @Override
    public Optional<LocalCaller> ofWebSocket(Function<String, String> queryParameter) {
        return Optional.of(caller(queryParameter.apply("user")));
    }

    @Override
    public String howToCall() {
        return "the X-Dev-User header (WebSocket: ?user=) names the caller, default '" + defaultUser + "'";
    }

    @Override
    public String credential() {
        return "user";
    }

    private LocalCaller caller(String named) {
        String user = named == null || named.isBlank() ? defaultUser : named;
        return new LocalCaller(user, admins.isAdmin(user));
    }
}
