package org.tempora.model.mamba;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import java.util.Map;
import java.util.SplittableRandom;
import org.tempora.ConfigException;
import org.tempora.nn.Init;
import org.tempora.nn.Linear;
import org.tempora.nn.Module;
import org.tempora.nn.Ops;
import org.tempora.nn.Parameter;

/**
 * The Mamba mixer of Audio Mamba (ViM's {@code Mamba} module, reference-spec §5.3), with the reference's parameter
 * names so state_dicts move unchanged: {@code A_log, D, [A_b_log, D_b], in_proj.weight, conv1d.{weight,bias},
 * x_proj.weight, dt_proj.{weight,bias}, [conv1d_b.*, x_proj_b.weight, dt_proj_b.*], out_proj.weight}.
 *
 * <p>Input and output {@code [B, L, d_model]}. Inside, tensors use the reference's (batch, channel, length) layout:
 * {@code xz = in_proj(u)} → x, z; {@code x̂ = SiLU(causal depthwise conv(x))} (kernel {@code d_conv}, left padding);
 * {@code [δ_low; B; C] = x_proj(x̂)}; {@code Δ_raw = W_dt δ_low}; then {@link SelectiveScan#scan} (softplus with
 * {@code dt_proj.bias}, scan, D skip, SiLU(z) gate) and {@code out_proj}. Variants: {@link Bimamba}.
 */
public final class MambaMixer extends Module {
    /** Shape of a mixer. AuM: d_state 16, d_conv 4, expand 2, dt_rank ⌈d_model/16⌉, if_devide_out true. */
    public record Config(int dModel, int dState, int dConv, int expand, int dtRank, Bimamba variant, boolean divideOut) {
        public Config {
            if (dModel < 1 || dState < 1 || dConv < 1 || expand < 1 || dtRank < 1) {
                throw new ConfigException("Mamba mixer sizes must be >= 1 (d_model " + dModel + ", d_state " + dState
                        + ", d_conv " + dConv + ", expand " + expand + ", dt_rank " + dtRank + ")");
            }
            if (variant == null) throw new ConfigException("Mamba mixer variant is missing (none, v1, v2)");
        }

        /** AuM's mixer for a width and variant. */
        public static Config aum(int dModel, Bimamba variant) {
            return new Config(dModel, 16, 4, 2, (dModel + 15) / 16, variant, true);
        }

        public int inner() {
            return expand * dModel;
        }
    }

    /** A depthwise Conv1d's parameters under PyTorch's names ({@code weight [E,1,K]}, {@code bias [E]}). */
    private static final class Conv extends Module {
        final Parameter weight;
        final Parameter bias;

        /** PyTorch's default Conv1d init; fan-in of a depthwise kernel is K. */
        Conv(NDManager m, SplittableRandom rng, int channels, int k) {
            weight = param("weight", Init.torchDefaultWeight(m, rng, k, channels, 1, k), true);
            bias = param("bias", Init.torchDefaultWeight(m, rng, k, channels), false);
        }
    }

    /** One direction's conv, x/dt projections, A and D (v2 has two of them; v1 shares all but A). */
    private record Branch(Conv conv, Linear xProj, Linear dtProj, Parameter aLog, Parameter d) {}

    private final Config config;
    private final Parameter aLog;
    private final Parameter d;
    private final Parameter aBLog;
    private final Parameter dB;
    private final Linear inProj;
    private final Linear outProj;
    private final Branch forward;
    private final Branch backward;
    private SelectiveScan.Mode scan;

