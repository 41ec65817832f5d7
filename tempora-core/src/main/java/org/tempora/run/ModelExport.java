package org.tempora.run;

import com.fasterxml.jackson.core.JsonProcessingException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.tempora.ConfigException;
import org.tempora.OutputException;
import org.tempora.config.ConfigLoader;
import org.tempora.io.SafeTensors;
import org.tempora.io.TorchSave;
import org.tempora.nn.StateDict;

/**
 * Writes a model bundle's weights for PyTorch: a {@code torch.save} file ({@link #PTH}, {@link TorchSave}) or a safetensors file with tempora's state_dict keys (AST's own, timm's
 * names: {@code v.*}, {@code mlp_head.*}; a resolution stage's under {@code resolution.}), float32. The metadata says
 * where it came from ({@code format: pt}, the tempora version, the backbone kind, the classes and the config).
 */
public final class ModelExport {
    private ModelExport() {}

    /** The export formats. */
    public static final String SAFETENSORS = "safetensors";
    public static final String PTH = "pth";

    /** Writes {@code format} ({@link #SAFETENSORS} or {@link #PTH}); returns the number of tensors written. */
    public static int write(Path runDir, Path out, String format, boolean overwrite) {
        String f = format == null ? "" : format.strip().toLowerCase(java.util.Locale.ROOT);
        return switch (f) {
            case SAFETENSORS -> safetensors(runDir, out, overwrite);
            case PTH, "pt", "torch" -> pth(runDir, out, overwrite);
            default -> throw new ConfigException("--format '" + format + "': tempora exports safetensors or pth");
        };
    }

    /**
     * A {@code torch.save}-compatible zip of the state_dict ({@code collections.OrderedDict} of float32 tensors with
     * tempora's keys, in the model's order), which {@code torch.load(FILE, weights_only=True)} reads.
     *
     * @param overwrite replace an existing file (otherwise it is refused)
     * @return the number of tensors written
     */
    public static int pth(Path runDir, Path out, boolean overwrite) {
        checkOut(out, overwrite);
        try (ModelBundle m = ModelBundle.load(runDir, 1)) {
            var entries = StateDict.entries(m.model);
            TorchSave.write(out, entries);
            return entries.size();
        } catch (IOException e) {
            throw new OutputException(out, e);
        }
    }

    private static void checkOut(Path out, boolean overwrite) {
        if (Files.isDirectory(out)) throw new ConfigException("--out " + out + " is a folder; give the file to write");
        if (Files.exists(out) && !overwrite) throw new ConfigException("--out " + out + " exists (use --overwrite to replace it)");
    }

    /**
     * @param overwrite replace an existing file (otherwise it is refused)
     * @return the number of tensors written
     */
    public static int safetensors(Path runDir, Path out, boolean overwrite) {
        checkOut(out, overwrite);
        try (ModelBundle m = ModelBundle.load(runDir, 1)) {
            Map<String, String> meta = new LinkedHashMap<>();
            meta.put("format", "pt");
            meta.put("producer", "tempora " + Versions.tempora());
            meta.put("tempora.backbone", m.config.backbone().kind());
            meta.put("tempora.classes", new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(m.classes));
            meta.put("tempora.config", ConfigLoader.toYaml(m.config));
            var entries = StateDict.entries(m.model);
            SafeTensors.write(out, entries, meta);
            return entries.size();
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        } catch (IOException e) {
            throw new OutputException(out, e);
        }
    }
}
