package org.tempora.model.mamba;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import java.util.Locale;
import org.tempora.ConfigException;

/**
 * The selective scan of Mamba (reference {@code selective_scan_ref}, reference-spec §5.3 step 6 and §5.4) built from
 * differentiable DJL ops, so the same code trains through autograd on the CPU. Layout is the reference's
 * (batch, channel, length): {@code u, Δ_raw, z} {@code [B, E, L]}, {@code B, C} {@code [B, n, L]}, {@code A}
 * {@code [E, n]}, {@code D, Δ_bias} {@code [E]}.
 *
 * <p>With {@code Δ = softplus(Δ_raw + Δ_bias)} (PyTorch softplus, threshold 20), per channel e and state k:
 * {@code h_l = exp(Δ_l A) ⊙ h_{l−1} + Δ_l B_l x_l}, {@code y_l = Σ_k C_l[k] h_l[·,k] + D ⊙ x_l}, and the result
 * {@code y ⊙ SiLU(z)}. Two algorithms compute the recurrence:
 * <ul>
 *   <li>{@link Algorithm#SEQUENTIAL}: the recurrence step by step (a Java loop of L small tensor steps). Exact
 *       reference order; for tests and short sequences.</li>
 *   <li>{@link Algorithm#CHUNKED}: the closed form within chunks of Q steps (Mamba-2/SSD style) with the state carried
 *       between chunks, so the loop has ⌈L/Q⌉ iterations of batched ops. See {@link #chunked} and docs/aum.md.</li>
 *   <li>{@link Algorithm#AUTO} (the default): sequential for short sequences, parallel from
 *       {@link #AUTO_PARALLEL_FROM} steps on.</li>
 *   <li>{@link Algorithm#PARALLEL}: a parallel scan by recursive pairing of steps (odd–even / Blelloch style):
 *       ⌈log₂ L⌉ levels of a dozen batched ops each, O(L) work in total, with no exponent that can overflow. See
 *       {@link #parallel}.</li>
 * </ul>
 */
public final class SelectiveScan {
    private SelectiveScan() {}

    /** How the recurrence is evaluated. */
    public enum Algorithm {
        SEQUENTIAL,
        CHUNKED,
        PARALLEL,
        /** {@link #PARALLEL} from {@link #AUTO_PARALLEL_FROM} steps on, {@link #SEQUENTIAL} below (measured crossover). */
        AUTO
    }

    /**
     * Sequence length from which {@link Algorithm#AUTO} uses the parallel scan. ScanJmh on the 2-core CPU
     * (BENCHMARKS.md §4): forward + backward, the parallel scan is even with the loop at L = 64, and 1.4× faster at
     * 256, 2.1× at 1024 and 1.4× at 4096 (2.7× forward only). At AuM-micro training shapes (batch 32, L = 33/65) the
     * loop was 3–13 % faster.
     */
    public static final int AUTO_PARALLEL_FROM = 128;

    /** Algorithm plus the chunk length Q of {@link Algorithm#CHUNKED} (ignored by the sequential scan). */
    public record Mode(Algorithm algorithm, int chunk) {
        public Mode {
            if (algorithm == null) throw new ConfigException("scan algorithm is missing (auto, sequential, parallel, chunked)");
            if (chunk < 1) throw new ConfigException("backbone.scan_chunk must be >= 1, got " + chunk);
        }

        public static Mode sequential() {
            return new Mode(Algorithm.SEQUENTIAL, 1);
        }

        public static Mode chunked(int chunk) {
            return new Mode(Algorithm.CHUNKED, chunk);
        }

        public static Mode parallel() {
            return new Mode(Algorithm.PARALLEL, 1);
        }

        public static Mode auto() {
            return new Mode(Algorithm.AUTO, 1);
        }

        /** The algorithm this mode runs for a sequence of {@code length} steps. */
        public Algorithm resolve(long length) {
            if (algorithm != Algorithm.AUTO) return algorithm;
            return length >= AUTO_PARALLEL_FROM ? Algorithm.PARALLEL : Algorithm.SEQUENTIAL;
        }

