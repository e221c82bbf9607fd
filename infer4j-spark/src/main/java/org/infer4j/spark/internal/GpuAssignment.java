package org.infer4j.spark.internal;

import java.util.Map;
import org.apache.spark.TaskContext;
import org.apache.spark.resource.ResourceInformation;
import org.infer4j.InferenceException;
import org.jspecify.annotations.Nullable;

/**
 * The CUDA device of a task: the GPU that Spark's resource scheduling assigned to it
 * ({@code spark.task.resource.gpu.amount}, with the executor's GPUs found by
 * {@code spark.executor.resource.gpu.discoveryScript}), or none.
 *
 * <p>Spark names a GPU by the address its discovery script printed; the script Spark ships prints
 * the indices {@code nvidia-smi} lists, which are CUDA device indices in the executor's container.
 * A task given several GPUs runs its engine on the first: one engine uses one device.
 */
public final class GpuAssignment {
    /** Spark's name for the GPU resource. */
    static final String GPU = "gpu";

    private GpuAssignment() {
    }

    /**
     * The device of the task running on this thread.
     *
     * @param task the running task ({@link TaskContext#get()}), or null outside a task (on the driver)
     * @return the first GPU address Spark assigned to the task as a device index, or null when it assigned
     *     none (a CPU executor, or GPU scheduling off): the engine then takes the builder's default device
     * @throws InferenceException if the address is not a device index
     */
    public static @Nullable Integer deviceIndex(@Nullable TaskContext task) {
        return task == null ? null : deviceIndex(task.resourcesJMap());
    }

    /**
     * The device named by a task's resources.
     *
     * @param resources the task's resources by name, as {@link TaskContext#resourcesJMap()} gives them
     * @return the first address of the {@code gpu} resource as a device index, or null when there is none
     * @throws InferenceException if that address is not a non-negative integer
     */
    public static @Nullable Integer deviceIndex(Map<String, ResourceInformation> resources) {
        ResourceInformation gpu = resources.get(GPU);
        if (gpu == null || gpu.addresses().length == 0) {
            return null;
        }
        String address = gpu.addresses()[0].trim();
        try {
            int index = Integer.parseInt(address);
            if (index >= 0) {
                return index;
            }
        } catch (NumberFormatException e) {
            // reported below, with the remedy
        }
        throw new InferenceException("Spark assigned this task the GPU with address '" + address
                + "', which is not a CUDA device index; make the executors' GPU discovery script "
                + "(spark.executor.resource.gpu.discoveryScript) report device indices such as \"0\", \"1\"");
    }
}