    /**
     * Reference initialisation (reference-spec §5.3) from {@code rng}: {@code A_log[e,k] = log(k+1)}, D = 1, conv and
     * projections PyTorch-default, {@code dt_proj.weight ~ U(±R^−½)}, {@code dt_proj.bias = softplus⁻¹(dt)} with
     * {@code dt = exp(U(ln 1e−3, ln 1e−1))} clamped ≥ 1e−4, and {@code out_proj} kaiming-uniform(a=√5) divided by
     * √{@code nLayer} (the GPT-2 residual rescaling AuM applies; nLayer 1 = no rescaling).
     */
    public MambaMixer(NDManager m, SplittableRandom rng, Config c, int nLayer, SelectiveScan.Mode scan) {
        if (nLayer < 1) throw new ConfigException("Mamba mixer layer count must be >= 1, got " + nLayer);
        this.config = c;
        this.scan = scan;
        int e = c.inner();
        int n = c.dState();
        boolean bi = c.variant() != Bimamba.NONE;
        boolean v2 = c.variant() == Bimamba.V2;
        // Registration order = the reference state_dict order (own parameters first, then children).
        aLog = param("A_log", aLogInit(m, e, n), false);
        d = param("D", Init.ones(m, e), false);
        aBLog = bi ? param("A_b_log", aLogInit(m, e, n), false) : null;
        dB = v2 ? param("D_b", Init.ones(m, e), false) : null;
        inProj = child("in_proj", new Linear(c.dModel(), 2 * e, Init.torchDefaultWeight(m, rng, c.dModel(), 2 * e, c.dModel()), null));
        Conv conv = child("conv1d", new Conv(m, rng, e, c.dConv()));
        Linear xProj = child("x_proj", xProj(m, rng, c));
        Linear dtProj = child("dt_proj", dtProj(m, rng, c));
        forward = new Branch(conv, xProj, dtProj, aLog, d);
        if (v2) {
            Conv convB = child("conv1d_b", new Conv(m, rng, e, c.dConv()));
            Linear xProjB = child("x_proj_b", xProj(m, rng, c));
            Linear dtProjB = child("dt_proj_b", dtProj(m, rng, c));
            backward = new Branch(convB, xProjB, dtProjB, aBLog, dB);
        } else {
            backward = bi ? new Branch(conv, xProj, dtProj, aBLog, d) : null;
        }
        NDArray w0 = Init.torchDefaultWeight(m, rng, e, c.dModel(), e);
        NDArray w = w0.div((float) Math.sqrt(nLayer)); // scalar-ok: initialisation, no autograd
        w0.close();
        outProj = child("out_proj", new Linear(e, c.dModel(), w, null));
    }

    private static NDArray aLogInit(NDManager m, int e, int n) {
        float[] v = new float[e * n];
        for (int i = 0; i < e; i++) {
            for (int k = 0; k < n; k++) v[i * n + k] = (float) Math.log(k + 1);
        }
        return m.create(v, new Shape(e, n));
    }

    private static Linear xProj(NDManager m, SplittableRandom rng, Config c) {
        int e = c.inner();
        int out = c.dtRank() + 2 * c.dState();
        return new Linear(e, out, Init.torchDefaultWeight(m, rng, e, out, e), null);
    }

    private static Linear dtProj(NDManager m, SplittableRandom rng, Config c) {
        int e = c.inner();
        int r = c.dtRank();
        NDArray w = Init.uniform(m, rng, Math.pow(r, -0.5), e, r);
        float[] bias = new float[e];
        double lo = Math.log(1e-3);
        double hi = Math.log(1e-1);
        for (int i = 0; i < e; i++) {
            double dt = Math.max(1e-4, Math.exp(rng.nextDouble() * (hi - lo) + lo));
            bias[i] = (float) (dt + Math.log(-Math.expm1(-dt))); // softplus⁻¹(dt)
        }
        return new Linear(r, e, w, m.create(bias));
    }

    public Config config() {
        return config;
    }

    public SelectiveScan.Mode scanMode() {
        return scan;
    }

    /** Switches the scan algorithm (same weights, same result up to rounding). */
    public void scanMode(SelectiveScan.Mode mode) {
        this.scan = mode;
    }

    public NDArray forward(NDArray u) {
        return forward(u, null);
    }

