package org.tempora.spark;

import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.tempora.InvalidInputException;
import org.tempora.Messages;
import org.tempora.TemporaException;
import org.tempora.run.ModelBundle;

/**
 * One model instance per executor JVM: the bundle's bytes arrive by broadcast, and the first task of a JVM that
 * needs them writes them to a temporary folder and loads the model; every later task (and row) of that JVM reuses
 * it. Keyed by the bundle's digest, so two models in one application do not collide. The model's weights are shared
 * read-only; each call computes in arrays of its own (as {@link org.tempora.api.AudioClassifier}), so the
 * executor's task threads use it at once.
 */
final class ModelHolder {
    private static final ConcurrentHashMap<String, ModelBundle> MODELS = new ConcurrentHashMap<>();
    /** Models loaded by this JVM (the tests check that a job loads one, not one per row or task). */
    static final AtomicInteger LOADS = new AtomicInteger();

    private ModelHolder() {}

    /** A model bundle's two files, as bytes, with their digest. */
    record Bytes(String name, byte[] modelJson, byte[] modelNpz, String digest) implements Serializable {
        private static final long serialVersionUID = 1L;

        static Bytes read(Path run) {
            Path json = run.resolve("model.json");
            Path npz = run.resolve("model.npz");
            if (!Files.isDirectory(run)) throw new InvalidInputException(run, Files.exists(run) ? "not a folder" : "no such run folder");
            if (!Files.isRegularFile(json) || !Files.isRegularFile(npz)) {
                throw new InvalidInputException(run, "not a finished run: model.json and model.npz are required (train it first)");
            }
            try {
                byte[] j = Files.readAllBytes(json);
                byte[] n = Files.readAllBytes(npz);
                MessageDigest md = MessageDigest.getInstance("SHA-256");
                md.update(j);
                md.update(n);
                return new Bytes(run.toString(), j, n, HexFormat.of().formatHex(md.digest()).substring(0, 24));
            } catch (IOException e) {
                throw new InvalidInputException(run, "cannot read the model: " + Messages.io(e, run), e);
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /** This JVM's instance of the model, loaded on first use with {@code threads} intra-op threads. */
    static ModelBundle get(Bytes b, int threads) {
        return MODELS.computeIfAbsent(b.digest(), d -> {
            try {
                Path dir = Files.createTempDirectory("tempora-model-" + d.substring(0, 12) + "-");
                Path json = Files.write(dir.resolve("model.json"), b.modelJson());
                Path npz = Files.write(dir.resolve("model.npz"), b.modelNpz());
                json.toFile().deleteOnExit();
                npz.toFile().deleteOnExit();
                dir.toFile().deleteOnExit();
                ModelBundle m = ModelBundle.load(dir, threads);
                LOADS.incrementAndGet();
                return m;
            } catch (IOException e) {
                throw new TemporaException("cannot unpack the model " + b.name() + " on this executor: " + Messages.io(e, null), e);
            } catch (InvalidInputException e) {
                throw new InvalidInputException(b.name(), e.problem(), e);
            }
        });
    }
}
