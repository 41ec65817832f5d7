package org.tempora.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.SplittableRandom;

/**
 * Parameter initialisers drawn from a seeded Java generator (not the engine's RNG), so a seed gives the same
 * initial model on every machine and thread count. The distributions are PyTorch's/timm's.
 */
public final class Init {
    private Init() {}

    /** timm/PyTorch {@code trunc_normal_(std=std, a=-2, b=2)}: normal(0, std) redrawn outside [−2, 2] (absolute). */
    public static NDArray truncNormal(NDManager m, SplittableRandom rng, double std, long... shape) {
        float[] v = new float[(int) new Shape(shape).size()];
        for (int i = 0; i < v.length; i++) {
            double x;
            do {
                x = gaussian(rng) * std;
            } while (x < -2 || x > 2);
            v[i] = (float) x;
        }
        return m.create(v, new Shape(shape));
    }

    /** Uniform on [−bound, bound]. */
    public static NDArray uniform(NDManager m, SplittableRandom rng, double bound, long... shape) {
        float[] v = new float[(int) new Shape(shape).size()];
        for (int i = 0; i < v.length; i++) v[i] = (float) ((rng.nextDouble() * 2 - 1) * bound);
        return m.create(v, new Shape(shape));
    }

    /** PyTorch's default Linear/Conv weight init, kaiming_uniform(a=√5): U(±1/√fan_in). */
    public static NDArray torchDefaultWeight(NDManager m, SplittableRandom rng, long fanIn, long... shape) {
        return uniform(m, rng, 1.0 / Math.sqrt(fanIn), shape);
    }

    /** Xavier/Glorot uniform: U(±√(6/(fan_in+fan_out))). */
    public static NDArray xavierUniform(NDManager m, SplittableRandom rng, long fanIn, long fanOut, long... shape) {
        return uniform(m, rng, Math.sqrt(6.0 / (fanIn + fanOut)), shape);
    }

    public static NDArray zeros(NDManager m, long... shape) {
        return m.zeros(new Shape(shape));
    }

    public static NDArray ones(NDManager m, long... shape) {
        return m.ones(new Shape(shape));
    }

    public static NDArray constant(NDManager m, float value, long... shape) {
        return m.full(new Shape(shape), value);
    }

    /** Standard normal by Box–Muller. */
    public static double gaussian(SplittableRandom rng) {
        double u1 = 1.0 - rng.nextDouble();
        double u2 = rng.nextDouble();
        return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    }
}
