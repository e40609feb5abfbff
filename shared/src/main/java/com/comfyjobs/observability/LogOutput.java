package com.comfyjobs.observability;

import java.io.OutputStream;
import java.io.PrintStream;

/**
 * Where log lines go: stdout (read at each write, so a stream swapped in with System.setOut is
 * followed), or the stream {@link JsonLog#redirect} chose. Lambda ships stdout to CloudWatch Logs.
 */
final class LogOutput extends OutputStream {
    private static volatile PrintStream redirected;

    static void redirect(PrintStream stream) {
        redirected = stream == System.out ? null : stream;
    }

    private static PrintStream target() {
        PrintStream r = redirected;
        return r == null ? System.out : r;
    }

    @Override
    public void write(int b) {
        target().write(b);
    }

    /** One call per line: PrintStream writes it under its own lock, so a line never interleaves with an EMF line. */
    @Override
    public void write(byte[] b, int off, int len) {
        target().write(b, off, len);
    }

    @Override
    public void flush() {
        target().flush();
    }

    /** The stream is shared (stdout); a stopping appender must not close it. */
    @Override
    public void close() {
        flush();
    }
}
