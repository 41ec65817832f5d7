package org.tempora.run;

import org.tempora.nn.Devices;
import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.tempora.ConfigException;
import org.tempora.InvalidInputException;
import org.tempora.Messages;
import org.tempora.OutputException;
import org.tempora.config.BackboneSpec;
import org.tempora.config.ConfigLoader;
import org.tempora.config.ExperimentConfig;
import org.tempora.interop.AstCheckpoint;
import org.tempora.interop.AstLayout;
import org.tempora.interop.AstShape;
import org.tempora.interop.AumCheckpoint;
import org.tempora.tokens.PatchGeometry;
import org.tempora.io.FolderLock;
import org.tempora.model.AstConfig;
import org.tempora.model.ModelFactory;
import org.tempora.model.TemporaModel;
import org.tempora.train.RunFiles;

/**
 * Turns a PyTorch checkpoint into a tempora model bundle ({@code model.npz} + {@code model.json}, plus
 * {@code config.yaml} and {@code run.json}) that {@code eval}, {@code classify} and {@code explain} use like a trained
 * one. The model is AST or Audio Mamba (docs/interop.md): its shape comes from the tensors, the rest from the caller's config
 * overrides, a Hugging Face folder's config files, or AST's defaults, each default reported in {@link Result#notes()}.
 * The run folder follows the rules of {@code train}: a new or empty folder or, with {@code overwrite}, a run (only what
 * that run wrote is removed); it is locked while written.
 */
public final class ModelImport {
    /** AudioSet's fbank statistics in AST's recipe (also transformers' ASTFeatureExtractor defaults). */
    public static final double AUDIOSET_MEAN = -4.2677393;
    public static final double AUDIOSET_STD = 4.5689974;

    private ModelImport() {}

    /**
     * @param checkpoint a checkpoint file (torch.save or safetensors) or a Hugging Face model folder
     * @param arch       the architecture: {@code ast} or {@code aum}
     * @param layout     the key layout ({@code yuangong} or {@code hf} for AST, {@code aum} for Audio Mamba), or null to
     *                   tell it from the keys
     * @param labels     a CSV of class names (AudioSet's {@code class_labels_indices.csv}, or one name per line), or null
     * @param overrides  {@code key=value} config overrides, as {@code --set}
     * @param multiLabel whether the classes are independent (sigmoid scores, as AudioSet) rather than exclusive (softmax)
     */
    public record Options(Path checkpoint, String arch, String layout, Path labels, List<String> overrides, boolean multiLabel,
                          Path runDir, boolean overwrite) {}

    /**
     * What was imported.
     *
     * @param model a one-line description of the model ({@code AST width 768, depth 12, …})
     */
    public record Result(Path runDir, String arch, String layout, String format, String model, long parameters,
                         double normMean, double normStd, List<String> classes, List<String> notes) {}

    /** Config keys the import sets from the checkpoint (unless the caller sets them). */
    static final List<String> DERIVED = List.of("backbone.heads", "tokens.stride", "features.mel_bins", "features.target_frames",
            "features.norm_mean", "features.norm_std");

    /** What an architecture's checkpoint gives: its tensors (tempora's names), config overrides and a description. */
    private record Read(Map<String, org.tempora.io.Npy.Array> tensors, Path file, String layout, String format, AstCheckpoint.HfConfig hf,
                        List<String> sets, int classes, int frames, int bins, String model, List<String> notes) {}

