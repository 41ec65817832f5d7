package org.tempora.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs a peer script (PyTorch/torchaudio, measured in the same benchmark run) and reads the JSON object it prints on
 * its last stdout line. stderr goes to a temporary file rather than a pipe, so a peer that writes a lot of warnings
 * cannot fill a pipe nobody reads while we wait on stdout (the deadlock of reading one stream to its end first).
 */
final class Peer {
    private Peer() {}

    static JsonNode run(List<String> cmd, long timeoutMinutes) throws IOException, InterruptedException {
        Path err = Files.createTempFile("tempora-peer", ".err");
        try {
            Process p = new ProcessBuilder(cmd).redirectError(err.toFile()).start();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(timeoutMinutes, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new IOException("peer did not finish within " + timeoutMinutes + " minutes: " + String.join(" ", cmd));
            }
            if (p.exitValue() != 0) {
                String e = Files.readString(err, StandardCharsets.UTF_8).strip();
                throw new IOException("peer exited with " + p.exitValue() + ": " + e.substring(Math.max(0, e.length() - 300)));
            }
            String s = new String(out, StandardCharsets.UTF_8).strip();
            return new ObjectMapper().readTree(s.substring(s.lastIndexOf('\n') + 1));
        } finally {
            Files.deleteIfExists(err);
        }
    }
}
