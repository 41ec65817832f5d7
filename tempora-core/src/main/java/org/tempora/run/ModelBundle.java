package org.tempora.run;

import org.tempora.nn.Devices;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.tempora.ConfigException;
import org.tempora.InvalidInputException;
import org.tempora.Messages;
import org.tempora.config.ConfigLoader;
import org.tempora.config.ExperimentConfig;
import org.tempora.features.FrontEnd;
import org.tempora.model.ModelFactory;
import org.tempora.model.TemporaModel;
import org.tempora.train.RunFiles;

/**
 * A trained model as it travels: {@code model.npz} (weights by PyTorch key) and {@code model.json} (the
 * resolved config, class names, normalisation, front-end, data digest). Everything inference needs, and the
 * provenance of every number.
 */
public final class ModelBundle implements AutoCloseable {
    public static final int FORMAT = 1;

    public final TemporaModel model;
    public final ExperimentConfig config;
    public final List<String> classes;
    public final boolean multiLabel;
    public final FrontEnd frontEnd;
    public final Path dir;

    private ModelBundle(TemporaModel model, ExperimentConfig config, List<String> classes, boolean multiLabel, FrontEnd fe, Path dir) {
        this.model = model;
        this.config = config;
        this.classes = classes;
        this.multiLabel = multiLabel;
        this.frontEnd = fe;
        this.dir = dir;
    }

    static void write(RunFiles run, ExperimentConfig cfg, PreparedData data, TemporaModel model) {
        write(run, cfg, data.dataset.classes(), data.dataset.multiLabel(), data.frontEnd, data.normMean, data.normStd, data.digest, model, Map.of());
    }

    /**
     * Writes {@code model.json} for a model whose weights are (or are being) saved as {@code model.npz}: a trained one,
     * or one imported from a checkpoint ({@code extra} then says from where).
     *
     * @param frontEnd the front-end the model's input comes from (its statistics are added from {@code normMean/Std})
     * @param digest   the data digest (for an imported model: of the checkpoint file)
     */
    static void write(RunFiles run, ExperimentConfig cfg, List<String> classes, boolean multiLabel, FrontEnd frontEnd, double normMean,
                      double normStd, String digest, TemporaModel model, Map<String, Object> extra) {
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("format", FORMAT);
        j.put("name", cfg.name());
        j.put("classes", classes);
        j.put("multi_label", multiLabel);
        j.put("norm_mean", normMean);
        j.put("norm_std", normStd);
        j.put("frames", frontEnd.targetFrames());
        j.put("mel_bins", frontEnd.fbank().numMelBins());
        j.put("sample_rate", frontEnd.sampleRate());
        j.put("tokens", model.tokens());
        j.put("parameters", model.parameterCount());
        j.put("data_digest", digest);
        // the front-end exactly as training ran it (every fbank option, channel, length, statistics): inference,
        // explain and serving rebuild it from here, not from code defaults
        j.put("front_end", frontEnd.withStats(normMean, normStd).describe());
        j.put("versions", Versions.all());
        j.put("provenance", Versions.provenance());
        j.putAll(extra);
        j.put("config", ConfigLoader.toYaml(cfg));
        run.writeJson(run.modelJson(), j);
    }

    /** Loads a run folder (or a folder holding model.npz + model.json). */
    public static ModelBundle load(Path runDir, int threads) {
        Path json = runDir.resolve("model.json");
        Path npz = runDir.resolve("model.npz");
        if (!Files.isDirectory(runDir)) throw new InvalidInputException(runDir, "no such run folder");
        if (!Files.isRegularFile(json) || !Files.isRegularFile(npz)) {
            throw new InvalidInputException(runDir, "not a finished run: model.json and model.npz are required (train it first)");
        }
        JsonNode j;
        try {
            j = RunFiles.JSON.readTree(json.toFile());
        } catch (IOException e) {
            throw new InvalidInputException(json, "not valid JSON: " + Messages.io(e, json), e);
        }
        if (j.path("format").asInt() != FORMAT) throw new InvalidInputException(json, "unsupported model format " + j.path("format"));
        ExperimentConfig cfg = ConfigLoader.fromYaml(j.get("config").asText(), json.toString());
        List<String> classes = new ArrayList<>();
        j.get("classes").forEach(c -> classes.add(c.asText()));
        Engines.configureThreads(threads);
        NDManager manager = Devices.newManager();
        try {
            TemporaModel model = ModelFactory.build(cfg, new ModelFactory.Input(j.get("frames").asInt(), j.get("mel_bins").asInt(),
                    classes.size(), j.get("norm_mean").asDouble(), j.get("norm_std").asDouble()), manager);
            model.load(npz);
            model.train(false);
            return new ModelBundle(model, cfg, classes, j.path("multi_label").asBoolean(), frontEnd(j, cfg, json), runDir);
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    /**
     * The recorded front-end (without normalisation: the model normalises its own input), or for a bundle written
     * before front-ends were recorded, the one its config describes (what training ran then).
     */
    static FrontEnd frontEnd(JsonNode j, ExperimentConfig cfg, Path json) {
        if (!j.has("front_end")) return PreparedData.frontEnd(cfg.features());
        try {
            Map<String, Object> m = RunFiles.JSON.convertValue(j.get("front_end"), new TypeReference<Map<String, Object>>() {});
            FrontEnd fe = FrontEnd.fromDescription(m);
            if (fe.targetFrames() != j.path("frames").asInt() || fe.fbank().numMelBins() != j.path("mel_bins").asInt()) {
                throw new InvalidInputException(json, "front_end disagrees with frames/mel_bins (" + fe.targetFrames() + "x"
                        + fe.fbank().numMelBins() + " against " + j.path("frames") + "x" + j.path("mel_bins") + ")");
            }
            return fe.unnormalized();
        } catch (ConfigException e) {
            throw new InvalidInputException(json, "bad front_end: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        model.close();
    }
}
