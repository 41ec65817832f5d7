package org.tempora.nn;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** PyTorch's {@code nn.ModuleList}: children named {@code 0, 1, 2, …} in order. */
public final class ModuleList<M extends Module> extends Module {
    private final List<M> items = new ArrayList<>();

    public ModuleList(List<M> modules) {
        for (M m : modules) items.add(child(Integer.toString(items.size()), m));
    }

    public List<M> items() {
        return Collections.unmodifiableList(items);
    }

    public int size() {
        return items.size();
    }

    public M get(int i) {
        return items.get(i);
    }
}