    public static Result run(Options o) {
        String arch = o.arch().strip().toLowerCase(Locale.ROOT);
        if (!arch.equals("ast") && !arch.equals("aum")) {
            throw new ConfigException("--arch '" + o.arch() + "': tempora imports ast and aum checkpoints");
        }
        // the overrides are checked before any file is read
        List<String> withKind = new ArrayList<>();
        withKind.add("backbone.kind=" + arch);
        withKind.addAll(o.overrides());
        ExperimentConfig asked = ConfigLoader.load(null, null, withKind);
        Set<String> given = givenKeys(o.overrides());
        List<String> mayGive = arch.equals("ast") ? List.of("backbone.heads", "backbone.kind", "backbone.init")
                : List.of("backbone.kind", "backbone.scan", "backbone.scan_chunk");
        for (String k : given) {
            if (k.startsWith("backbone.") && !mayGive.contains(k)) {
                throw new ConfigException("--set " + k + ": the checkpoint's tensors fix the backbone's shape"
                        + (arch.equals("ast") ? "; only backbone.heads may be given" : ""));
            }
        }
        if (!asked.backbone().kind().equals(arch)) {
            throw new ConfigException("--set backbone.kind=" + asked.backbone().kind() + ": an " + arch + " checkpoint becomes an " + arch + " backbone");
        }
        if (asked.resolution().kind() != null && !asked.resolution().kind().equals("none")) {
            throw new ConfigException("--set resolution.kind=" + asked.resolution().kind() + ": an imported model has no resolution stage");
        }
        if (o.layout() != null && arch.equals("aum") && !o.layout().strip().equalsIgnoreCase("aum")) {
            throw new ConfigException("unknown checkpoint layout '" + o.layout() + "' for aum (aum)");
        }
        AstLayout astLayout = o.layout() != null && arch.equals("ast") ? AstLayout.parse(o.layout()) : null;
        if (o.runDir() == null) throw new ConfigException("--out RUN is required");
        RunFiles run = new RunFiles(o.runDir());
        if (Files.exists(o.runDir()) && !Files.isDirectory(o.runDir())) throw new ConfigException("--out " + o.runDir() + " is a file, not a folder");
        if (Files.isDirectory(o.runDir()) && run.holdsRun() && !o.overwrite()) {
            throw new ConfigException("run folder " + o.runDir() + " already holds a run (use --overwrite to replace it, or another --out)");
        }

        Read r = arch.equals("ast") ? readAst(o, astLayout, asked, given) : readAum(o, asked, given);
        List<String> notes = new ArrayList<>(r.notes());
        double mean;
        double std;
        if (asked.features().normMean() != null && asked.features().normStd() != null) {
            mean = asked.features().normMean();
            std = asked.features().normStd();
        } else if (r.hf() != null && r.hf().mean() != null) {
            mean = r.hf().mean();
            std = r.hf().std();
        } else {
            mean = AUDIOSET_MEAN;
            std = AUDIOSET_STD;
            notes.add("normalisation: AudioSet's mean " + mean + " and std " + std + " (the checkpoint does not record its data's; "
                    + "set features.norm_mean and features.norm_std)");
        }
        List<String> classes = classes(o.labels(), r.hf(), r.file(), r.classes(), notes);

        List<String> all = new ArrayList<>();
        Path abs = o.runDir().toAbsolutePath().normalize();
        all.add("name=" + yamlString(abs.getFileName() == null ? "imported" : abs.getFileName().toString()));
        all.addAll(r.sets());
        all.add("features.norm_mean=" + mean);
        all.add("features.norm_std=" + std);
        for (String ov : o.overrides()) if (!DERIVED.contains(key(ov))) all.add(ov);
        ExperimentConfig cfg = ConfigLoader.load(null, null, all);

        String digest = sha256(r.file());
        try (FolderLock lock = run.open(false, o.overwrite()); NDManager manager = Devices.newManager()) {
            TemporaModel model = ModelFactory.build(cfg, new ModelFactory.Input(r.frames(), r.bins(), classes.size(), mean, std), manager);
            model.load(r.tensors(), r.file().toString());
            model.train(false);
            run.writeText(run.config(), ConfigLoader.toYaml(cfg));
            try {
                model.save(run.track(run.model()));
            } catch (IOException e) {
                throw new OutputException(run.model(), e);
            }
            Map<String, Object> from = new LinkedHashMap<>();
            from.put("checkpoint", o.checkpoint().toAbsolutePath().normalize().toString());
            from.put("file", r.file().toAbsolutePath().normalize().toString());
            from.put("sha256", digest);
            from.put("arch", arch);
            from.put("layout", r.layout());
            from.put("format", r.format());
            from.put("notes", notes);
            ModelBundle.write(run, cfg, classes, o.multiLabel(), PreparedData.frontEnd(cfg.features()), mean, std,
                    "imported:" + digest.substring(0, 16), model, Map.of("imported_from", from));
            Map<String, Object> j = new LinkedHashMap<>();
            j.put("name", cfg.name());
            j.put("status", "imported");
            j.put("seed", cfg.seed());
            j.put("versions", Versions.all());
            j.put("imported_from", from);
            Map<String, Object> norm = new LinkedHashMap<>();
            norm.put("mean", mean);
            norm.put("std", std);
            norm.put("computed_on_train", false);
            j.put("normalisation", norm);
            j.put("data", Map.of("classes", classes));
            j.put("parameters", model.parameterCount());
            run.writeJson(run.runJson(), j);
            return new Result(o.runDir(), arch, r.layout(), r.format(), r.model(), model.parameterCount(), mean, std, classes, notes);
        }
    }

