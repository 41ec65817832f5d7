package org.tempora.nn;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Guards the shared fix for DJL's scalar ops (docs/engine.md, "Rare wrong steps under load"): {@code mul}, {@code div},
 * {@code maximum} and {@code minimum} with a Java number hand libtorch a tensor over a Java buffer that autograd may keep
 * for the backward after DJL released it. Main code must use {@link Ops#mul}, {@link Ops#div} and {@link Ops#maximum}
 * instead; the fault came back once ({@code DiffResOps.logAverageChannel}, BENCHMARKS §12v) before this test existed.
 * A line where the array never takes part in autograd (initialisation) may say so with the marker {@code scalar-ok}.
 */
class ScalarOpGuardTest {
    private static final Pattern SCALAR_OP =
            Pattern.compile("\\.(mul|div|maximum|minimum)\\(\\s*(\\(\\s*(float|double|int|long)\\s*\\)|[-+]?[0-9.])");

    static List<String> offending(Path root) throws IOException {
        List<String> bad = new ArrayList<>();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).sorted().toList()) {
                if (f.getFileName().toString().equals("Ops.java")) continue; // the safe wrappers themselves
                List<String> lines = Files.readAllLines(f);
                // Java's SIMD vectors (the fbank kernel) have mul/div of their own and never reach libtorch
                if (lines.stream().anyMatch(l -> l.startsWith("import jdk.incubator.vector."))) continue;
                for (int i = 0; i < lines.size(); i++) {
                    String l = lines.get(i);
                    if (SCALAR_OP.matcher(l).find() && !l.contains("scalar-ok"))
                        bad.add(root.relativize(f) + ":" + (i + 1) + ": " + l.strip());
                }
            }
        }
        return bad;
    }

    @Test
    void mainCodeUsesNoDjlScalarOpOnAnAutogradPath() throws IOException {
        assertThat(offending(Path.of("src/main/java"))).isEmpty();
    }

    @Test
    void theGuardSeesTheOldFault(@org.junit.jupiter.api.io.TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("A.java"), "class A { Object f(X mass) { return y.div(mass.maximum(1e-6f)); } }\n"
                + "class B { Object g(X w) { return w.mul((float) Math.sqrt(2)); } }\n"
                + "class C { Object h(X w) { return w.mul(other).add(1f); } }\n");
        assertThat(offending(dir)).hasSize(2).allMatch(s -> s.startsWith("A.java:"));
    }
}
