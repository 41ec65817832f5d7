package org.tempora.model;

import org.tempora.nn.Module;

/**
 * A backbone with its head, a {@link Module} of the model tree: features (the resolution stage's output, normalised)
 * → tokens → encoder → head → logits. Its parameter names are its paper's checkpoint keys ({@code v.*},
 * {@code mlp_head.*} for AST), so the model registers it without a prefix. A new backbone extends this, owns its
 * config record and its FLOPs, and registers by kind in {@link Components} (docs/extending.md).
 */
public abstract class Backbone extends Module implements Classifier {
}
