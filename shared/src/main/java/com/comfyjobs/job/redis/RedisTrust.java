package com.comfyjobs.job.redis;

import com.comfyjobs.config.ConfigException;
import io.lettuce.core.SslOptions;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;

/**
 * Whom a rediss:// connection trusts: the JVM's trust store, or only the certificates of
 * REDIS_TLS_CA_FILE. Lettuce reads the file when it connects; it is read once at start as well, so a
 * missing or unreadable file fails the start naming the variable instead of every request later.
 */
final class RedisTrust {
    private RedisTrust() {
    }

    static void check(Path pemFile) {
        try (InputStream in = Files.newInputStream(pemFile)) {
            if (CertificateFactory.getInstance("X.509").generateCertificates(in).isEmpty()) {
                throw new ConfigException("REDIS_TLS_CA_FILE " + pemFile + " holds no certificate");
            }
        } catch (IOException e) {
            throw new ConfigException("REDIS_TLS_CA_FILE " + pemFile + " cannot be read (" + e.getMessage() + ")");
        } catch (CertificateException e) {
            throw new ConfigException("REDIS_TLS_CA_FILE " + pemFile + " is not a PEM file of X.509 certificates");
        }
    }

    /** The TLS options for {@code settings}; the client's defaults (the JVM's trust store) when it names no file. */
    static SslOptions sslOptions(RedisSettings settings) {
        SslOptions.Builder b = SslOptions.builder().jdkSslProvider();
        if (settings.tlsCaFile() != null) {
            b.trustManager(settings.tlsCaFile().toFile());
        }
        return b.build();
    }
}
