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
import org.tempora.nn.StateDict;

/**
 * Writes a model bundle's weights for PyTorch: a safetensors file with tempora's state_dict keys (AST's own, timm's
 * names: {@code v.*}, {@code mlp_head.*}; a resolution stage's under {@code resolution.}), float32. The metadata says
 * where it came from ({@code format: pt}, the tempora version, the backbone kind, the classes and the config).
 */
public final class ModelExport {
    private ModelExport() {}

    /** The one export format. */
    public static final String SAFETENSORS = "safetensors";

    /**
     * @param overwrite replace an existing file (otherwise it is refused)
     * @return the number of tensors written
     */
    public static int safetensors(Path runDir, Path out, boolean overwrite) {
        if (Files.isDirectory(out)) throw new ConfigException("--out " + out + " is a folder; give the file to write");
        if (Files.exists(out) && !overwrite) throw new ConfigException("--out " + out + " exists (use --overwrite to replace it)");
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