    private static Read readAst(Options o, AstLayout layout, ExperimentConfig asked, Set<String> given) {
        BackboneSpec.Ast askedAst = (BackboneSpec.Ast) asked.backbone();
        AstCheckpoint c = AstCheckpoint.read(o.checkpoint(), layout);
        if (c.imagenet()) {
            throw new InvalidInputException(c.file().toString(), "is an ImageNet DeiT checkpoint (timm layout): it has no classifier for "
                    + "audio classes, so there is no model to import; start a training from it with tempora train --init " + c.file());
        }
        AstShape shape = AstShape.resolve(c, new AstShape.Given(
                given.contains("backbone.heads") ? askedAst.heads() : null,
                given.contains("tokens.stride") ? asked.tokens().stride().get(0) : null,
                given.contains("tokens.stride") ? asked.tokens().stride().get(1) : null,
                given.contains("features.mel_bins") ? asked.features().melBins() : null,
                given.contains("features.target_frames") ? asked.features().targetFrames() : null));
        AstConfig ast = shape.config();
        if (ast.mlpHidden() != 4 * ast.dim()) {
            throw new InvalidInputException(c.file().toString(), "the MLP is " + ast.mlpHidden() + " wide, not 4 × the width " + ast.dim()
                    + " (tempora's AST config cannot express it)");
        }
        PatchGeometry g = ast.patches();
        List<String> sets = new ArrayList<>(List.of("backbone.kind=ast", "backbone.dim=" + ast.dim(), "backbone.depth=" + ast.depth(),
                "backbone.heads=" + ast.heads()));
        sets.addAll(tokenSets(g));
        String model = String.format(Locale.ROOT, "AST width %d, depth %d, %d heads, %s, %d classes", ast.dim(), ast.depth(), ast.heads(),
                grid(g), ast.numClasses());
        return new Read(c.tensors(), c.file(), c.layout().cliName(), c.format().name().toLowerCase(Locale.ROOT), c.hf(), sets,
                ast.numClasses(), g.frames(), g.freqBins(), model, shape.notes());
    }

    private static Read readAum(Options o, ExperimentConfig asked, Set<String> given) {
        AumCheckpoint c = AumCheckpoint.read(o.checkpoint());
        AumCheckpoint.Shape s = c.resolve(
                given.contains("tokens.stride") ? asked.tokens().stride().get(0) : null,
                given.contains("tokens.stride") ? asked.tokens().stride().get(1) : null,
                given.contains("features.mel_bins") ? asked.features().melBins() : null,
                given.contains("features.target_frames") ? asked.features().targetFrames() : null);
        PatchGeometry g = s.grid();
        String variant = s.variant().name().toLowerCase(Locale.ROOT);
        List<String> sets = new ArrayList<>(List.of("backbone.kind=aum", "backbone.dim=" + s.dim(), "backbone.depth=" + s.depth(),
                "backbone.bimamba=" + variant));
        sets.addAll(tokenSets(g));
        String model = String.format(Locale.ROOT, "Audio Mamba width %d, depth %d, bimamba %s, %s, %d classes", s.dim(), s.depth(), variant,
                grid(g), s.classes());
        return new Read(c.tensors(), c.file(), "aum", c.format().name().toLowerCase(Locale.ROOT), null, sets, s.classes(), g.frames(),
                g.freqBins(), model, s.notes());
    }

    private static List<String> tokenSets(PatchGeometry g) {
        return List.of("tokens.kind=" + (g.patchF() == g.patchT() ? "square" : "rect"),
                "tokens.patch=[" + g.patchF() + ", " + g.patchT() + "]",
                "tokens.stride=[" + g.strideF() + ", " + g.strideT() + "]",
                "features.mel_bins=" + g.freqBins(),
                "features.target_frames=" + g.frames());
    }

    private static String grid(PatchGeometry g) {
        return String.format(Locale.ROOT, "%dx%d patches with stride %dx%d, %d frames x %d mel bins", g.patchF(), g.patchT(), g.strideF(),
                g.strideT(), g.frames(), g.freqBins());
    }

    /** The keys of {@code key=value} overrides. */
    static Set<String> givenKeys(List<String> overrides) {
        Set<String> out = new LinkedHashSet<>();
        for (String o : overrides) out.add(key(o));
        return out;
    }

    private static String key(String override) {
        int eq = override.indexOf('=');
        return (eq < 0 ? override : override.substring(0, eq)).strip();
    }

    private static String yamlString(String s) {
        return "'" + s.replace("'", "''") + "'";
    }

