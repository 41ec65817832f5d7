package org.tempora.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.Locale;
import java.util.Map;
import org.tempora.run.Versions;

/** Facts about the machine a benchmark ran on, for BENCHMARKS.md. */
public record Machine(int cores, String cpu, long memoryGiB, String os, String java, String date) {

    /** The first processor's fields of /proc/cpuinfo (see {@link org.tempora.run.Versions#cpuInfo()}). */
    public static Map<String, String> cpuInfo() {
        return Versions.cpuInfo();
    }

    public static Machine current() {
        String cpu = cpuInfo().getOrDefault("model name", "unknown CPU");
        long mem = 0;
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemTotal:")) {
                    mem = Math.round(Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0 / 1024.0);
                    break;
                }
            }
        } catch (IOException | RuntimeException ignored) {
            // not Linux
        }
        return new Machine(Runtime.getRuntime().availableProcessors(), cpu, mem,
                System.getProperty("os.name") + " " + System.getProperty("os.arch"),
                System.getProperty("java.vm.name") + " " + System.getProperty("java.version"),
                LocalDate.now().toString());
    }

    /** One line: "2 cores, AMD EPYC, 24 GiB, Linux amd64, OpenJDK 64-Bit Server VM 17.0.15, 2026-11-22". */
    public String describe() {
        return String.format(Locale.ROOT, "%d cores, %s, %d GiB, %s, %s, %s", cores, cpu, memoryGiB, os, java, date);
    }
}
