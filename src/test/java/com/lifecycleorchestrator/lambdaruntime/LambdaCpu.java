package com.lifecycleorchestrator.lambdaruntime;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;

/**
 * The CPU Lambda gives one execution environment, imposed on a JVM with a Linux control group's CPU
 * bandwidth limit: a whole vCPU while an on-demand environment initialises ("On-demand Lambda
 * functions use a full vCPU (non-throttled) but is limited to 10 seconds during its initialization
 * phase": AWS, <i>Effectively running Java on Serverless</i>, "Utilize initialization phase"), and,
 * from the runtime's first request for an event on, a share in proportion to the function's memory,
 * "the equivalent of one vCPU" at 1,769 MB (Lambda Developer Guide, "Configure Lambda function
 * memory"). The JVM joins the group before its first instruction: it is started through a shell
 * that moves itself into the group, then becomes the JVM.
 *
 * <p>Only where this machine lets the build make a control group (as root, with the {@code cpu}
 * controller of cgroup v1 or v2 mounted); {@link #create} says why not otherwise.
 */
public final class LambdaCpu implements AutoCloseable {

  /** The memory at which a function has one vCPU (Lambda Developer Guide, "Configure Lambda function memory"). */
  static final int ONE_VCPU_MEGABYTES = 1769;
  private static final long PERIOD_MICROS = 100_000;
  private static final Path CGROUP_ROOT = Path.of("/sys/fs/cgroup");

  private final Path group;
  private final boolean unified;
  private final long invocationQuotaMicros;

  private LambdaCpu(Path group, boolean unified, int memoryMegabytes) {
    this.group = group;
    this.unified = unified;
    this.invocationQuotaMicros = PERIOD_MICROS * memoryMegabytes / ONE_VCPU_MEGABYTES;
  }

  /** A control group for one execution environment, or why there can be none here. */
  public record Result(LambdaCpu cpu, String whyNot) {}

  /** A fresh group for one JVM of a function with this memory, set to a whole vCPU for its init. */
  public static Result create(int memoryMegabytes) {
    Path unifiedControllers = CGROUP_ROOT.resolve("cgroup.controllers");
    Path v1 = CGROUP_ROOT.resolve("cpu");
    String name = "lambda-cpu-" + UUID.randomUUID();
    try {
      LambdaCpu cpu;
      if (Files.isReadable(unifiedControllers) && Files.readString(unifiedControllers).contains("cpu")) {
        Files.writeString(CGROUP_ROOT.resolve("cgroup.subtree_control"), "+cpu");
        cpu = new LambdaCpu(Files.createDirectory(CGROUP_ROOT.resolve(name)), true, memoryMegabytes);
      } else if (Files.isWritable(v1.resolve("cgroup.procs")) && Files.exists(v1.resolve("cpu.cfs_quota_us"))) {
        cpu = new LambdaCpu(Files.createDirectory(v1.resolve(name)), false, memoryMegabytes);
      } else {
        return new Result(null, "no writable cgroup cpu controller at " + CGROUP_ROOT + " (it takes root)");
      }
      cpu.initialising();
      return new Result(cpu, null);
    } catch (IOException | UncheckedIOException e) {
      return new Result(null, "could not make a control group under " + CGROUP_ROOT + ": " + e.getMessage());
    }
  }

  /** The command, run so that its process joins this group before it starts. */
  List<String> confine(List<String> command) {
    List<String> confined = new ArrayList<>(List.of("/bin/sh", "-c",
        "echo $$ > \"$0\" && exec \"$@\"", group.resolve("cgroup.procs").toString()));
    confined.addAll(command);
    return confined;
  }

  /** A whole vCPU: the on-demand init. */
  public void initialising() {
    limit(PERIOD_MICROS);
  }

  /** The function's share of a vCPU: from the runtime's first request for an event on. */
  public void invoking() {
    limit(invocationQuotaMicros);
  }

  /** The share of one vCPU an invocation gets, as a percentage. */
  public double invocationPercent() {
    return 100.0 * invocationQuotaMicros / PERIOD_MICROS;
  }

  public Path group() {
    return group;
  }

  private void limit(long quotaMicros) {
    try {
      if (unified) {
        Files.writeString(group.resolve("cpu.max"), String.format(Locale.ROOT, "%d %d", quotaMicros, PERIOD_MICROS));
      } else {
        Files.writeString(group.resolve("cpu.cfs_period_us"), String.valueOf(PERIOD_MICROS));
        Files.writeString(group.resolve("cpu.cfs_quota_us"), String.valueOf(quotaMicros));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("could not limit the CPU of " + group, e);
    }
  }

  /** Removes the group, once the JVM in it has ended. */
  @Override
  public void close() {
    try {
      Files.deleteIfExists(group);
    } catch (IOException e) {
      throw new UncheckedIOException("could not remove the control group " + group
          + " (is its JVM still running?)", e);
    }
  }
}
