package com.comfyjobs.callbacks;

import com.comfyjobs.config.ConfigException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.function.Supplier;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Seals callers' callback signing secrets before they reach the store: AES-256-GCM, a random 96-bit
 * nonce per seal, and the caller's user id as associated data, so a sealed secret opens only for the
 * caller it was made for (copied under another user's key, it does not open) and anyone who reads
 * Redis reads no secret. The AES key is the SHA-256 of the key secret's text: CALLBACK_SECRETS_KEY_ARN
 * names it in AWS (a generated secret of 44 random characters), CALLBACK_SECRETS_KEY holds it in
 * local runs; at least 32 characters. It is asked for on every use, through the secrets' cache.
 */
public final class SecretBox {
    static final int MIN_KEY_CHARS = 32;
    private static final String VERSION = "v1.";
    private static final int NONCE_BYTES = 12;
    private static final int TAG_BITS = 128;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Supplier<String> keyText;
    private final String variable;

    /** Reads the key once now, so a missing or short one stops the function at start, naming {@code variable}. */
    public SecretBox(Supplier<String> keyText, String variable) {
        this.keyText = keyText;
        this.variable = variable;
        key();
    }

    /** The secret sealed for {@code userId}: {@code v1.<base64 of nonce, ciphertext and tag>}. */
    public String seal(String userId, String secret) {
        byte[] nonce = new byte[NONCE_BYTES];
        RANDOM.nextBytes(nonce);
        try {
            Cipher c = cipher(Cipher.ENCRYPT_MODE, nonce, userId);
            byte[] sealed = c.doFinal(secret.getBytes(StandardCharsets.UTF_8));
            return VERSION + Base64.getEncoder().encodeToString(ByteBuffer.allocate(nonce.length + sealed.length).put(nonce).put(sealed).array());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is part of every JRE", e);
        }
    }

    /**
     * The secret {@link #seal} sealed for {@code userId}.
     *
     * @throws UnreadableSecretException when it was sealed for another user or with another key, or is damaged
     */
    public String open(String userId, String sealed) {
        if (!sealed.startsWith(VERSION)) {
            throw new UnreadableSecretException("a sealed secret of an unknown form");
        }
        byte[] all;
        try {
            all = Base64.getDecoder().decode(sealed.substring(VERSION.length()));
        } catch (IllegalArgumentException e) {
            throw new UnreadableSecretException("a sealed secret that is not base64");
        }
        if (all.length <= NONCE_BYTES) {
            throw new UnreadableSecretException("a sealed secret too short to hold one");
        }
        byte[] nonce = java.util.Arrays.copyOf(all, NONCE_BYTES);
        try {
            Cipher c = cipher(Cipher.DECRYPT_MODE, nonce, userId);
            return new String(c.doFinal(all, NONCE_BYTES, all.length - NONCE_BYTES), StandardCharsets.UTF_8);
        } catch (javax.crypto.AEADBadTagException e) {
            throw new UnreadableSecretException("a sealed secret that does not open: sealed for another user, or with another "
                    + variable + " than this one");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is part of every JRE", e);
        }
    }

    private Cipher cipher(int mode, byte[] nonce, String userId) throws GeneralSecurityException {
        Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
        c.init(mode, new SecretKeySpec(key(), "AES"), new GCMParameterSpec(TAG_BITS, nonce));
        c.updateAAD(userId.getBytes(StandardCharsets.UTF_8));
        return c;
    }

    private byte[] key() {
        String text = keyText.get();
        if (text == null || text.trim().length() < MIN_KEY_CHARS) {
            throw new ConfigException(variable + " must hold at least " + MIN_KEY_CHARS + " random characters: the key that seals callers'"
                    + " callback signing secrets");
        }
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.trim().getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JRE", e);
        }
    }
}
