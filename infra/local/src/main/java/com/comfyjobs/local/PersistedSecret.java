package com.comfyjobs.local;

import com.comfyjobs.config.ConfigException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.function.Supplier;

/**
 * A secret {@code serve} makes once and keeps in its data directory, readable by its owner only, so a
 * restart signs and verifies with the same one (the webhook secret the bridge on the GPU box holds;
 * the key callers' callback secrets are sealed under). Written to a temporary file and moved into
 * place, so a process killed mid-write leaves no half secret behind.
 */
final class PersistedSecret {
    private PersistedSecret() {
    }

    static String readOrCreate(Path file, Supplier<String> generate) {
        try {
            if (Files.exists(file)) {
                String value = Files.readString(file, StandardCharsets.UTF_8).strip();
                if (value.isEmpty()) {
                    throw new ConfigException(file + " is empty: delete it to have a new secret made, or put the secret in it");
                }
                return value;
            }
            Files.createDirectories(file.toAbsolutePath().getParent());
            Path tmp = Files.createTempFile(file.toAbsolutePath().getParent(), file.getFileName() + ".", ".tmp",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            String value = generate.get();
            Files.writeString(tmp, value + "\n", StandardCharsets.UTF_8);
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
            return value;
        } catch (IOException e) {
            throw new ConfigException(file + ": cannot be read or written (" + e.getMessage() + ")");
        }
    }
}
