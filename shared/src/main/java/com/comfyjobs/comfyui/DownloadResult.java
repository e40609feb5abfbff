package com.comfyjobs.comfyui;

/** What GET /view answered: the file, no such file (404), a refused name (400/403), or no answer. */
public sealed interface DownloadResult permits DownloadResult.Found, DownloadResult.Missing, DownloadResult.Refused,
        DownloadResult.Unavailable {
    record Found(Download download) implements DownloadResult {
    }

    record Missing() implements DownloadResult {
    }

    record Refused(int status) implements DownloadResult {
    }

    record Unavailable(String reason) implements DownloadResult {
    }
}