        /** From the config values {@code backbone.scan} and {@code backbone.scan_chunk}. */
        public static Mode parse(String kind, int chunk) {
            if (kind == null) throw new ConfigException("backbone.scan is missing (auto, sequential, parallel, chunked)");
            return switch (kind.toLowerCase(Locale.ROOT)) {
                case "chunked" -> chunked(chunk);
                case "sequential" -> new Mode(Algorithm.SEQUENTIAL, Math.max(1, chunk));
                case "parallel" -> new Mode(Algorithm.PARALLEL, Math.max(1, chunk));
                case "auto" -> new Mode(Algorithm.AUTO, Math.max(1, chunk));
                default -> throw new ConfigException("unknown backbone.scan '" + kind + "' (auto, sequential, parallel, chunked)");
            };
        }
    }

    /**
     * The full reference scan: {@code (scan(x, softplus(Δ_raw + Δ_bias), A, B, C) + D ⊙ x) ⊙ SiLU(z)}.
     *
     * @param u         x after the conv, {@code [B, E, L]}
     * @param deltaRaw  {@code W_dt · δ_low} before bias and softplus, {@code [B, E, L]}
     * @param a         {@code A = −exp(A_log)}, {@code [E, n]}, already attached to the batch's manager
     * @param b         {@code [B, n, L]}
     * @param c         {@code [B, n, L]}
     * @param d         skip weights {@code [E]} (a parameter)
     * @param z         gate {@code [B, E, L]}, or null for no gate
     * @param deltaBias {@code [E]} (a parameter), or null
     * @return {@code [B, E, L]}
     */
    public static NDArray scan(NDArray u, NDArray deltaRaw, NDArray a, NDArray b, NDArray c, NDArray d, NDArray z,
                               NDArray deltaBias, Mode mode) {
        NDManager scope = u.getManager();
        long e = u.getShape().get(1);
        NDArray pre = deltaBias == null ? deltaRaw : deltaRaw.add(attach(deltaBias.reshape(e, 1), scope));
        NDArray delta = softplus(pre);
        NDArray y = switch (mode.resolve(u.getShape().get(2))) {
            case SEQUENTIAL -> sequential(u, delta, a, b, c);
            case PARALLEL -> parallel(u, delta, a, b, c);
            case CHUNKED -> chunked(u, delta, a, b, c, mode.chunk());
            case AUTO -> throw new IllegalStateException("resolve() never returns AUTO");
        };
        NDArray out = d == null ? y : y.add(u.mul(attach(d.reshape(e, 1), scope)));
        return z == null ? out : out.mul(silu(z));
    }

    /**
     * {@code y_l[e] = Σ_k C_l[k] h_l[e,k]} by the recurrence, one step at a time (the reference loop). Δ is already
     * positive (after softplus). Returns {@code [B, E, L]}.
     */
    public static NDArray sequential(NDArray u, NDArray delta, NDArray a, NDArray b, NDArray c) {
        long len = u.getShape().get(2);
        // [B,E,1,L]·[E,n,1] → [B,E,n,L], then time-major and split into L steps at once: the backward of one split is
        // one concatenation, whereas indexing step by step would cost a full-size zero tensor per step (O(L²)).
        NDList decay = delta.expandDims(2).mul(a.expandDims(2)).exp().transpose(3, 0, 1, 2).split(len, 0);
        NDList input = delta.mul(u).expandDims(2).mul(b.expandDims(1)).transpose(3, 0, 1, 2).split(len, 0);
        NDList states = new NDList((int) len);
        NDArray h = null;
        for (int l = 0; l < len; l++) {
            h = h == null ? input.get(l) : decay.get(l).mul(h).add(input.get(l)); // [1, B, E, n]
            states.add(h);
        }
        NDArray hs = concat(states, 0);                                            // [L, B, E, n]
        NDArray y = hs.mul(c.transpose(2, 0, 1).expandDims(2)).sum(new int[] {3}); // Σ_k C_l[k] h_l[·,k]: [L, B, E]
        return y.transpose(1, 2, 0);
    }

    /**
     * The recurrence {@code h_l = a_l ⊙ h_{l−1} + b_l} as a parallel scan by recursive pairing, with
     * {@code a = exp(ΔA) ∈ (0, 1]} and {@code b = Δ x B}. Returns {@code [B, E, L]} like {@link #sequential}.
     */
    public static NDArray parallel(NDArray u, NDArray delta, NDArray a, NDArray b, NDArray c) {
        NDArray decay = delta.expandDims(2).mul(a.expandDims(2)).exp().transpose(3, 0, 1, 2);       // [L, B, E, n]
        NDArray input = delta.mul(u).expandDims(2).mul(b.expandDims(1)).transpose(3, 0, 1, 2);      // [L, B, E, n]
        NDArray hs = linearScan(decay, input);                                                      // [L, B, E, n]
        NDArray y = hs.mul(c.transpose(2, 0, 1).expandDims(2)).sum(new int[] {3});                  // [L, B, E]
        return y.transpose(1, 2, 0);
    }

