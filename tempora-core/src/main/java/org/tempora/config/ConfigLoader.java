package org.tempora.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.tempora.ConfigException;
import org.tempora.InvalidInputException;

/**
 * Builds an {@link ExperimentConfig} from, in order: the defaults, a named preset (which may {@code extends}
 * another), a YAML/JSON config file, and {@code key.path=value} overrides. Later sources win; maps merge
 * deeply, lists are replaced. Unknown keys are errors that name the key.
 */
public final class ConfigLoader {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES))
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private ConfigLoader() {}

    /** Names of the presets shipped in the jar. */
    public static List<String> presets() {
        try (InputStream in = ConfigLoader.class.getResourceAsStream("/presets/index.txt")) {
            if (in == null) return List.of();
            return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).lines()
                    .map(String::strip).filter(s -> !s.isEmpty() && !s.startsWith("#")).toList();
        } catch (IOException e) {
            throw new ConfigException("cannot read the preset index: " + e.getMessage());
        }
    }

    /**
     * @param preset    preset name or null
     * @param file      config file or null
     * @param overrides {@code key.path=value} strings (values are YAML: {@code 5}, {@code [16, 4]}, {@code null})
     */
    public static ExperimentConfig load(String preset, Path file, List<String> overrides) {
        ObjectNode tree = YAML.valueToTree(new ExperimentConfig());
        if (preset != null) merge(tree, presetTree(preset, new HashSet<>()));
        if (file != null) merge(tree, fileTree(file));
        for (String o : overrides) applyOverride(tree, o);
        String source = file != null ? file.toString() : preset != null ? "preset " + preset : "defaults";
        return bind(tree, overrides.isEmpty() ? source : source + " with --set overrides");
    }

    /** The config as YAML (what a run folder records as config.yaml). */
    public static String toYaml(ExperimentConfig c) {
        try {
            return YAML.writeValueAsString(c);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Parses a config from YAML text (e.g. a run's config.yaml). */
    public static ExperimentConfig fromYaml(String yaml, String source) {
        try {
            ObjectNode tree = YAML.valueToTree(new ExperimentConfig());
            JsonNode n = YAML.readTree(yaml);
            if (n != null && n.isObject()) merge(tree, (ObjectNode) n);
            return bind(tree, source);
        } catch (JsonProcessingException e) {
            throw new InvalidInputException(source, "not valid YAML: " + e.getOriginalMessage());
        }
    }

    /** A deep copy (through YAML). */
    public static ExperimentConfig copy(ExperimentConfig c) {
        return fromYaml(toYaml(c), "copy");
    }

    private static ExperimentConfig bind(ObjectNode tree, String source) {
        try {
            ExperimentConfig c = YAML.treeToValue(tree, ExperimentConfig.class);
            ConfigValidator.validate(c, source);
            return c;
        } catch (UnrecognizedPropertyException e) {
            StringBuilder path = new StringBuilder();
            for (var ref : e.getPath()) {
                if (ref.getFieldName() != null) {
                    if (path.length() > 0) path.append('.');
                    path.append(ref.getFieldName());
                }
            }
            throw new ConfigException(source + ": unknown config key '" + path + "'");
        } catch (JsonMappingException e) {
            StringBuilder path = new StringBuilder();
            for (var ref : e.getPath()) {
                if (ref.getFieldName() != null) {
                    if (path.length() > 0) path.append('.');
                    path.append(ref.getFieldName());
                } else if (ref.getIndex() >= 0) {
                    path.append('[').append(ref.getIndex()).append(']');
                }
            }
            // a closed choice (Choices) says what it expected; Jackson's own message otherwise
            String why = e instanceof com.fasterxml.jackson.databind.exc.InvalidFormatException f && f.getTargetType() != null
                    && f.getTargetType().isEnum()
                    ? "'" + f.getValue() + "' (expected " + Choices.keys(f.getTargetType()) + ")" : e.getOriginalMessage();
            throw new ConfigException(source + ": bad value for '" + path + "': " + why);
        } catch (JsonProcessingException e) {
            throw new ConfigException(source + ": " + e.getOriginalMessage());
        }
    }

    private static ObjectNode presetTree(String name, Set<String> seen) {
        if (!seen.add(name)) throw new ConfigException("preset '" + name + "' extends itself");
        String res = "/presets/" + name + ".yaml";
        try (InputStream in = ConfigLoader.class.getResourceAsStream(res)) {
            if (in == null) {
                throw new ConfigException("unknown preset '" + name + "' (available: " + String.join(", ", new TreeSet<>(presets())) + ")");
            }
            JsonNode n = YAML.readTree(in);
            ObjectNode tree = n != null && n.isObject() ? (ObjectNode) n : YAML.createObjectNode();
            JsonNode parent = tree.remove("extends");
            if (parent == null) return tree;
            ObjectNode base = presetTree(parent.asText(), seen);
            merge(base, tree);
            return base;
        } catch (IOException e) {
            throw new ConfigException("cannot read preset '" + name + "': " + e.getMessage());
        }
    }

    private static ObjectNode fileTree(Path file) {
        if (!Files.isRegularFile(file)) throw new InvalidInputException(file, Files.exists(file) ? "not a file" : "no such config file");
        try {
            JsonNode n = YAML.readTree(file.toFile());
            if (n == null || n.isNull()) return YAML.createObjectNode();
            if (!n.isObject()) throw new InvalidInputException(file, "a config must be a YAML/JSON mapping");
            ObjectNode o = (ObjectNode) n;
            JsonNode parent = o.remove("extends");
            if (parent != null) {
                ObjectNode base = presetTree(parent.asText(), new HashSet<>());
                merge(base, o);
                return base;
            }
            return o;
        } catch (JsonProcessingException e) {
            throw new InvalidInputException(file, "not valid YAML/JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new InvalidInputException(file, "cannot read: " + e.getMessage(), e);
        }
    }

    /** Deep-merges {@code src} into {@code dst}: objects recursively, everything else replaced. */
    static void merge(ObjectNode dst, ObjectNode src) {
        Iterator<Map.Entry<String, JsonNode>> it = src.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode cur = dst.get(e.getKey());
            if (cur != null && cur.isObject() && e.getValue().isObject()) {
                merge((ObjectNode) cur, (ObjectNode) e.getValue());
            } else {
                dst.set(e.getKey(), e.getValue());
            }
        }
    }

    static void applyOverride(ObjectNode tree, String override) {
        int eq = override.indexOf('=');
        if (eq <= 0) throw new ConfigException("override '" + override + "' must look like key.path=value");
        String key = override.substring(0, eq).strip();
        String raw = override.substring(eq + 1).strip();
        JsonNode value;
        try {
            value = raw.isEmpty() ? YAML.getNodeFactory().textNode("") : YAML.readTree(raw);
            if (value == null) value = YAML.getNodeFactory().nullNode();
        } catch (JsonProcessingException e) {
            value = YAML.getNodeFactory().textNode(raw);
        }
        String[] parts = key.split("\\.");
        List<String> walked = new ArrayList<>();
        ObjectNode node = tree;
        for (int i = 0; i < parts.length - 1; i++) {
            walked.add(parts[i]);
            JsonNode next = node.get(parts[i]);
            if (next == null || !next.isObject()) {
                throw new ConfigException("unknown config key '" + String.join(".", walked) + "' in override '" + override + "'");
            }
            node = (ObjectNode) next;
        }
        String last = parts[parts.length - 1];
        if (!node.has(last)) throw new ConfigException("unknown config key '" + key + "' in override '" + override + "'");
        node.set(last, value);
    }
}
