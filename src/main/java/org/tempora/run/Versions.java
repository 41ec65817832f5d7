package org.tempora.run;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

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
        m.put("djl", ai.djl.engine.Engine.getDjlVersion());
        try {
            m.put("pytorch", ai.djl.engine.Engine.getEngine("PyTorch").getVersion());
        } catch (RuntimeException e) {
            m.put("pytorch", "unavailable");
        }
        m.put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.version"));
        m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.arch"));
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
