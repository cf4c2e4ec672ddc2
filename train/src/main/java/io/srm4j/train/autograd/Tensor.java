package io.srm4j.train.autograd;

import java.util.Arrays;

/**
 * A dense float tensor in row-major order with an optional gradient buffer of the same size. The last dimension
 * is the row length; everything before it counts rows, so a [batch, seq, dim] activation is seen by the layers as
 * batch*seq rows of dim floats.
 */
public final class Tensor {
    private final int[] shape;
    private final float[] data;
    private final boolean requiresGrad;
    private float[] grad; // allocated on first use: most activations of a no-grad pass never need one
    private Tape owner;   // the tape whose pool holds this tensor's arrays, or null

    private Tensor(float[] data, int[] shape, boolean requiresGrad) {
        long n = 1;
        for (int d : shape) {
            if (d <= 0) throw new IllegalArgumentException("tensor dimensions must be positive, got " + Arrays.toString(shape));
            n *= d;
        }
        if (shape.length == 0) n = 1;
        if (n != data.length) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " holds " + n + " values, data has " + data.length);
        }
        this.shape = shape.clone();
        this.data = data;
        this.requiresGrad = requiresGrad;
    }

    /** A tensor that gradients flow into (a parameter or a leaf under test). */
    public static Tensor param(float[] data, int... shape) {
        return new Tensor(data, shape, true);
    }

    /** A tensor that takes no gradient (inputs, frozen weights). */
    public static Tensor constant(float[] data, int... shape) {
        return new Tensor(data, shape, false);
    }

    /** The output of an op: it needs a gradient exactly when one of the op's inputs does. */
    static Tensor result(boolean requiresGrad, int... shape) {
        return new Tensor(new float[count(shape)], shape, requiresGrad);
    }

    /**
     * As {@link #result(boolean, int...)}, with the data and later the gradient taken through {@code tape}. The data
     * may hold stale values from the tape's pool: the op must write every element.
     */
    static Tensor result(Tape tape, boolean requiresGrad, int... shape) {
        Tensor t = new Tensor(tape.allocateOverwritten(count(shape)), shape, requiresGrad);
        t.owner = tape;
        return t;
    }

    private static int count(int[] shape) {
        long n = 1;
        for (int d : shape) {
            if (d <= 0) throw new IllegalArgumentException("tensor dimensions must be positive, got " + Arrays.toString(shape));
            n *= d;
        }
        if (n > Integer.MAX_VALUE - 8) throw new IllegalArgumentException("tensor of " + n + " values is too large");
        return (int) n;
    }

    public int[] shape() {
        return shape.clone();
    }

    public int dim(int i) {
        return shape[i < 0 ? shape.length + i : i];
    }

    public int rank() {
        return shape.length;
    }

    public int size() {
        return data.length;
    }

    /** The row length (last dimension). */
    public int cols() {
        return shape.length == 0 ? 1 : shape[shape.length - 1];
    }

    /** The number of rows (product of all dimensions but the last). */
    public int rows() {
        return data.length / cols();
    }

    public float[] data() {
        return data;
    }

    public boolean requiresGrad() {
        return requiresGrad;
    }

    /** The gradient buffer, allocated (zeroed) on first call. */
    public float[] grad() {
        if (grad == null) grad = owner != null ? owner.allocate(data.length) : new float[data.length];
        return grad;
    }

    public boolean hasGrad() {
        return grad != null;
    }

    public void zeroGrad() {
        if (grad != null) Arrays.fill(grad, 0f);
    }

    /** The single value of a one-element tensor (a loss). */
    public float item() {
        if (data.length != 1) throw new IllegalStateException("item() of a tensor with " + data.length + " values");
        return data[0];
    }

    @Override
    public String toString() {
        return "Tensor" + Arrays.toString(shape) + (requiresGrad ? " (grad)" : "");
    }
}