    /**
     * @param u     {@code [B, L, d_model]}
     * @param trace if not null, receives the fixture intermediates in (batch, channel, length) layout: {@code xz},
     *              {@code conv<k>_out}, {@code scan<k>_{u,delta_raw,B,C,A,out}} (k = 0 forward, 1 backward)
     * @return {@code [B, L, d_model]}
     */
    public NDArray forward(NDArray u, Map<String, NDArray> trace) {
        NDManager scope = u.getManager();
        NDArray xz = inProj.forward(u).transpose(0, 2, 1); // [B, 2E, L]
        put(trace, "xz", xz);
        NDArray out;
        switch (config.variant()) {
            case NONE -> out = branch(xz, forward, scope, trace, 0);
            case V2 -> {
                NDArray f = branch(xz, forward, scope, trace, 0);
                NDArray b = branch(xz.flip(2), backward, scope, trace, 1);
                out = f.add(b.flip(2));
                if (config.divideOut()) out = Ops.div(out, 2f);
            }
            case V1 -> {
                Inputs in = inputs(xz, forward, scope, trace, 0);
                NDArray f = scan(in, forward.aLog(), forward.d(), forward.dtProj(), scope, trace, 0);
                Inputs flipped = new Inputs(in.x.flip(2), in.deltaRaw.flip(2), in.b.flip(2), in.c.flip(2), in.z.flip(2));
                NDArray b = scan(flipped, backward.aLog(), backward.d(), backward.dtProj(), scope, trace, 1);
                out = f.add(b.flip(2)); // v1: a plain sum, no /2 (reference bimamba_inner_ref)
            }
            default -> throw new IllegalStateException(config.variant().name());
        }
        return outProj.forward(out.transpose(0, 2, 1));
    }

    /** The scan's arguments for one direction. */
    private record Inputs(NDArray x, NDArray deltaRaw, NDArray b, NDArray c, NDArray z) {}

    /** in_proj output → conv + SiLU → x_proj → Δ_raw, B, C (and z), all [B, ·, L]. */
    private Inputs inputs(NDArray xz, Branch br, NDManager scope, Map<String, NDArray> trace, int k) {
        int e = config.inner();
        int r = config.dtRank();
        int n = config.dState();
        long len = xz.getShape().get(2);
        NDArray x = xz.get(new NDIndex(":, 0:{}", e));
        NDArray z = xz.get(new NDIndex(":, {}:", e));
        NDArray conv = Ops.conv1d(x, br.conv().weight.array(), br.conv().bias.array(), 1, config.dConv() - 1, 1, e)
                .get(new NDIndex(":, :, 0:{}", len)); // causal: keep the first L outputs of the left-padded conv
        NDArray xc = SelectiveScan.silu(conv);
        put(trace, "conv" + k + "_out", xc);
        NDArray xDbl = br.xProj().forward(xc.transpose(0, 2, 1)); // [B, L, R + 2n]
        NDArray deltaRaw = ai.djl.nn.core.Linear.linear(xDbl.get(new NDIndex("..., 0:{}", r)),
                br.dtProj().weight().array(), null).singletonOrThrow().transpose(0, 2, 1);
        NDArray bm = xDbl.get(new NDIndex("..., {}:{}", r, r + n)).transpose(0, 2, 1);
        NDArray cm = xDbl.get(new NDIndex("..., {}:", r + n)).transpose(0, 2, 1);
        return new Inputs(xc, deltaRaw, bm, cm, z);
    }

    private NDArray branch(NDArray xz, Branch br, NDManager scope, Map<String, NDArray> trace, int k) {
        return scan(inputs(xz, br, scope, trace, k), br.aLog(), br.d(), br.dtProj(), scope, trace, k);
    }

    private NDArray scan(Inputs in, Parameter aLogParam, Parameter dParam, Linear dtProj, NDManager scope,
                         Map<String, NDArray> trace, int k) {
        NDArray a = scoped(aLogParam.array().exp(), scope).neg(); // exp attached to the batch, so nothing stays in the model's manager
        NDArray dtBias = dtProj.namedParameters().get("bias").array();
        NDArray out = SelectiveScan.scan(in.x, in.deltaRaw, a, in.b, in.c, dParam.array(), in.z, dtBias, scan);
        if (trace != null) {
            trace.put("scan" + k + "_u", in.x);
            trace.put("scan" + k + "_delta_raw", in.deltaRaw);
            trace.put("scan" + k + "_B", in.b);
            trace.put("scan" + k + "_C", in.c);
            trace.put("scan" + k + "_A", a);
            trace.put("scan" + k + "_out", out);
        }
        return out;
    }

    private static void put(Map<String, NDArray> trace, String name, NDArray a) {
        if (trace != null) trace.put(name, a);
    }
}