    /**
     * All states of {@code h_l = a_l ⊙ h_{l−1} + b_l} ({@code h_{−1} = 0}) along axis 0, by recursive pairing: steps
     * 2i and 2i+1 compose into one step {@code (a_{2i+1}a_{2i}, a_{2i+1}b_{2i} + b_{2i+1})}; the half-length scan of
     * the pairs gives every odd state, and each even state is one step from the odd state before it. An odd length
     * is padded with one step (a = b = 0) whose output is dropped. ⌈log₂ L⌉ levels, each a fixed number of batched
     * ops on half the data of the level above: O(L) work, O(log L) ops. The factors are products of decays ≤ 1, so
     * they can underflow to 0 (exactly the sequential result's limit) but never overflow. Summation order differs
     * from the sequential loop: results agree to rounding (SelectiveScanPropertyTest).
     */
    static NDArray linearScan(NDArray a, NDArray b) {
        long len = a.getShape().get(0);
        if (len == 1) return b;
        NDManager scope = a.getManager();
        boolean odd = len % 2 == 1;
        if (odd) {
            Shape one = new Shape(1).addAll(a.getShape().slice(1));
            NDArray pad = scope.zeros(one, a.getDataType());
            a = a.concat(pad, 0);
            b = b.concat(pad, 0);
            len++;
        }
        long half = len / 2;
        Shape rest = a.getShape().slice(1);
        Shape paired = new Shape(half, 2).addAll(rest);
        NDList ap = a.reshape(paired).split(2, 1);   // a_{2i}, a_{2i+1}: [half, 1, ...], squeezed below
        NDList bp = b.reshape(paired).split(2, 1);
        NDArray a0 = ap.get(0).squeeze(1), a1 = ap.get(1).squeeze(1), b0 = bp.get(0).squeeze(1), b1 = bp.get(1).squeeze(1);
        NDArray oddStates = linearScan(a1.mul(a0), a1.mul(b0).add(b1));            // h_{2i+1}: [half, ...]
        NDArray evenStates;
        if (half == 1) {
            evenStates = b0;                                                        // h_0 = b_0
        } else {
            NDArray before = oddStates.get(new NDIndex("0:{}", half - 1));          // h_{2i−1} for i ≥ 1
            NDArray first = scope.zeros(new Shape(1).addAll(rest), a.getDataType());
            evenStates = a0.mul(first.concat(before, 0)).add(b0);                   // h_{2i} = a_{2i} h_{2i−1} + b_{2i}
        }
        NDArray all = evenStates.expandDims(1).concat(oddStates.expandDims(1), 1).reshape(new Shape(len).addAll(rest));
        return odd ? all.get(new NDIndex("0:{}", len - 1)) : all;
    }

