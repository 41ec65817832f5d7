package org.tempora.bench;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.tempora.eval.Stopwatch;
import org.tempora.model.Ast;
import org.tempora.model.AstConfig;
import org.tempora.nn.Init;
import org.tempora.nn.Parameter;
import org.tempora.run.Engines;
import org.tempora.tokens.PatchGeometry;
import org.tempora.train.AdamW;
import org.tempora.train.Losses;

/**
 * AST training-step and batch-inference time on DJL, beside {@code ../shared/peer/ast_step_peer.py} (plain
 * PyTorch) with the same shape and thread count in the same run; plus the achieved GFLOP/s as a fraction of a
 * large matmul measured on the same machine and threads.
 */
public final class StepBenchmark {
    private StepBenchmark() {}

    /** The shape of the run (the peer's options). */
    public record Config(int batch, int frames, int mels, int dim, int depth, int heads, int classes, int patchF, int patchT,
                         int fstride, int tstride, int threads, int warmup, int steps) {}

    public record Result(double trainStepSeconds, double inferBatchSeconds, int tokens, long params, double forwardGflopsPerExample,
                         double trainGflopsPerSecond, double matmulGflopsPerSecond, JsonNode peer, String peerNote) {}

    public static Result run(Config c, Path peerScript, String python) throws IOException, InterruptedException {
        int threads = Engines.configureThreads(c.threads());
        PatchGeometry g = new PatchGeometry(1, c.mels(), c.frames(), c.patchF(), c.patchT(), c.fstride(), c.tstride());
        AstConfig ac = new AstConfig(c.dim(), c.depth(), c.heads(), 4 * c.dim(), g, c.classes());
        double fwd = ac.flops().total();
        double step;
        double infer;
        long params;
        try (NDManager m = org.tempora.nn.Devices.newManager()) {
            Ast model = new Ast(m, ac, 0);
            params = model.parameterCount();
            var ps = model.namedParameters();
            AdamW opt = new AdamW(m, false, 0.95, 0.999, 1e-8, 5e-7);
            SplittableRandom rng = new SplittableRandom(0);
            float[] x = new float[c.batch() * c.frames() * c.mels()];
            for (int i = 0; i < x.length; i++) x[i] = (float) Init.gaussian(rng);
            float[] y = new float[c.batch() * c.classes()];
            for (int b = 0; b < c.batch(); b++) y[b * c.classes() + rng.nextInt(c.classes())] = 1;
            model.train(true);
            step = Stopwatch.median(c.warmup(), c.steps(), () -> trainStep(model, ps, opt, x, y, c));
            model.train(false);
            boolean was = JniUtils.isGradMode();
            JniUtils.setGradMode(false);
            try {
                infer = Stopwatch.median(c.warmup(), c.steps(), () -> {
                    try (NDManager sub = m.newSubManager()) {
                        model.forward(sub.create(x, new Shape(c.batch(), c.frames(), c.mels()))).toFloatArray();
                    }
                });
            } finally {
                JniUtils.setGradMode(was);
            }
        }
        double matmul = matmulGflops(2048, threads);
        JsonNode peer = null;
        String note = null;
        if (peerScript != null) {
            try {
                peer = peer(c, peerScript, python);
            } catch (IOException | RuntimeException e) {
                note = "peer not measured: " + e.getMessage();
            }
        }
        double trainRate = 3 * fwd * c.batch() / step / 1e9;
        return new Result(step, infer, g.numPatches() + 2, params, fwd / 1e9, trainRate, matmul, peer, note);
    }

    private static void trainStep(Ast model, Map<String, Parameter> ps, AdamW opt, float[] x, float[] y, Config c) {
        try (NDManager sub = model.posEmbed().array().getManager().newSubManager()) {
            NDArray in = sub.create(x, new Shape(c.batch(), c.frames(), c.mels()));
            NDArray t = sub.create(y, new Shape(c.batch(), c.classes()));
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray loss = Losses.crossEntropy(model.forward(in), t);
                gc.backward(loss);
            }
            opt.step(ps, 1e-4, 0);
        }
    }

    /** GFLOP/s of an n×n float32 matmul (2n³ FLOPs), median of 5 after 2 warm-ups. */
    public static double matmulGflops(int n, int threads) {
        try (NDManager m = org.tempora.nn.Devices.newManager()) {
            NDArray a = m.randomNormal(new Shape(n, n));
            NDArray b = m.randomNormal(new Shape(n, n));
            double t = Stopwatch.median(2, 5, () -> {
                try (NDArray r = a.matMul(b)) {
                    r.getFloat(0, 0);
                }
            });
            return 2.0 * n * n * n / t / 1e9;
        }
    }

    private static JsonNode peer(Config c, Path script, String python) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(python, script.toString(),
                "--batch", "" + c.batch(), "--frames", "" + c.frames(), "--mels", "" + c.mels(), "--dim", "" + c.dim(),
                "--depth", "" + c.depth(), "--heads", "" + c.heads(), "--classes", "" + c.classes(),
                "--patch", "" + c.patchF(), "" + c.patchT(), "--fstride", "" + c.fstride(), "--tstride", "" + c.tstride(),
                "--threads", "" + c.threads(), "--warmup", "" + c.warmup(), "--steps", "" + c.steps()));
        return Peer.run(cmd, 60);
    }
}