    /** Class names: the labels file, else a Hugging Face config's id2label, else class_0 … class_{n−1}. */
    static List<String> classes(Path labels, AstCheckpoint.HfConfig hf, Path file, int n, List<String> notes) {
        if (labels != null) {
            List<String> l = readLabels(labels);
            if (l.size() != n) throw new InvalidInputException(labels, "has " + l.size() + " labels, but the checkpoint's head has " + n + " classes");
            return l;
        }
        if (hf != null && hf.labels() != null) {
            if (hf.labels().size() != n) {
                throw new InvalidInputException(file.toString(), "config.json's id2label has " + hf.labels().size() + " labels, but the head has "
                        + n + " classes");
            }
            return hf.labels();
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) out.add("class_" + i);
        notes.add("labels: class_0 to class_" + (n - 1) + " (give --labels CSV for their names)");
        return out;
    }

    /**
     * A labels CSV: with a header naming {@code display_name} (AudioSet's {@code class_labels_indices.csv}: index, mid,
     * display_name; rows ordered by {@code index} when there is one) or {@code name}/{@code label}; or one name per line.
     */
    static List<String> readLabels(Path file) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file);
        } catch (IOException e) {
            throw new InvalidInputException(file, "cannot read the labels: " + Messages.io(e, file), e);
        }
        List<List<String>> rows = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).isBlank()) continue;
            rows.add(csvRow(file, i + 1, lines.get(i)));
        }
        if (rows.isEmpty()) throw new InvalidInputException(file, "no labels in the file");
        List<String> header = rows.get(0).stream().map(h -> h.strip().toLowerCase(Locale.ROOT)).toList();
        int col = header.indexOf("display_name");
        if (col < 0) col = header.indexOf("name");
        if (col < 0) col = header.indexOf("label");
        if (col < 0) {
            if (rows.stream().anyMatch(r -> r.size() != 1)) {
                throw new InvalidInputException(file, "a labels CSV needs a display_name (or name, label) column, or one name per line");
            }
            return rows.stream().map(r -> r.get(0).strip()).toList();
        }
        int idx = header.indexOf("index");
        TreeMap<Integer, String> byIndex = new TreeMap<>();
        List<String> out = new ArrayList<>();
        for (int r = 1; r < rows.size(); r++) {
            List<String> row = rows.get(r);
            if (row.size() != header.size()) {
                throw new InvalidInputException(file, "line " + (r + 1) + " has " + row.size() + " fields, the header " + header.size());
            }
            String label = row.get(col).strip();
            if (idx >= 0) {
                try {
                    if (byIndex.put(Integer.parseInt(row.get(idx).strip()), label) != null) {
                        throw new InvalidInputException(file, "index " + row.get(idx).strip() + " appears twice");
                    }
                } catch (NumberFormatException e) {
                    throw new InvalidInputException(file, "line " + (r + 1) + ": index '" + row.get(idx).strip() + "' is not a number");
                }
            } else {
                out.add(label);
            }
        }
        if (idx >= 0) {
            if (!byIndex.isEmpty() && (byIndex.firstKey() != 0 || byIndex.lastKey() != byIndex.size() - 1)) {
                throw new InvalidInputException(file, "the indices are not 0 to " + (byIndex.size() - 1));
            }
            out.addAll(byIndex.values());
        }
        if (out.isEmpty()) throw new InvalidInputException(file, "no labels in the file");
        return out;
    }

    /** One CSV line: comma-separated, fields optionally in double quotes with "" for a quote. */
    private static List<String> csvRow(Path file, int lineNo, String line) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < line.length(); i++) {
            char ch = line.charAt(i);
            if (quoted) {
                if (ch == '"' && i + 1 < line.length() && line.charAt(i + 1) == '"') {
                    cur.append('"');
                    i++;
                } else if (ch == '"') {
                    quoted = false;
                } else {
                    cur.append(ch);
                }
            } else if (ch == '"') {
                quoted = true;
            } else if (ch == ',') {
                out.add(cur.toString());
                cur.setLength(0);
            } else {
                cur.append(ch);
            }
        }
        if (quoted) throw new InvalidInputException(file, "line " + lineNo + " has an unclosed quote");
        out.add(cur.toString());
        return out;
    }

    static String sha256(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 16];
            for (int r; (r = in.read(buf)) > 0; ) md.update(buf, 0, r);
            return HexFormat.of().formatHex(md.digest());
        } catch (IOException e) {
            throw new InvalidInputException(file, "cannot read: " + Messages.io(e, file), e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