    /**
     * The chunked closed form (reference-spec §5.4). For a chunk of q ≤ Q steps entered with state {@code h_in}
     * ({@code [B, E, n]}) and with {@code G[l, j] = Σ_{j<m≤l} Δ_m} (per batch and channel, from a cumulative sum
     * over a strictly-lower-triangular copy of Δ, so no large cumulative sums are subtracted):
     * <pre>
     *   h_l = exp(A·cumΔ_l) ⊙ h_in + Σ_{j≤l} exp(A·G[l,j]) ⊙ (Δ_j x_j B_j)
     * </pre>
     * The decay {@code exp(A·G)} is formed as a {@code [B, E, n, q, q]} tensor whose entries with j &gt; l are set
     * to −∞ <em>before</em> exponentiating (so every exponent is ≤ 0: nothing overflows, masked entries are exactly
     * 0 and their gradients too); the sum over j is one batched matmul. {@code y_l = Σ_k C_l[k] h_l[·,k]}; the
     * state {@code h_{q−1}} is carried into the next chunk.
     *
     * <p>Cost: Q× the sequential work and activation memory of the scan ({@code B·E·n·L·Q} decay values are kept
     * for the backward pass), in ⌈L/Q⌉ loop iterations instead of L. Returns {@code [B, E, L]}.
     */
    public static NDArray chunked(NDArray u, NDArray delta, NDArray a, NDArray b, NDArray c, int chunk) {
        NDManager scope = u.getManager();
        long e = a.getShape().get(0);
        long n = a.getShape().get(1);
        long len = u.getShape().get(2);
        DataType type = delta.getDataType();
        NDArray a2 = a.reshape(e, n, 1);       // for [B,E,1,q] → [B,E,n,q]
        NDArray a4 = a.reshape(e, n, 1, 1);    // for [B,E,1,q,q] → [B,E,n,q,q]
        NDArray[] masks = null;
        long[] cuts = new long[(int) ((len - 1) / chunk)];
        for (int i = 0; i < cuts.length; i++) cuts[i] = (long) (i + 1) * chunk;
        // One split per input (not an index per chunk): its backward is a single concatenation.
        NDList deltas = delta.split(cuts, 2);
        NDList us = u.split(cuts, 2);
        NDList bs = b.split(cuts, 2);
        NDList cs = c.split(cuts, 2);
        NDList ys = new NDList();
        NDArray hIn = null;
        for (int i = 0; i < deltas.size(); i++) {
            NDArray dc = deltas.get(i);                                     // [B,E,q]
            int q = (int) dc.getShape().get(2);
            if (masks == null || masks[0].getShape().get(0) != q) masks = masks(scope, q, type);
            NDArray strict = dc.expandDims(3).mul(masks[0]);                // Δ_m where m > j: [B,E,q(m),q(j)]
            NDArray g = strict.cumSum(2);                                   // G[l,j] = Σ_{j<m≤l} Δ_m
            strict.close();
            NDArray scaled = g.expandDims(2).mul(a4);                       // A·G: [B,E,n,q,q], ≤ 0 on j ≤ l
            NDArray masked = scaled.add(masks[1]);                          // −∞ where j > l
            scaled.close();
            NDArray decay = masked.exp();
            masked.close();
            NDArray v = dc.mul(us.get(i)).expandDims(2).mul(bs.get(i).expandDims(1)); // Δ_j x_j B_j: [B,E,n,q]
            NDArray h = decay.matMul(v.expandDims(4)).squeeze(4);          // Σ_j decay[l,j] v_j: [B,E,n,q]
            if (hIn != null) {
                NDArray carry = dc.cumSum(2).expandDims(2).mul(a2).exp();  // exp(A·cumΔ_l) ≤ 1: [B,E,n,q]
                h = h.add(carry.mul(hIn.expandDims(3)));
            }
            ys.add(h.mul(cs.get(i).expandDims(1)).sum(new int[] {2}));      // Σ_k C_l[k] h_l[·,k]: [B,E,q]
            hIn = h.get(new NDIndex(":, :, :, {}", q - 1));
        }
        return concat(ys, 2);
    }

    /** {@code [strictly-lower 0/1 mask, 0 / −∞ upper mask]} of size q × q (row = l, column = j). */
    private static NDArray[] masks(NDManager scope, int q, DataType type) {
        float[] lower = new float[q * q];
        float[] upper = new float[q * q];
        for (int l = 0; l < q; l++) {
            for (int j = 0; j < q; j++) {
                lower[l * q + j] = l > j ? 1f : 0f;
                upper[l * q + j] = j > l ? Float.NEGATIVE_INFINITY : 0f;
            }
        }
        NDArray lo = scope.create(lower, new Shape(q, q));
        NDArray up = scope.create(upper, new Shape(q, q));
        if (type != DataType.FLOAT32) {
            lo = lo.toType(type, false);
            up = up.toType(type, false);
        }
        return new NDArray[] {lo, up};
    }

    /** PyTorch's softplus (beta 1, threshold 20: x itself above 20), via libtorch. */
    public static NDArray softplus(NDArray x) {
        return Activation.softPlus(x);
    }

    /** {@code x · σ(x)}. */
    public static NDArray silu(NDArray x) {
        return x.mul(Activation.sigmoid(x));
    }

    /**
     * Concatenation that keeps autograd for a single part: DJL's {@code NDArrays.concat} returns
     * {@code duplicate()} for one array, and the PyTorch engine's clone is cut from the graph (its gradient is lost).
     */
    static NDArray concat(NDList parts, int axis) {
        return parts.size() == 1 ? parts.get(0) : NDArrays.concat(parts, axis);
    }

    private static NDArray attach(NDArray a, NDManager scope) {
        a.attach(scope);
        return a;
    }
}
