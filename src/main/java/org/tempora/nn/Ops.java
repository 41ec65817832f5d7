package org.tempora.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;

/** Functional ops not in DJL's public API in the form we need. */
public final class Ops {
    private Ops() {}

    /** 2-D convolution, PyTorch semantics, input [B, C, H, W], weight [O, C, kh, kw]. */
    public static NDArray conv2d(NDArray x, NDArray weight, NDArray bias, int strideH, int strideW) {
        return ai.djl.nn.convolutional.Conv2d.conv2d(x, weight, bias, new Shape(strideH, strideW), new Shape(0, 0),
                new Shape(1, 1), 1).singletonOrThrow();
    }

    /** 1-D convolution, input [B, C, L], weight [O, C/groups, k]. */
    public static NDArray conv1d(NDArray x, NDArray weight, NDArray bias, int stride, int padding, int dilation, int groups) {
        return ai.djl.nn.convolutional.Conv1d.conv1d(x, weight, bias, new Shape(stride), new Shape(padding),
                new Shape(dilation), groups).singletonOrThrow();
    }

    /** Exact (erf) GELU, as timm uses. */
    public static NDArray gelu(NDArray x) {
        return ai.djl.nn.Activation.gelu(x);
    }

    public static NDArray concat(NDArray... parts) {
        return concat(1, parts);
    }

    /**
     * Concatenation along an axis. A single part is returned as is: DJL's concat of one array returns a
     * {@code duplicate()}, which is cut from autograd and would silently stop gradients.
     */
    public static NDArray concat(int axis, NDArray... parts) {
        if (parts.length == 1) return parts[0];
        return ai.djl.ndarray.NDArrays.concat(new NDList(parts), axis);
    }
}
