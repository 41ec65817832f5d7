package org.tempora.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.tempora.io.Npy;

/** Golden fixtures copied from ../shared/fixtures into src/test/resources/fixtures (read from the classpath). */
public final class Fixtures {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Fixtures() {}

    /** Folder of a fixture set, e.g. {@code dir("fbank")}. */
    public static Path dir(String set) {
        URL url = Fixtures.class.getResource("/fixtures/" + set);
        if (url == null) throw new IllegalStateException("missing test resource /fixtures/" + set);
        try {
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A folder of the PyTorch interop fixtures ({@code interop/readers}, {@code interop/ast}; tools/interop/make_fixtures.py). */
    public static Path interop(String set) {
        URL url = Fixtures.class.getResource("/interop/" + set);
        if (url == null) throw new IllegalStateException("missing test resource /interop/" + set);
        try {
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    public static Path caseDir(String set, String name) {
        return dir(set).resolve(name);
    }

    /** Names of the case folders of a set, sorted. */
    public static List<String> cases(String set) {
        try (Stream<Path> s = Files.list(dir(set))) {
            return s.filter(Files::isDirectory).map(p -> p.getFileName().toString()).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static JsonNode caseJson(Path caseDir) {
        return json(caseDir.resolve("case.json"));
    }

    public static JsonNode json(Path file) {
        try {
            return JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static Npy.Array npy(Path caseDir, String file) {
        return Npy.read(caseDir.resolve(file));
    }

    /**
     * A file of the repository (e.g. {@code docs/flops.md}, whose tables tests compare with the code), found from the
     * working directory upwards: Maven runs each module's tests in the module's folder.
     */
    public static Path repoFile(String relative) {
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            Path p = d.resolve(relative);
            if (java.nio.file.Files.exists(p)) return p;
        }
        throw new AssertionError(relative + " not found above " + Path.of("").toAbsolutePath());
    }
}
