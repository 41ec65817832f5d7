package org.tempora.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.exc.InvalidTypeIdException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.jsontype.NamedType;
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
import org.tempora.Messages;

/**
 * Builds an {@link ExperimentConfig} from, in order: the defaults, a named preset (which may {@code extends}
 * another), a YAML/JSON config file, and {@code key.path=value} overrides. Later sources win; maps merge
 * deeply, lists are replaced. Unknown keys are errors that name the key.
 */
public final class ConfigLoader {
    /** For trees and text; binding goes through {@link #mapper()}, which knows the registered kinds. */
    private static final ObjectMapper YAML = newMapper();
    private static volatile ObjectMapper bound;
    private static volatile int boundVersion = -1;

    /** The sections whose record is chosen by their {@code kind} key. */
    private static final List<String> POLYMORPHIC = List.of("backbone", "resolution");

    private ConfigLoader() {}

    private static ObjectMapper newMapper() {
        return new ObjectMapper(new YAMLFactory()
                .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
                .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES))
                .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT);    // epochs: 1.5 is an error, not 1
    }

    /** A mapper that binds every kind registered so far (rebuilt after a registration: Jackson caches subtypes). */
    private static ObjectMapper mapper() {
        int v = Kinds.version();
        ObjectMapper m = bound;
        if (m == null || boundVersion != v) {
            m = newMapper();
            for (String section : POLYMORPHIC) {
                for (Kinds.Kind<?> k : Kinds.of(section).values()) m.registerSubtypes(new NamedType(k.type(), k.name()));
            }
            bound = m;
            boundVersion = v;
        }
        return m;
    }

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
        ObjectNode tree = defaultsTree();
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

    /**
     * Parses a config from YAML text a run or a bundle recorded (a run's config.yaml, model.json's {@code config}).
     * Records written before the config became polymorphic by kind carried every kind's keys in {@code backbone} and
     * {@code resolution} (an AST's {@code heads} under an Audio Mamba); keys the recorded kind does not have are
     * dropped here, and only here: a config a user writes must not have them.
     */
    public static ExperimentConfig fromYaml(String yaml, String source) {
        return bind(recordedTree(yaml, source), source);
    }

    /**
     * A config a run recorded (its config.yaml) with {@code key=value} overrides on top: what {@code train --resume}
     * without a preset starts from.
     */
    public static ExperimentConfig loadRecorded(Path file, List<String> overrides) {
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new InvalidInputException(file, "cannot read: " + e.getMessage(), e);
        }
        ObjectNode tree = recordedTree(text, file.toString());
        for (String o : overrides) applyOverride(tree, o);
        return bind(tree, overrides.isEmpty() ? file.toString() : file + " with --set overrides");
    }

    private static ObjectNode recordedTree(String yaml, String source) {
        try {
            ObjectNode tree = defaultsTree();
            JsonNode n = YAML.readTree(yaml);
            if (n != null && n.isObject()) {
                ObjectNode recorded = (ObjectNode) n;
                for (String section : POLYMORPHIC) {
                    if (recorded.get(section) instanceof ObjectNode sec) {
                        Kinds.Kind<?> k = Kinds.of(section).get(sec.path("kind").asText("none"));
                        if (k != null) sec.retain(fieldNames(YAML.valueToTree(k.defaults())));
                    }
                }
                merge(tree, recorded);
            }
            return tree;
        } catch (JsonProcessingException e) {
            throw new InvalidInputException(source, "not valid YAML: " + Messages.parseError(e));
        }
    }

    /**
     * The keys whose values differ between two configs, each as {@code key: a → b} (leaf keys in snake_case with dots,
     * lists compared whole), in the config's order.
     */
    public static List<String> differences(ExperimentConfig a, ExperimentConfig b) {
        List<String> out = new ArrayList<>();
        diff("", YAML.valueToTree(a), YAML.valueToTree(b), out);
        return out;
    }

    private static void diff(String prefix, JsonNode a, JsonNode b, List<String> out) {
        if (a != null && b != null && a.isObject() && b.isObject()
                && a.path("kind").asText("").equals(b.path("kind").asText(""))) {
            Set<String> keys = new java.util.LinkedHashSet<>();
            a.fieldNames().forEachRemaining(keys::add);
            b.fieldNames().forEachRemaining(keys::add);
            for (String k : keys) diff(prefix.isEmpty() ? k : prefix + "." + k, a.get(k), b.get(k), out);
        } else if (a == null || b == null || !a.equals(b)) {
            out.add(prefix + ": " + flat(a) + " → " + flat(b));
        }
    }

    private static String flat(JsonNode n) {
        return n == null ? "(absent)" : n.isTextual() ? n.asText() : n.toString();
    }

    private static List<String> fieldNames(ObjectNode o) {
        List<String> names = new ArrayList<>();
        o.fieldNames().forEachRemaining(names::add);
        return names;
    }

    /** The defaults as a tree to merge sources into. */
    private static ObjectNode defaultsTree() {
        return YAML.valueToTree(ExperimentConfig.defaults());
    }

    /** The defaults of a polymorphic section's kind, or null for an unknown kind (the binder names it). */
    private static ObjectNode kindDefaults(String section, String kind) {
        Kinds.Kind<?> k = Kinds.of(section).get(kind);
        return k == null ? null : YAML.valueToTree(k.defaults());
    }

    private static ExperimentConfig bind(ObjectNode tree, String source) {
        try {
            fillPhaseDefaults(tree);
            ExperimentConfig c = mapper().treeToValue(tree, ExperimentConfig.class);
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
            String kind = e.getReferringClass() != null && BackboneSpec.class.isAssignableFrom(e.getReferringClass()) ? tree.path("backbone").path("kind").asText()
                    : e.getReferringClass() != null && ResolutionSpec.class.isAssignableFrom(e.getReferringClass()) ? tree.path("resolution").path("kind").asText() : null;
            throw new ConfigException(source + ": unknown config key '" + path + "'" + (kind == null ? "" : " (not a key of kind " + kind + ")"));
        } catch (InvalidTypeIdException e) {
            String section = e.getPath().isEmpty() ? "?" : e.getPath().get(e.getPath().size() - 1).getFieldName();
            throw new ConfigException(source + ": bad value for '" + section + ".kind': '" + e.getTypeId() + "' (expected "
                    + String.join(", ", Kinds.of(section == null ? "" : section).keySet()) + ")");
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
            // a closed choice (Choices) says what it expected; other values say which kind of value they must be
            String why = e instanceof com.fasterxml.jackson.databind.exc.InvalidFormatException f && f.getTargetType() != null
                    && f.getTargetType().isEnum()
                    ? "'" + f.getValue() + "' (expected " + Choices.keys(f.getTargetType()) + ")" : mismatch(e, tree);
            throw new ConfigException(source + ": bad value for '" + path + "': " + why);
        } catch (JsonProcessingException e) {
            throw new ConfigException(source + ": " + Messages.parseError(e));
        }
    }

    /**
     * A value of the wrong type in words: the value as written and what the key takes ({@code "abc" (expected an
     * integer)}, {@code [1,2] (expected a number)}, {@code 5 (expected a section of keys)}), not Jackson's message, which
     * names Java types and its own settings.
     */
    private static String mismatch(JsonMappingException e, ObjectNode tree) {
        JsonNode given = tree;
        for (var ref : e.getPath()) {
            if (given == null) break;
            given = ref.getFieldName() != null ? given.get(ref.getFieldName()) : ref.getIndex() >= 0 ? given.get(ref.getIndex()) : null;
        }
        Class<?> target = e instanceof MismatchedInputException m ? m.getTargetType() : null;
        String expected = expected(target);
        if (expected == null || given == null) {
            // Jackson's text, without its backquoted Java type names
            return Messages.oneLine(e.getOriginalMessage()).replaceAll("`(?:[\\w]+\\.)*([\\w]+)(?:\\$(\\w+))?`", "'$1'");
        }
        return given + " (expected " + expected + ")";
    }

    private static String expected(Class<?> t) {
        if (t == null) return null;
        if (t == int.class || t == Integer.class || t == long.class || t == Long.class || t == short.class || t == Short.class) return "an integer";
        if (t == double.class || t == Double.class || t == float.class || t == Float.class) return "a number";
        if (t == boolean.class || t == Boolean.class) return "true or false";
        if (t == String.class) return "a string";
        if (java.util.Collection.class.isAssignableFrom(t) || t.isArray()) return "a list";
        if (t.isRecord() || t.isInterface()) return "a section of keys";
        return null;
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
            throw new InvalidInputException(file, "not valid YAML/JSON: " + Messages.parseError(e));
        } catch (IOException e) {
            throw new InvalidInputException(file, "cannot read: " + Messages.io(e, file), e);
        }
    }

    /**
     * Deep-merges a whole config tree {@code src} into {@code dst}: objects recursively, everything else replaced. A
     * polymorphic section whose {@code kind} changes starts again from the new kind's defaults, keeping only the values
     * of keys the new kind also has ({@code size}, {@code dim}…), so a preset's AST {@code heads} does not follow the
     * backbone to Audio Mamba.
     */
    static void merge(ObjectNode dst, ObjectNode src) {
        for (String section : POLYMORPHIC) {
            if (src.get(section) instanceof ObjectNode s && s.has("kind") && dst.get(section) instanceof ObjectNode d) {
                changeKind(dst, section, d, s.get("kind").asText());
            }
        }
        mergeObjects(dst, src);
    }

    private static void changeKind(ObjectNode dst, String section, ObjectNode current, String kind) {
        if (kind.equals(current.path("kind").asText())) return;
        ObjectNode fresh = kindDefaults(section, kind);
        if (fresh == null) return;    // an unknown kind: binding names it with the kinds there are
        Iterator<Map.Entry<String, JsonNode>> it = current.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getKey().equals("kind") && fresh.has(e.getKey())) fresh.set(e.getKey(), e.getValue());
        }
        dst.set(section, fresh);
    }

    /** Every {@code train.phases} entry starts from {@link ExperimentConfig.Phase#DEFAULTS} (lists are replaced whole). */
    private static void fillPhaseDefaults(ObjectNode tree) {
        if (!(tree.path("train").get("phases") instanceof com.fasterxml.jackson.databind.node.ArrayNode phases)) return;
        for (int i = 0; i < phases.size(); i++) {
            if (phases.get(i) instanceof ObjectNode p) {
                ObjectNode full = YAML.valueToTree(ExperimentConfig.Phase.DEFAULTS);
                mergeObjects(full, p);
                phases.set(i, full);
            }
        }
    }

    private static void mergeObjects(ObjectNode dst, ObjectNode src) {
        Iterator<Map.Entry<String, JsonNode>> it = src.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode cur = dst.get(e.getKey());
            if (cur != null && cur.isObject() && e.getValue().isObject()) {
                mergeObjects((ObjectNode) cur, (ObjectNode) e.getValue());
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
        if (parts.length == 2 && last.equals("kind") && POLYMORPHIC.contains(parts[0])) {
            changeKind(tree, parts[0], node, value.asText());
            node = (ObjectNode) tree.get(parts[0]);
        }
        if (!node.has(last)) {
            String kind = parts.length == 2 && POLYMORPHIC.contains(parts[0]) ? " (not a key of kind " + node.path("kind").asText() + ")" : "";
            throw new ConfigException("unknown config key '" + key + "' in override '" + override + "'" + kind);
        }
        if (node.get(last).isObject() && !value.isObject()) {
            String first = node.get(last).fieldNames().hasNext() ? node.get(last).fieldNames().next() : "key";
            throw new ConfigException("bad override '" + override + "': '" + key + "' is a section; set one of its keys, e.g. "
                    + key + "." + first + "=…");
        }
        node.set(last, value);
    }
}
