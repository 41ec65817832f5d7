package org.tempora.run;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;

/** Versions recorded with every run (provenance, as Tribuo does). */
public final class Versions {
    private Versions() {}

    public static String tempora() {
        String v = Versions.class.getPackage().getImplementationVersion();
        return v == null ? "development" : v;
    }

    public static Map<String, String> all() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("tempora", tempora());
        m.put("djl", Engine.getDjlVersion());
        try {
            m.put("pytorch", Engine.getEngine("PyTorch").getVersion());
        } catch (RuntimeException e) {
            m.put("pytorch", "unavailable");
        }
        m.put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.version"));
        m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.arch"));
        return m;
    }

    /**
     * The commit this build came from ({@code org/tempora/git.properties}, written by the build): {@code commit}
     * (full hash, or "unknown" outside a git checkout), {@code dirty} (uncommitted changes at build time), {@code time}.
     */
    public static Map<String, Object> git() {
        Map<String, Object> m = new LinkedHashMap<>();
        Properties p = new Properties();
        try (InputStream in = Versions.class.getResourceAsStream("/org/tempora/git.properties")) {
            if (in != null) p.load(in);
        } catch (IOException e) {
            // unreadable: recorded as unknown below
        }
        m.put("commit", p.getProperty("git.commit.id", "unknown"));
        String dirty = p.getProperty("git.dirty");
        m.put("dirty", dirty == null ? null : Boolean.valueOf(dirty));
        m.put("time", p.getProperty("git.commit.time"));
        return m;
    }

    /**
     * What shaped the numbers besides the config, the data and the library versions (recorded beside it): when, which
     * build, which engine threads and MKL settings,
     * which CPU. Written into every model bundle.
     */
    public static Map<String, Object> provenance() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("created", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
        m.put("git", git());
        Map<String, Object> rt = new LinkedHashMap<>();
        int threads;
        try {
            threads = JniUtils.getNumThreads();
        } catch (RuntimeException | UnsatisfiedLinkError e) {
            threads = -1;
        }
        rt.put("engine_threads", threads);
        rt.put("available_processors", Runtime.getRuntime().availableProcessors());
        for (String k : new String[] {"MKL_CBWR", "MKL_DYNAMIC", "MKL_NUM_THREADS", "OMP_NUM_THREADS"}) rt.put(k, System.getenv(k));
        rt.put("conv", System.getProperty("tempora.conv", "unfold"));
        Map<String, String> cpu = cpuInfo();
        rt.put("cpu", cpu.getOrDefault("model name", System.getProperty("os.arch")));
        rt.put("cpu_family", cpu.get("cpu family"));
        m.put("runtime", rt);
        return m;
    }

    /** The first processor's fields of /proc/cpuinfo ("model name", "cpu family", "flags", …); empty when not Linux. */
    public static Map<String, String> cpuInfo() {
        Map<String, String> m = new LinkedHashMap<>();
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.isBlank()) break; // the first processor is enough
                int i = line.indexOf(':');
                if (i > 0) m.putIfAbsent(line.substring(0, i).trim(), line.substring(i + 1).trim());
            }
        } catch (IOException | RuntimeException ignored) {
            // not Linux: nothing known
        }
        return m;
    }

    /** The dataset recipe's DIGEST line ({@code ../shared/data} recipes write one), or null. */
    public static String recipeDigest(String dataPath) {
        if (dataPath == null || dataPath.equals("synthetic")) return null;
        Path p = Path.of(dataPath).resolve("DIGEST");
        try {
            return Files.isRegularFile(p) ? Files.readString(p).strip() : null;
        } catch (IOException e) {
            return null;
        }
    }
}
