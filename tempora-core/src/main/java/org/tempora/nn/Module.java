package org.tempora.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * A tiny PyTorch-style module tree over DJL NDArrays: parameters, buffers (e.g. BatchNorm running statistics)
 * and child modules, registered in order, so {@link #stateDict()} yields PyTorch's key names in PyTorch's order.
 *
 * <p>Forward methods are plain Java methods with typed arguments. Memory rule (DJL attaches an op's result to
 * the manager of its first operand): forward code always puts the activation first ({@code x.add(bias)}, not
 * {@code bias.add(x)}), and anything computed from a parameter alone is attached to the batch's manager with
 * {@link #scoped}, so that every intermediate dies with the per-batch child manager.
 */
public abstract class Module {
    private final Map<String, Parameter> params = new LinkedHashMap<>();
    private final Map<String, NDArray> buffers = new LinkedHashMap<>();
    private final Map<String, Module> children = new LinkedHashMap<>();
    /** Children whose keys are not prefixed by their name (a wrapper that keeps a checkpoint's own key names). */
    private final Set<String> inline = new HashSet<>();
    private boolean training = true;

    protected Parameter param(String name, NDArray init, boolean decay) {
        Parameter p = new Parameter(name, init, decay);
        params.put(name, p);
        return p;
    }

    protected NDArray buffer(String name, NDArray init) {
        buffers.put(name, init);
        return init;
    }

    protected <M extends Module> M child(String name, M module) {
        children.put(name, module);
        return module;
    }

    /**
     * Registers a child whose parameters and buffers keep their own names, without a {@code name.} prefix: a model
     * that wraps a backbone whose checkpoint keys are fixed by its paper's code ({@code v.*}, {@code mlp_head.*}).
     * Two inline children must not share a key (loading would be ambiguous); {@link #stateDict()} checks it.
     */
    protected <M extends Module> M inline(String name, M module) {
        children.put(name, module);
        inline.add(name);
        return module;
    }

    /** Removes a child (used when a model is cut, e.g. fewer blocks). */
    protected void removeChild(String name) {
        children.remove(name);
        inline.remove(name);
    }

    private String childPrefix(String prefix, String name) {
        return inline.contains(name) ? prefix : prefix + name + ".";
    }

    /** Every parameter, recursively, keyed by its dotted PyTorch name, in registration order. */
    public Map<String, Parameter> namedParameters() {
        Map<String, Parameter> out = new LinkedHashMap<>();
        collect("", out, null);
        return out;
    }

    /** Every buffer, recursively, keyed by dotted name. */
    public Map<String, NDArray> namedBuffers() {
        Map<String, NDArray> out = new LinkedHashMap<>();
        collect("", null, out);
        return out;
    }

    private void collect(String prefix, Map<String, Parameter> ps, Map<String, NDArray> bs) {
        if (ps != null) params.forEach((k, v) -> ps.put(prefix + k, v));
        if (bs != null) buffers.forEach((k, v) -> bs.put(prefix + k, v));
        children.forEach((k, m) -> m.collect(childPrefix(prefix, k), ps, bs));
    }

    /** Parameters and buffers interleaved per module as PyTorch orders them (params first, then buffers). */
    public Map<String, NDArray> stateDict() {
        Map<String, NDArray> out = new LinkedHashMap<>();
        stateDict("", out);
        return out;
    }

    private void stateDict(String prefix, Map<String, NDArray> out) {
        params.forEach((k, v) -> put(out, prefix + k, v.array()));
        buffers.forEach((k, v) -> put(out, prefix + k, v));
        children.forEach((k, m) -> m.stateDict(childPrefix(prefix, k), out));
    }

    private static void put(Map<String, NDArray> out, String key, NDArray value) {
        if (out.putIfAbsent(key, value) != null) throw new IllegalStateException("two tensors under the key " + key);
    }

    /** Replaces a buffer's tensor (same key). */
    protected void setBuffer(String name, NDArray value) {
        NDArray old = buffers.put(name, value);
        if (old != null && old != value) old.close();
    }

    public Map<String, Module> children() {
        return children;
    }

    public boolean isTraining() {
        return training;
    }

    /** Sets training mode (BatchNorm statistics, augmentation-dependent layers) on this module tree. */
    public void train(boolean on) {
        training = on;
        children.values().forEach(c -> c.train(on));
    }

    /** Number of trainable values. */
    public long parameterCount() {
        return namedParameters().values().stream().mapToLong(p -> p.array().size()).sum();
    }

    /** Attaches an array computed from parameters alone to the batch's manager (see class comment). */
    protected static NDArray scoped(NDArray result, NDManager scope) {
        result.attach(scope);
        return result;
    }

    protected static Shape shape(long... dims) {
        return new Shape(dims);
    }
}
